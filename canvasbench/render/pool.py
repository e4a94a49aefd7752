"""`RenderCheckPool`: render checks in the background, a few at a time, off the caller's thread."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

from canvasbench.errors import StoreError
from canvasbench.liveness import worker_token
from canvasbench.render.check import CheckLimits, RenderEngine
from canvasbench.render.records import check_run
from canvasbench.render.verdict import RenderCheck
from canvasbench.sandbox.mirror_build import cancel_fetches
from canvasbench.store import RunStore, writes
from canvasbench.store.per_database import PerDatabase

log = logging.getLogger(__name__)


class RenderCheckPool:
    """Checks runs on `workers` background threads sharing one headless Chromium.

    `submit(run_id)` returns at once; a run already queued is not queued twice. Results land in the
    `render_checks` table (read them with `latest_check`); `on_checked(run_id, check)` is called on
    the worker thread after each save.
    """

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        workers: int = 2,
        limits: CheckLimits | None = None,
        engine: RenderEngine | None = None,
        mirror: Path | None = None,
        on_checked: Callable[[str, RenderCheck], None] | None = None,
    ) -> None:
        self.store = RunStore(db)
        self.limits = limits
        self.mirror = mirror
        self.on_checked = on_checked
        self._own_engine = engine is None
        self.engine = engine or RenderEngine(max_concurrent=workers)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="canvasbench-check")
        self._pending: dict[str, Future[RenderCheck]] = {}
        self._lock = threading.RLock()  # done-callbacks may run inside submit()
        self._interrupted = False
        self._worker = worker_token()

    def submit(self, run_id: str) -> Future[RenderCheck]:
        """Queue a check of one run; returns its future (the same one if already queued)."""
        with self._lock:
            future = self._pending.get(run_id)
            if future is not None and not future.done():
                return future
            self._note(writes.queue_check, run_id)  # before the worker can start it: queued, then checking
            future = self._executor.submit(self._check, run_id)
            self._pending[run_id] = future
            future.add_done_callback(partial(self._forget, run_id))
            return future

    def on_run_finished(self, run_id: str) -> None:
        """The runner's hook: queue a check of a run that just finished (returns at once)."""
        self.submit(run_id)

    def _forget(self, run_id: str, future: Future[RenderCheck]) -> None:
        with self._lock:
            if self._pending.get(run_id) is future:
                del self._pending[run_id]

    def _note(self, write: Callable[[RunStore, str, str], None], run_id: str) -> None:
        """Record where a check stands for every process's pages; a database that cannot take it stops no check."""
        try:
            write(self.store, run_id, self._worker)
        except (StoreError, sqlite3.Error) as exc:  # a full disk; a run deleted meanwhile
            log.warning("could not record the render check of run %s as queued or running: %s", run_id, exc)

    def _check(self, run_id: str) -> RenderCheck:
        try:
            self._note(writes.start_check, run_id)
            check = check_run(
                self.store, run_id, limits=self.limits, engine=self.engine, mirror=self.mirror, gone_ok=True
            )
            if self.on_checked is not None:
                self.on_checked(run_id, check)
            return check
        except Exception:
            log.exception("render check of run %s failed", run_id)
            raise
        finally:
            self._note(writes.end_check, run_id)  # stored or not, it is no longer under way
            self.store.close()  # this worker's connection; reopened on the next check

    def pending(self) -> list[str]:
        """Run ids queued or being checked right now."""
        with self._lock:
            return [rid for rid, fut in self._pending.items() if not fut.done()]

    def interrupt(self) -> None:
        """Stop now (Ctrl-C): drop queued checks and end running ones as `not checked`, within a second or so."""
        self._interrupted = True
        cancel_fetches()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.close(wait_s=1.0)

    @property
    def interrupted(self) -> bool:
        """Whether `interrupt()` was called."""
        return self._interrupted

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking checks, finish (or drop, with wait=False) queued ones, close the browser."""
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
        if self._own_engine:
            self.engine.close()


_pools: PerDatabase[RenderCheckPool] = PerDatabase(RenderCheckPool)


def shared_pool(db: str | Path | None = None) -> RenderCheckPool:
    """One pool per process per database (the runner's hook and the dashboard share it)."""
    return _pools.get(db)
