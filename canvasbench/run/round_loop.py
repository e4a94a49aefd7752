"""The runner's repair loop: after a round is saved and checked, start the next round or end the contestant."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from canvasbench.providers.base import GenerationResult
from canvasbench.run.live_run import LiveRun
from canvasbench.store import RunStore, reads, writes

if TYPE_CHECKING:
    from canvasbench.run.repairs import JudgeRound

log = logging.getLogger(__name__)


class RepairRounds:
    """Mixed into Runner: the step between a contestant's rounds (loop thread only, except where it locks)."""

    store: RunStore
    round_overhead_s: deque[float]  # per repair: from the verdict reaching the loop to the next round started
    _deciding: set[str]  # runs whose check decides whether another round starts (under _lock)
    _judge: JudgeRound | None
    _loop: asyncio.AbstractEventLoop
    _hooks: concurrent.futures.ThreadPoolExecutor
    _lock: threading.Lock
    _saved: threading.Condition
    _runs: dict[str, LiveRun]
    _comparisons: dict[str, list[str]]

    def _finish(self, run: LiveRun, result: GenerationResult) -> None:
        raise NotImplementedError

    def _task_done(self, run: LiveRun, task: asyncio.Task[None]) -> None:
        raise NotImplementedError

    async def _next_round(self, run: LiveRun) -> LiveRun | None:
        """After a round is saved: wait for its check; the next round's run (started), or None to stop."""
        if run.run_id not in self._deciding:
            return None
        run.state = "checking"  # cancellable while its check runs
        try:
            from canvasbench.run.repairs import NextRound, follow_up_of

            follow: NextRound | None
            if run.is_plan:  # a recipe's planner: its design goes to the builder, unchecked
                from canvasbench.run.recipe_steps import build_request, design_of

                assert run.saved is not None and run.recipe is not None
                await run.saved
                design = design_of(run)
                if design is None:
                    follow = None
                else:
                    text, request = build_request(run, design)
                    follow = NextRound(request, text, version=None)
                to = run.recipe.build
            else:
                follow = await follow_up_of(run, self._judge)
                to = run.repair_model()
            if follow is None or run.chain is None:
                return None
            write = asyncio.ensure_future(self._loop.run_in_executor(self._hooks, functools.partial(
                writes.add_round, self.store, run.run_id, turn_text=follow.text, repair_version=follow.version,
                model_id=to,
            )))
            try:
                new_id = await asyncio.shield(write)
            except asyncio.CancelledError:
                run.state = "finishing"  # no more cancels: the row being written is settled below
                new_id = await write
            with self._lock:
                if run.is_plan:
                    from canvasbench.run.recipe_steps import build_run

                    nxt = build_run(run, new_id, follow.request)
                else:
                    nxt = run.next_round(new_id, follow.request)
                self._runs[new_id] = nxt
                self._comparisons[run.comparison_id].append(new_id)
            if run.chain.cancelled:  # cancelled while its row was written: saved as cancelled, never started
                self._finish(nxt, GenerationResult(status="cancelled", error="Cancelled before it started."))
                return None
            run.chain.current = nxt
            assert nxt.task is not None
            nxt.task.add_done_callback(functools.partial(self._task_done, nxt))
            if not run.is_plan:
                self.round_overhead_s.append(time.monotonic() - run.checked_at)
            return nxt
        except asyncio.CancelledError:
            return None
        except Exception:  # a check that could not run (no browser): the loop ends, the round stays as it is
            if reads.get_run(self.store, run.run_id) is None:  # its comparison was deleted between rounds
                log.info("canvasbench: run %s was deleted before its next round: none starts", run.run_id)
                return None
            log.exception("canvasbench: no repair round after run %s", run.run_id)
            return None
        finally:
            run.state = "finishing"
            with self._saved:
                self._deciding.discard(run.run_id)
                self._saved.notify_all()
