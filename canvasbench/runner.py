"""Runner: comparisons that stream on one background event loop, outlive any page, and checkpoint to SQLite.

What a run's row holds while it streams (written by one writer thread, every 0.5-1.5 s, and at least every
2 s even during a stall): status `running`, `chars` and `lines` (and `response_lines`) of the raw response so
far, `first_chunk_s`/`ttft_s` once known, `attempts`, and `timeline` = JSON [[seconds since the run left the
queue, chars, lines], ...]. The partial answer and thinking text go to `run_chunks`, one row per checkpoint
holding only the text received since the previous one (RunStore.get_run/runs_of and reads.live_runs put
them together), so a checkpoint costs what is new, never the whole response. The final transaction writes
the whole text into the row, deletes its pieces, and replaces `lines`/`code_lines`/`chars` with the extracted
artifact's (A's `analyse_response`; the raw response's line count stays in `response_lines`) and adds
metrics, tokens, cost and price (NULL when the price is unknown) and the final status.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import importlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from canvasbench.analysis import ResponseAnalysis, analyse_response
from canvasbench.analysis_pool import analyse_soon, analysis_of, warm_up
from canvasbench.errors import CanvasBenchError, UsageError
from canvasbench.liveness import worker_token
from canvasbench.paths import db_path
from canvasbench.pricing import price_of
from canvasbench.providers.base import GenerationRequest, GenerationResult, Progress, ThinkingLevel, Usage
from canvasbench.providers.generate import StreamSettings, generate
from canvasbench.providers.registry import ensure_ready, get_provider, parse_model_id
from canvasbench.redact import redact
from canvasbench.run_writer import RunWriter, WriterStats
from canvasbench.store import RunStore, utc_now

log = logging.getLogger(__name__)

# The store is written at most this often while a run streams...
MIN_CHECKPOINT_S = 0.5
# ...and at least this often, even while nothing new arrives (a stall, a long think), so other
# processes see `updated_at` move and the timeline shows the flat stretch.
MAX_CHECKPOINT_S = 2.0
# Between the two, the interval grows with the number of streams so the total write rate stays
# near WRITES_PER_S: 16 streams cost ~11 writes a second, not 32.
WRITES_PER_S = 8.0
_STRETCHED_MAX_S = 1.5  # the ticker below adds at most _TICK_S: still inside MAX_CHECKPOINT_S
_TICK_S = 0.25
_RECANCEL_S = 0.05
_MAX_TIMELINE = 1000  # samples; older ones are thinned (every other one dropped) beyond this


@dataclass(frozen=True)
class RunOptions:
    """Per-comparison generation options (None: the model's own maximum output, no deadline)."""

    max_output_tokens: int | None = None
    thinking: ThinkingLevel = "default"
    temperature: float | None = None
    deadline_s: float | None = None  # stop each run this long after it starts (None: no overall deadline)


def count_lines(text: str) -> int:
    """Lines in a text as an editor shows them (a trailing newline does not start a new line)."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


@dataclass
class _Run:
    """One run's live state; touched only on the loop thread, except `finished` (a thread-safe event)."""

    run_id: str
    comparison_id: str
    model_id: str
    provider: str
    request: GenerationRequest
    deadline_s: float | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    task: asyncio.Task[None] | None = None
    state: str = "queued"  # queued / running / finishing
    started: float = 0.0  # monotonic, when it left the queue
    last_write: float = 0.0
    progress: Progress | None = None
    timeline: list[list[float | int]] = field(default_factory=list)


# --- the process-wide event loop ---------------------------------------------------------------

_loop: asyncio.AbstractEventLoop | None = None
_loop_guard = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The one event loop, on one daemon thread, that every Runner in this process streams on."""
    global _loop
    with _loop_guard:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="canvasbench-loop", daemon=True)
            thread.start()
            _loop = loop
        return _loop


_ADAPTER_MODULES = (
    "canvasbench.providers.gemini_adapter",
    "canvasbench.providers.openai_adapter",
    "canvasbench.providers.anthropic_adapter",
)


def _warm_imports() -> None:
    # The three SDKs take seconds to import; doing it early, off the caller's thread, keeps the first
    # submit() (a click in the dashboard) from stalling. Python's import locks make this race-free.
    for name in _ADAPTER_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the real import, later, reports the problem where it matters
            log.debug("canvasbench: warming %s failed", name, exc_info=True)


# --- the runner --------------------------------------------------------------------------------


class Runner:
    """Starts comparisons, one concurrent run per model, limited per provider; thread-safe."""

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        concurrency: Mapping[str, int] | None = None,
        default_concurrency: int = 4,
        settings: StreamSettings | None = None,
        on_run_finished: Callable[[str], None] | None = None,
    ) -> None:
        if default_concurrency < 1 or any(n < 1 for n in (concurrency or {}).values()):
            raise UsageError("Concurrency limits must be at least 1.")
        self.store = RunStore(db)
        self.concurrency = dict(concurrency or {})
        self.default_concurrency = default_concurrency
        settings = settings or StreamSettings()
        # generate() calls back at most every progress_interval_s; we checkpoint on those calls.
        self.settings = replace(settings, progress_interval_s=min(settings.progress_interval_s, MIN_CHECKPOINT_S))
        self.on_run_finished = on_run_finished
        self._extra_hooks: list[Callable[[str], None]] = []
        self._loop = background_loop()
        self._writer = RunWriter(self.store)
        self._hooks = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="canvasbench-hook")
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}
        self._comparisons: dict[str, list[str]] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}  # loop thread only
        self._checkpoint_interval = MIN_CHECKPOINT_S  # loop thread only; set by the ticker
        self._worker = worker_token()
        self._closed = False
        self._ticker = asyncio.run_coroutine_threadsafe(self._tick(), self._loop)
        warm_up()  # start the analysis workers now, not while the first streams are being timed

    # --- public API --------------------------------------------------------------------------

    def submit(self, prompt: dict[str, Any], model_ids: Sequence[str], options: RunOptions | None = None) -> str:
        """Record a comparison and start one run per model; returns its id at once."""
        if self._closed:
            raise CanvasBenchError("This runner has been shut down; start a new one.")
        model_ids = list(model_ids)
        if not model_ids:
            raise UsageError("Choose at least one model (provider:model, e.g. gemini:gemini-3-flash-preview).")
        if options is not None and options.deadline_s is not None and options.deadline_s <= 0:
            raise UsageError("The deadline must be a positive number of seconds (or none at all).")
        text = prompt.get("text")
        if not isinstance(text, str) or not text.strip():
            raise UsageError("The prompt is empty: write a prompt or pick one from the suite.")
        for model_id in model_ids:
            ensure_ready(model_id)
        for provider in {parse_model_id(m)[0] for m in model_ids}:
            # Build the adapter (importing its SDK takes seconds) here, not on the event loop, where it
            # would freeze every other stream and skew their timings.
            get_provider(provider)
        model_ids = ["{}:{}".format(*parse_model_id(m)) for m in model_ids]  # " openai:x " -> "openai:x"
        options = options or RunOptions()
        comparison_id, run_ids = self.store.create_comparison(
            prompt=prompt, model_ids=model_ids, options=asdict(options)
        )
        runs = []
        for run_id, model_id in zip(run_ids, model_ids, strict=True):
            provider, model = parse_model_id(model_id)
            request = GenerationRequest(
                model=model,
                prompt=text,
                max_output_tokens=options.max_output_tokens,
                thinking=options.thinking,
                temperature=options.temperature,
            )
            runs.append(_Run(run_id, comparison_id, model_id, provider, request, deadline_s=options.deadline_s))
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
        with self._lock:
            runs = [self._runs[r] for r in self._comparisons.get(comparison_id, ()) if r in self._runs]
        deadline = None if timeout is None else time.monotonic() + timeout
        for run in runs:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not run.finished.wait(remaining):
                break
        return self.store.runs_of(comparison_id)

    def is_finished(self, run_id: str) -> bool:
        """Whether this runner has saved the final row of a run it started."""
        with self._lock:
            run = self._runs.get(run_id)
        return run is None or run.finished.is_set()

    def active_comparisons(self) -> list[str]:
        """Comparisons started by this runner with a run not yet saved as final, oldest first."""
        with self._lock:
            return [
                cid
                for cid, run_ids in self._comparisons.items()
                if any(not self._runs[r].finished.is_set() for r in run_ids)
            ]

    def add_run_finished_hook(self, hook: Callable[[str], None]) -> None:
        """Also call `hook(run_id)` after each run's final row is saved (on a helper thread, never the loop)."""
        with self._lock:
            if hook not in self._extra_hooks:
                self._extra_hooks.append(hook)

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
            runs = list(self._runs.values())
        for run in runs:
            run.finished.wait(max(0.0, deadline - time.monotonic()))
        self._ticker.cancel()
        self._writer.close(timeout=max(1.0, deadline - time.monotonic()))
        self._hooks.shutdown(wait=False)
        _forget_shared(self)

    # --- the loop thread ---------------------------------------------------------------------

    def _semaphore(self, provider: str) -> asyncio.Semaphore:
        sem = self._semaphores.get(provider)
        if sem is None:
            sem = asyncio.Semaphore(self.concurrency.get(provider, self.default_concurrency))
            self._semaphores[provider] = sem
        return sem

    def _start(self, runs: list[_Run]) -> None:
        for run in runs:
            run.task = self._loop.create_task(self._run(run), name=f"canvasbench-run-{run.run_id}")
            # A task cancelled before its first step never enters _run: the callback still records it.
            run.task.add_done_callback(functools.partial(self._task_done, run))

    def _cancel_all_on_loop(self, run_ids: list[str]) -> None:
        for run_id in run_ids:
            self._cancel_on_loop(run_id)

    def _cancel_on_loop(self, run_id: str) -> None:
        run = self._runs.get(run_id)
        if run is not None and run.task is not None and run.state != "finishing":
            run.task.cancel()
            # Python 3.11's asyncio.wait_for can swallow a cancel that lands as its inner read completes
            # (fixed in 3.12); keep asking until the run is really on its way out.
            self._loop.call_later(_RECANCEL_S, self._cancel_on_loop, run_id)

    async def _run(self, run: _Run) -> None:
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
                {"status": "running", "started_at": utc_now(), "updated_at": utc_now(), "worker": self._worker},
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
                )
            except asyncio.CancelledError:
                # generate() turns cancellation into a result itself; this covers a cancel it could not see.
                result = self._partial_result(run, "cancelled", None)
            except Exception as exc:
                log.exception("canvasbench: run %s crashed", run.run_id)
                result = self._partial_result(run, "failed", redact(f"Internal error while streaming: {exc}"))
        finally:
            sem.release()
        self._finish(run, result)

    def _partial_result(self, run: _Run, status: str, error: str | None) -> GenerationResult:
        p = run.progress
        return GenerationResult(
            status=status,  # type: ignore[arg-type]
            text=p.text if p else "",
            reasoning=p.reasoning if p else "",
            finish_reason="error" if status == "failed" else None,
            error=error,
            first_chunk_s=p.first_chunk_s if p else None,
            ttft_s=p.ttft_s if p else None,
            latency_s=time.monotonic() - run.started if run.started else None,
            attempts=p.attempts if p else 0,
        )

    def _task_done(self, run: _Run, task: asyncio.Task[None]) -> None:
        if run.state != "finishing":  # never entered _run, or died outside its own error handling
            status = "cancelled" if task.cancelled() else "failed"
            error = "Cancelled before it started." if task.cancelled() else "Internal error in the runner."
            self._finish(run, self._partial_result(run, status, error))

    def _on_progress(self, run: _Run, progress: Progress) -> None:
        # On the loop thread between chunks of every stream: keep it to a few microseconds.
        run.progress = progress
        now = time.monotonic()
        # Our clock, not progress.elapsed_s: that restarts with each retry attempt.
        self._sample(run, now - run.started, progress.text)
        if now - run.last_write >= self._checkpoint_interval:
            self._checkpoint(run, now)

    def _sample(self, run: _Run, elapsed: float, text: str) -> None:
        sample = [round(elapsed, 3), len(text), count_lines(text)]
        if len(run.timeline) >= 2 and run.timeline[-1][1:] == sample[1:] == run.timeline[-2][1:]:
            run.timeline[-1] = sample  # a flat stretch needs only its two ends
            return
        run.timeline.append(sample)
        if len(run.timeline) > _MAX_TIMELINE:
            run.timeline[:] = run.timeline[:-1:2] + run.timeline[-1:]

    def _checkpoint(self, run: _Run, now: float) -> None:
        run.last_write = now
        p = run.progress
        fields: dict[str, Any] = {"status": "running", "updated_at": utc_now()}
        if p is not None:
            lines = count_lines(p.text)
            fields.update(
                response=p.text,
                reasoning=p.reasoning,
                chars=len(p.text),
                lines=lines,
                response_lines=lines,
                first_chunk_s=p.first_chunk_s,
                ttft_s=p.ttft_s,
                attempts=p.attempts,
            )
        fields["timeline"] = list(run.timeline)  # JSON-encoded on the writer thread, not here
        self._writer.checkpoint(run.run_id, fields)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(_TICK_S)
            now = time.monotonic()
            # list() copies under the GIL in one step: submit() may add runs from another thread meanwhile.
            streaming = [run for run in list(self._runs.values()) if run.state == "running"]
            self._checkpoint_interval = min(_STRETCHED_MAX_S, max(MIN_CHECKPOINT_S, len(streaming) / WRITES_PER_S))
            for run in streaming:
                if now - run.last_write >= _STRETCHED_MAX_S:
                    text = run.progress.text if run.progress else ""
                    self._sample(run, now - run.started, text)
                    self._checkpoint(run, now)

    def _finish(self, run: _Run, result: GenerationResult) -> None:
        run.state = "finishing"
        finished_at = utc_now()
        if run.started:
            self._sample(run, time.monotonic() - run.started, result.text)
        timeline = list(run.timeline)
        analysis = analyse_soon(result.text)  # large pages: starts now, in parallel with runs ending at once

        def build() -> dict[str, Any]:
            return final_columns(run.model_id, result, timeline, finished_at, analysis_of(analysis, result.text))

        def done() -> None:
            run.progress, run.timeline = None, []  # the text lives in the store now; keep the process small
            run.finished.set()
            if self.on_run_finished is not None or self._extra_hooks:
                self._hooks.submit(self._call_hooks, run.run_id)

        self._writer.finish(run.run_id, build, done)

    def _call_hooks(self, run_id: str) -> None:
        hooks = [self.on_run_finished, *self._extra_hooks]
        for hook in hooks:
            if hook is None:
                continue
            try:
                hook(run_id)
            except Exception:  # one broken hook must not stop the others or the runner
                log.exception("canvasbench: after-run hook %r failed for %s", hook, run_id)


def final_columns(
    model_id: str,
    result: GenerationResult,
    timeline: list[list[float | int]],
    finished_at: str,
    analysis: ResponseAnalysis | None = None,
) -> dict[str, Any]:
    """Every column a finished run writes in its last transaction: status, metrics, artifact, cost."""
    usage = result.usage
    values: dict[str, Any] = {
        "status": result.status,
        "finished_at": finished_at,
        "updated_at": utc_now(),
        "finish_reason": result.finish_reason,
        "raw_finish_reason": result.raw_finish_reason,
        "error": redact(result.error) if result.error else result.error,
        "attempts": result.attempts,
        "first_chunk_s": result.first_chunk_s,
        "ttft_s": result.ttft_s,
        "latency_s": result.latency_s,
        "tokens_per_s": result.tokens_per_s,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "thinking_tokens": usage.thinking_tokens,
        "cached_tokens": usage.cached_tokens,
        "response": result.text,
        "reasoning": result.reasoning,
        "timeline": json.dumps(timeline),
        "cost_usd": None,
        "price": None,
    }
    if analysis is None:
        analysis = analyse_response(result.text)
    values.update(
        artifact_kind=analysis.kind,
        artifact=analysis.code,
        lines=analysis.lines,
        code_lines=analysis.code_lines,
        chars=analysis.chars,
        response_lines=analysis.response_lines,
        # Cut off by the token limit counts as truncated even when the code happens to look closed.
        truncated=int(bool(analysis.truncated) or result.finish_reason == "length"),
    )
    if _has_usage(usage):
        try:
            priced = price_of(model_id, usage)
        except CanvasBenchError as exc:  # a broken user price file: the cost is unknown, the run is not lost
            log.warning("canvasbench: no cost for %s: %s", model_id, exc)
            priced = None
        if priced is not None:
            cost, price = priced
            values["cost_usd"] = cost
            values["price"] = json.dumps(asdict(price), sort_keys=True)
    return values


def _has_usage(usage: Usage) -> bool:
    return usage.input_tokens is not None or usage.output_tokens is not None


# --- one runner per process per database -------------------------------------------------------

_shared: dict[str, Runner] = {}
_shared_guard = threading.Lock()


def shared_runner(db: str | Path | None = None) -> Runner:
    """The process's Runner for this database (created on first use)."""
    key = str(db_path(db).resolve())
    with _shared_guard:
        runner = _shared.get(key)
        if runner is None or runner._closed:
            runner = Runner(db)
            _shared[key] = runner
            # The dashboard creates this at start-up: import the SDKs now, so the first click does not wait.
            threading.Thread(target=_warm_imports, name="canvasbench-warm", daemon=True).start()
        return runner


def _forget_shared(runner: Runner) -> None:
    with _shared_guard:
        for key, value in list(_shared.items()):
            if value is runner:
                del _shared[key]
