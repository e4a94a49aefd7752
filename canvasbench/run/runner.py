"""Runner: comparisons that stream on one background event loop, outlive any page, and checkpoint to SQLite.

The runner submits, validates, limits (per provider), cancels and waits for runs, and calls hooks with
each run's id and final status. Around it: `event_loop` (the process-wide loop), `progress` (timelines
and what a checkpoint holds), `run_writer` (the one thread that writes), `final_row` (the final
transaction's columns: the whole text, the extracted artifact's metrics, tokens, cost and price) and
`warm` (start-up work, done in `submit()` before anything is timed). The analysis and the final row's
modules (pygments, prices) are imported by warm()'s last step once the first request is out, or at first use.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from canvasbench.errors import CanvasBenchError, UsageError
from canvasbench.liveness import worker_token
from canvasbench.providers.base import GenerationRequest, GenerationResult, Progress
from canvasbench.providers.generate import StreamSettings, generate
from canvasbench.providers.registry import ensure_ready, parse_model_id
from canvasbench.redact import redact
from canvasbench.run.event_loop import background_loop
from canvasbench.run.followups import FollowUps
from canvasbench.run.live_run import Chain, LiveRun, RunOptions, resolve
from canvasbench.run.plan_message import PLAN_MESSAGE_VERSION
from canvasbench.run.progress import (
    MIN_CHECKPOINT_S,
    STRETCHED_MAX_S,
    TICK_S,
    add_point,
    checkpoint_fields,
    checkpoint_interval,
    finish_timeline,
)
from canvasbench.run.recipe_steps import builds_next, first_run, first_step
from canvasbench.run.recipes import parse_recipes
from canvasbench.run.round_loop import RepairRounds
from canvasbench.run.warm import lexers_ready, warm, warm_in_background
from canvasbench.run.writer import RunWriter, WriterStats
from canvasbench.status import Status
from canvasbench.store import RunStore, reads, utc_now, writes
from canvasbench.store.per_database import PerDatabase

if TYPE_CHECKING:
    from canvasbench.render.pool import RenderCheckPool
    from canvasbench.run.repairs import JudgeRound

log = logging.getLogger(__name__)

_RECANCEL_S = 0.05

# A hook receives the run's id and its final status (done, failed, incomplete, cancelled).
RunFinishedHook = Callable[[str, str], None]


# --- the runner --------------------------------------------------------------------------------


class Runner(RepairRounds, FollowUps):
    """Starts comparisons, one concurrent run per model, limited per provider; thread-safe."""

    def __init__(
        self,
        db: str | Path | RunStore | None = None,
        *,
        concurrency: Mapping[str, int] | None = None,
        default_concurrency: int = 4,
        settings: StreamSettings | None = None,
    ) -> None:
        if default_concurrency < 1 or any(n < 1 for n in (concurrency or {}).values()):
            raise UsageError("Concurrency limits must be at least 1.")
        self.store = db if isinstance(db, RunStore) else RunStore(db)
        self.concurrency = dict(concurrency or {})
        self.default_concurrency = default_concurrency
        settings = settings or StreamSettings()
        # generate() calls back at most every progress_interval_s; we checkpoint on those calls.
        self.settings = replace(settings, progress_interval_s=min(settings.progress_interval_s, MIN_CHECKPOINT_S))
        self._finished_hooks: list[RunFinishedHook] = []  # added with add_run_finished_hook, the one way
        self._loop = background_loop()
        self._writer = RunWriter(self.store)
        self._hooks = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="canvasbench-hook")
        self._lock = threading.Lock()
        self._saved = threading.Condition(self._lock)  # notified whenever a run's final row is saved
        self._saved_n = 0
        self._runs: dict[str, LiveRun] = {}
        self._comparisons: dict[str, list[str]] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}  # loop thread only
        self._checkpoint_interval = MIN_CHECKPOINT_S  # loop thread only; set by the ticker
        self._worker = worker_token()
        self._checks: RenderCheckPool | None = None
        self._check_cancelled = False
        self._judge: JudgeRound | None = None
        self._deciding: set[str] = set()  # runs whose check decides whether another round starts (under _lock)
        self.round_overhead_s: deque[float] = deque(maxlen=1000)  # per repair: verdict to next round (bookkeeping)
        self._workers_warmed = False  # loop thread only
        self._closed = False
        self._ticker = asyncio.run_coroutine_threadsafe(self._tick(), self._loop)

    # --- public API --------------------------------------------------------------------------

    def submit(
        self,
        prompt: dict[str, Any],
        model_ids: Sequence[str],
        options: RunOptions | None = None,
        *,
        sweep_id: str | None = None,
    ) -> str:
        """Record a comparison (part of `sweep_id`, if any) and start one run per model; returns its id at once.

        The build recipes of `options.recipes` compete beside the models, each starting with its first step.
        """
        if self._closed:
            raise CanvasBenchError("This runner has been shut down; start a new one.")
        model_ids = list(model_ids)
        recipes = parse_recipes((options or RunOptions()).recipes, model_ids)
        if not model_ids and not recipes:
            raise UsageError("Choose at least one model (provider:model, e.g. gemini:gemini-3-flash-preview).")
        if options is not None and options.deadline_s is not None and options.deadline_s <= 0:
            raise UsageError("The deadline must be a positive number of seconds (or none at all).")
        asked = options or RunOptions()
        repair, accept = asked.repair_settings(checks=self._checks is not None, judge=self._judge)
        most = max((r.repair for r in recipes), default=0)
        if most:  # a recipe's own repair rounds need what the comparison's would: checks, and a judge for judge>=K
            replace(asked, repair=most).repair_settings(checks=self._checks is not None, judge=self._judge)
        text = prompt.get("text")
        if not isinstance(text, str) or not text.strip():
            raise UsageError("The prompt is empty: write a prompt or pick one from the suite.")
        for model_id in model_ids:
            ensure_ready(model_id)
        # Import and warm the SDKs (seconds) here, not on the event loop, where it would freeze every
        # other stream and skew their timings.
        warm(dict.fromkeys(parse_model_id(m)[0] for m in [*model_ids, *(m for r in recipes for m in r.model_ids)]))
        model_ids = ["{}:{}".format(*parse_model_id(m)) for m in model_ids]  # " openai:x " -> "openai:x"
        options = replace(
            options or RunOptions(), accept=accept.spec,  # stored as the one spelling
            recipes=tuple(r.spec for r in recipes),  # with their names: a re-run carries them as they were
            plan_message=PLAN_MESSAGE_VERSION if any(r.plan for r in recipes) else None,
        )  # fmt: skip
        comparison_id, run_ids = writes.create_comparison(
            self.store,
            prompt=prompt, model_ids=model_ids, options=asdict(options), sweep_id=sweep_id,
            recipe_runs=[first_step(r, text) for r in recipes],
        )
        runs = []
        firsts = [*model_ids, *(r.first_model for r in recipes)]
        for index, (run_id, model_id) in enumerate(zip(run_ids, firsts, strict=True)):
            provider, model = parse_model_id(model_id)
            request = GenerationRequest(
                model=model,
                prompt=text,
                max_output_tokens=options.max_output_tokens,
                thinking=options.thinking,
                temperature=options.temperature,
            )
            run = LiveRun(run_id, comparison_id, model_id, provider, request, deadline_s=options.deadline_s)
            run.repair, run.accept, run.judge_model = repair, accept, options.judge_model
            if index >= len(model_ids):
                run = first_run(run, recipes[index - len(model_ids)], text)
            runs.append(run)
        with self._lock:
            self._comparisons[comparison_id] = run_ids
            self._runs.update((run.run_id, run) for run in runs)
        self._loop.call_soon_threadsafe(self._start, runs)
        return comparison_id

    def cancel_run(self, run_id: str) -> None:
        """Stop one run (queued or streaming); its partial output is kept and it ends `cancelled`."""
        self._loop.call_soon_threadsafe(self._cancel_on_loop, run_id)

    def cancel_comparison(self, comparison_id: str) -> None:
        """Stop every run of a comparison that has not finished yet."""
        with self._lock:
            run_ids = list(self._comparisons.get(comparison_id, ()))
        # One loop callback for all of them: cancelled one by one, a queued run could take the slot of a
        # run that has just stopped before its own cancel arrived.
        self._loop.call_soon_threadsafe(self._cancel_all_on_loop, run_ids)

    def wait(self, comparison_id: str, timeout: float | None = None) -> list[dict[str, Any]]:
        """Block until this runner's runs of the comparison are saved (or timeout); return the stored rows.

        Rows come back as they are at return time: after a timeout some may still be queued or running,
        and runs of a comparison submitted elsewhere are never waited for.
        """
        with self._saved:  # notified on every save and every repair decision: new rounds are waited for too
            self._saved.wait_for(lambda: not self._active(comparison_id), timeout)
        return reads.runs_of(self.store, comparison_id)

    def saved_count(self) -> int:
        """How many runs this runner has saved as final so far (for `wait_saved`)."""
        with self._lock:
            return self._saved_n

    def wait_saved(self, after: int, timeout: float) -> None:
        """Block until more than `after` runs are saved as final, or `timeout` seconds pass."""
        with self._saved:
            self._saved.wait_for(lambda: self._saved_n > after, timeout)

    def active_comparisons(self) -> list[str]:
        """Comparisons started by this runner with a run not yet saved as final, oldest first."""
        with self._lock:
            return [cid for cid in self._comparisons if self._active(cid)]

    def _active(self, comparison_id: str) -> bool:
        """A run not saved yet, or one whose check may still start another round (call with _lock held)."""
        return any(
            not self._runs[r].finished.is_set() or r in self._deciding for r in self._comparisons.get(comparison_id, ())
        )

    def use_checks(self, pool: RenderCheckPool, *, check_cancelled: bool = False) -> None:
        """Check each run once saved (cancelled ones with `check_cancelled`); repairs need it: call before submit."""
        self._checks, self._check_cancelled = pool, check_cancelled

    def use_judge(self, judge: JudgeRound) -> None:
        """Score each round that renders with `judge(run_id, judge_model)` when a comparison accepts by judge score."""
        self._judge = judge

    def add_run_finished_hook(self, hook: RunFinishedHook) -> None:
        """Call `hook(run_id, status)` after each run's final row is saved (on a helper thread, never the loop)."""
        with self._lock:
            if hook not in self._finished_hooks:
                self._finished_hooks.append(hook)

    def unsaved_runs(self) -> dict[str, str]:
        """Runs whose final row could not be written: run id -> the reason and where their text is kept."""
        return dict(self._writer.unsaved)

    def writer_stats(self) -> WriterStats:
        """How many checkpoints and transactions the writer made and how long they took."""
        return dataclasses.replace(self._writer.stats)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel what still runs (partial outputs kept), write everything, stop the writer."""
        if self._closed:
            return
        self._closed = True
        for comparison_id in self.active_comparisons():
            self.cancel_comparison(comparison_id)
        deadline = time.monotonic() + timeout
        with self._lock:
            comparison_ids = list(self._comparisons)
        with self._saved:
            self._saved.wait_for(
                lambda: not any(self._active(cid) for cid in comparison_ids), max(0.0, deadline - time.monotonic())
            )
        self._ticker.cancel()
        self._writer.close(timeout=max(1.0, deadline - time.monotonic()))
        # Every saved run's hooks are called before this returns: the CLI shuts its render checks down next.
        self._hooks.shutdown(wait=True)
        _shared.forget(self)

    # --- the loop thread ---------------------------------------------------------------------

    def _semaphore(self, provider: str) -> asyncio.Semaphore:
        sem = self._semaphores.get(provider)
        if sem is None:
            sem = asyncio.Semaphore(self.concurrency.get(provider, self.default_concurrency))
            self._semaphores[provider] = sem
        return sem

    def _start(self, runs: list[LiveRun]) -> None:
        for run in runs:
            run.chain = Chain(run)
            run.task = self._loop.create_task(self._contestant(run), name=f"canvasbench-run-{run.run_id}")
            # A task cancelled before its first step never enters _run: the callback still records it.
            run.task.add_done_callback(functools.partial(self._task_done, run))

    def _cancel_all_on_loop(self, run_ids: list[str]) -> None:
        for run_id in run_ids:
            self._cancel_on_loop(run_id)

    def _cancel_on_loop(self, run_id: str) -> None:
        run = self._runs.get(run_id)
        if run is not None and run.chain is not None:
            run.chain.cancelled = True
            run = run.chain.current  # any round's id cancels the contestant's round in flight
        if run is not None and run.task is not None and run.state != "finishing":
            run.task.cancel()
            # Python 3.11's asyncio.wait_for can swallow a cancel that lands as its inner read completes
            # (fixed in 3.12); keep asking until the run is really on its way out.
            self._loop.call_later(_RECANCEL_S, self._cancel_on_loop, run_id)

    async def _contestant(self, run: LiveRun | None) -> None:
        """One contestant: its first answer, then repair rounds until one is acceptable or none is left."""
        while run is not None:
            await self._run(run)
            run = await self._next_round(run)

    async def _run(self, run: LiveRun) -> None:
        sem = self._semaphore(run.provider)
        try:
            await sem.acquire()
        except asyncio.CancelledError:
            self._finish(run, GenerationResult(status="cancelled", error="Cancelled before it started."))
            return
        try:
            run.state = "running"
            run.started = run.last_write = time.monotonic()
            self._writer.update(
                run.run_id,
                {"status": Status.RUNNING, "started_at": utc_now(), "updated_at": utc_now(), "worker": self._worker},
            )
            try:
                settings = self.settings
                if run.deadline_s is not None:
                    settings = replace(settings, deadline_s=run.deadline_s)
                result = await generate(
                    run.model_id,
                    run.request,
                    settings=settings,
                    on_progress=lambda progress: self._on_progress(run, progress),
                    on_text=lambda attempt, piece: self._on_text(run, attempt, piece),
                )
            except asyncio.CancelledError:
                # generate() turns cancellation into a result itself; this covers a cancel it could not see.
                result = run.partial_result("cancelled", None)
            except Exception as exc:
                log.exception("canvasbench: run %s crashed", run.run_id)
                result = run.partial_result("failed", redact(f"Internal error while streaming: {exc}"))
        finally:
            sem.release()
        self._finish(run, result)

    def _task_done(self, run: LiveRun, task: asyncio.Task[None]) -> None:
        if run.state != "finishing":  # never entered _run, or died outside its own error handling
            status = "cancelled" if task.cancelled() else "failed"
            error = "Cancelled before it started." if task.cancelled() else "Internal error in the runner."
            self._finish(run, run.partial_result(status, error))

    def _on_text(self, run: LiveRun, attempt: int, piece: str) -> None:
        # On the loop thread for every chunk of every stream: constant time (see progress.add_point).
        run.arrivals.add(attempt, piece)
        # Our clock, not the attempt's: that restarts with each retry.
        add_point(run.timeline, time.monotonic() - run.started, run.arrivals.chars, run.arrivals.lines)

    def _on_progress(self, run: LiveRun, progress: Progress) -> None:
        # On the loop thread between chunks of every stream: keep it to a few microseconds.
        run.progress = progress
        now = time.monotonic()
        if now - run.last_write >= self._checkpoint_interval:
            self._checkpoint(run, now)

    def _checkpoint(self, run: LiveRun, now: float) -> None:
        run.last_write = now
        self._writer.checkpoint(run.run_id, checkpoint_fields(run.progress, run.timeline))
        if self._workers_warmed or run.progress is None:
            return
        from canvasbench.measure.analysis_pool import IN_THREAD_CHARS

        if len(run.progress.text) >= IN_THREAD_CHARS:
            # A page this large is analysed in a worker process: start them now, long before it ends.
            self._workers_warmed = True
            self._hooks.submit(warm, analysis_workers=True)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            now = time.monotonic()
            # list() copies under the GIL in one step: submit() may add runs from another thread meanwhile.
            streaming = [run for run in list(self._runs.values()) if run.state == "running"]
            self._checkpoint_interval = checkpoint_interval(len(streaming))
            for run in streaming:
                if now - run.last_write >= STRETCHED_MAX_S:
                    add_point(run.timeline, now - run.started, run.arrivals.chars, run.arrivals.lines)
                    self._checkpoint(run, now)

    def _finish(self, run: LiveRun, result: GenerationResult) -> None:
        run.state = "finishing"
        run.result = result
        if (self._checks is not None and run.may_repair()) or builds_next(run):
            run.saved = self._loop.create_future()
            with self._lock:  # before the run is seen finished, so its comparison never looks idle in between
                self._deciding.add(run.run_id)
        finished_at = utc_now()
        timeline = finish_timeline(run.timeline, time.monotonic() - run.started, result.text) if run.started else []
        from canvasbench.measure.analysis_pool import analyse_soon, analysis_of

        analysis = analyse_soon(result.text)  # large pages: starts now, in parallel with runs ending at once

        def build() -> dict[str, Any]:
            from canvasbench.run.final_row import final_row

            lexers_ready()
            analysed = analysis_of(analysis, result.text)
            row = final_row(run.model_id, result, analysed, timeline=timeline, finished_at=finished_at)
            if run.is_plan:  # a design, not a page (even one with code in it): nothing to check, judge or show
                row.update(artifact_kind=None, artifact=None, lines=None, code_lines=None, chars=None)
            return row

        def done() -> None:
            run.progress, run.timeline = None, []  # the text lives in the store now; keep the process small
            if self._checks is not None and not run.is_plan and (
                result.status != Status.CANCELLED or self._check_cancelled
            ):
                try:
                    run.check = self._checks.submit(run.run_id)
                except RuntimeError:  # the pool was shut down (Ctrl-C): no check, so no further round
                    run.check = None
            if run.saved is not None:
                self._loop.call_soon_threadsafe(resolve, run.saved)
            # Queued before anyone can see the run finished, so shutdown() (which waits for queued hooks)
            # never drops the hook of a run it saw end.
            if self._finished_hooks:
                self._hooks.submit(self._call_hooks, run.run_id, result.status)
            run.finished.set()
            with self._saved:
                self._saved_n += 1
                self._saved.notify_all()

        self._writer.finish(run.run_id, build, done)

    def _call_hooks(self, run_id: str, status: str) -> None:
        with self._lock:
            hooks = list(self._finished_hooks)
        for hook in hooks:
            try:
                hook(run_id, status)
            except Exception:  # one broken hook must not stop the others or the runner
                log.exception("canvasbench: after-run hook %r failed for %s", hook, run_id)


# --- one runner per process per database -------------------------------------------------------

def _new_shared_runner(path: Path) -> Runner:
    runner = Runner(path)
    # The dashboard creates this at start-up: warm every SDK now, so the first click does not wait.
    warm_in_background()
    return runner


_shared: PerDatabase[Runner] = PerDatabase(_new_shared_runner, usable=lambda runner: not runner._closed)


def shared_runner(db: str | Path | None = None) -> Runner:
    """The process's Runner for this database (created on first use)."""
    return _shared.get(db)
