"""`BatchWatch`: a long-lived process (the dashboard) polling its database's batch jobs off the caller's thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from canvasbench.errors import CanvasBenchError
from canvasbench.providers.batch import engine_for
from canvasbench.redact import redact
from canvasbench.run.batch_sweep import EngineFor, JobReport, poll_jobs
from canvasbench.store import RunStore
from canvasbench.store.per_database import PerDatabase

if TYPE_CHECKING:
    from canvasbench.run.repairs import JudgeRound

log = logging.getLogger(__name__)


class BatchWatch:
    """Polls the due jobs of one database, one poll at a time; runs each poll finished go to `on_ingested`.

    Each poll also sends the repair rounds due (runs checked since, not acceptable) as follow-up batches.

    `kick()` returns at once (a page must never wait on a provider); `poll_now()` is the same poll, inline.
    poll_jobs keeps each job's backoff, so kicking more often than jobs are due only reads the database.
    """

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        on_ingested: Callable[[list[str]], None] = lambda _run_ids: None,
        engines: EngineFor = engine_for,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = RunStore(db)
        self.on_ingested = on_ingested
        self._engines = engines
        self._now = now
        self._thread: threading.Thread | None = None
        self._busy = threading.Lock()
        self.last_error: str | None = None  # the last poll's failure, in words (shown; the next poll retries)
        self._judge: JudgeRound | None = None

    def use_judge(self, judge: JudgeRound) -> None:
        """Score each batch round that renders when its comparison accepts by judge score (as the CLI does)."""
        self._judge = judge

    def poll_now(self) -> list[JobReport]:
        """Poll what is due, store what ended, hand its runs on; a failure is kept in `last_error`, not raised."""
        with self._busy:
            try:
                reports = poll_jobs(self.store, engines=self._engines, now=self._now)
            except Exception as exc:  # a provider down, a network gone: said in the sidebar, tried again later
                said = str(exc) if isinstance(exc, CanvasBenchError) else f"{type(exc).__name__}: {exc}"
                self.last_error = redact(said)
                log.warning("polling batch jobs failed: %s", self.last_error)
                return []
            self.last_error = None
        ingested = [run_id for report in reports for run_id in report.ingested]
        if ingested:
            self.on_ingested(ingested)
        self.send_repairs()
        return reports

    def send_repairs(self) -> list[str]:
        """Send the repair rounds due (runs checked since; the shared pool checks what arrived): job ids sent."""
        from canvasbench.run.batch_rounds import repair_pass

        with self._busy:
            try:
                # Runs not checked yet (a process that stored them ended first) go to the checks too.
                return repair_pass(self.store, self._engines, check=self.on_ingested, judge=self._judge).jobs
            except Exception as exc:  # as a failed poll: said, and tried again at the next one
                said = str(exc) if isinstance(exc, CanvasBenchError) else f"{type(exc).__name__}: {exc}"
                self.last_error = redact(said)
                log.warning("sending batch repair rounds failed: %s", self.last_error)
                return []

    def kick(self) -> bool:
        """Start a poll on a background thread unless one is running; returns whether one was started."""
        if self._busy.locked() or (self._thread is not None and self._thread.is_alive()):
            return False
        self._thread = threading.Thread(target=self.poll_now, name="canvasbench-batch-poll", daemon=True)
        self._thread.start()
        return True

    def settle(self, timeout: float | None = None) -> None:
        """Wait for a poll `kick` started to end (a process closing; a test reading what it stored)."""
        if self._thread is not None:
            self._thread.join(timeout)


def _watch_with_checks(path: Path) -> BatchWatch:
    from canvasbench.render import shared_pool

    pool = shared_pool(path)

    def check(run_ids: list[str]) -> None:
        for run_id in run_ids:  # checked like any finished run, in the shared pool a dashboard launch uses
            pool.on_run_finished(run_id)

    return BatchWatch(path, on_ingested=check)


_watches: PerDatabase[BatchWatch] = PerDatabase(_watch_with_checks)


def shared_watch(db: str | Path | None = None) -> BatchWatch:
    """This process's batch watch for a database, its ingested runs render-checked in the shared pool."""
    return _watches.get(db)
