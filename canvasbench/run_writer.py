"""RunWriter: one thread that owns every database write a Runner makes, so SQLite never blocks the event loop."""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from canvasbench.errors import StoreError
from canvasbench.store import RunStore

log = logging.getLogger(__name__)

# Checkpoints only ever touch runs still in flight: a late checkpoint must never overwrite a final row.
_ACTIVE_GUARD = "status IN ('queued', 'running')"
_MAX_BATCH = 256
_WRITE_ATTEMPTS = 5


@dataclass
class _Final:
    """A finished run: `build` turns the result into its final columns on the writer thread."""

    run_id: str
    build: Callable[[], dict[str, Any]]
    done: Callable[[], None]


@dataclass
class _Barrier:
    event: threading.Event = field(default_factory=threading.Event)


@dataclass
class WriterStats:
    """What the writer has done so far (the overhead benchmark reports these)."""

    checkpoints: int = 0  # checkpoint rows written
    finals: int = 0  # final rows written
    transactions: int = 0
    write_s: float = 0.0  # time inside write transactions (checkpoints and finals)
    checkpoint_s: float = 0.0  # share of write_s spent on batches that held only checkpoints


class RunWriter:
    """Serialises a Runner's writes on one thread, coalescing checkpoints of the same run."""

    def __init__(self, store: RunStore, name: str = "canvasbench-writer") -> None:
        self.store = store
        self.stats = WriterStats()
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._pending: dict[str, dict[str, Any]] = {}
        self._pending_lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    # --- called from any thread ----------------------------------------------------------------

    def checkpoint(self, run_id: str, fields: dict[str, Any]) -> None:
        """Queue a progress write; if one for this run is still waiting, the newer one replaces it."""
        with self._pending_lock:
            fresh = run_id not in self._pending
            self._pending[run_id] = fields
        if fresh:
            self._queue.put(("checkpoint", run_id))

    def update(self, run_id: str, fields: dict[str, Any]) -> None:
        """Queue an unconditional write of some columns (e.g. the switch to `running`)."""
        self._queue.put(("update", (run_id, fields)))

    def finish(self, run_id: str, build: Callable[[], dict[str, Any]], done: Callable[[], None]) -> None:
        """Queue a run's final write: `build()` runs here (off the loop), then one transaction, then `done()`."""
        self._queue.put(("final", _Final(run_id, build, done)))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is written."""
        barrier = _Barrier()
        self._queue.put(("barrier", barrier))
        return barrier.event.wait(timeout)

    def close(self, timeout: float | None = 10.0) -> None:
        """Write what is queued, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(("stop", None))
        self._thread.join(timeout)

    # --- the writer thread ---------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Everything already waiting goes into the same transaction: 16 streams cost one commit, not 16.
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(kind == "stop" for kind, _ in batch)
            try:
                self._process(batch)
            except Exception:  # never let one bad batch kill the writer: later runs must still be saved
                log.exception("canvasbench: writing run progress failed")
            if stop:
                self.store.close()
                return

    def _process(self, batch: list[tuple[str, Any]]) -> None:
        statements: list[tuple[str, dict[str, Any], bool]] = []  # (run_id, values, only_if_active)
        finals: list[_Final] = []
        barriers: list[_Barrier] = []
        for kind, item in batch:
            if kind == "checkpoint":
                with self._pending_lock:
                    fields = self._pending.pop(item, None)
                if fields is not None:
                    statements.append((item, fields, True))
            elif kind == "update":
                statements.append((item[0], item[1], False))
            elif kind == "final":
                statements.append((item.run_id, self._build_final(item), False))
                finals.append(item)
            elif kind == "barrier":
                barriers.append(item)
        if statements:
            self._commit(statements, only_checkpoints=not finals)
        for final in finals:
            try:
                final.done()
            except Exception:
                log.exception("canvasbench: after-run hook failed for %s", final.run_id)
        for barrier in barriers:
            barrier.event.set()

    def _build_final(self, final: _Final) -> dict[str, Any]:
        try:
            return final.build()
        except Exception:
            log.exception("canvasbench: building the final row of %s failed", final.run_id)
            return {"status": "failed", "error": "CanvasBench could not analyse this response (internal error)."}

    def _commit(self, statements: list[tuple[str, dict[str, Any], bool]], *, only_checkpoints: bool) -> None:
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            started = time.perf_counter()
            try:
                with self.store.write() as db:
                    for run_id, values, only_if_active in statements:
                        self._execute(db.conn, run_id, values, only_if_active)
            except (sqlite3.OperationalError, StoreError) as exc:
                # Another process can hold the database past busy_timeout (a long VACUUM, a slow disk):
                # retry rather than lose the final row of a run that took minutes and cost money.
                if attempt == _WRITE_ATTEMPTS:
                    log.error("canvasbench: giving up writing %d run updates: %s", len(statements), exc)
                    return
                time.sleep(0.2 * attempt)
                continue
            elapsed = time.perf_counter() - started
            self.stats.transactions += 1
            self.stats.write_s += elapsed
            if only_checkpoints:
                self.stats.checkpoint_s += elapsed
            self.stats.checkpoints += sum(1 for s in statements if s[2])
            self.stats.finals += sum(1 for s in statements if not s[2] and "finished_at" in s[1])
            return

    @staticmethod
    def _execute(conn: sqlite3.Connection, run_id: str, values: dict[str, Any], only_if_active: bool) -> None:
        columns = ", ".join(f"[{name}] = ?" for name in values)
        sql = f"UPDATE runs SET {columns} WHERE id = ?"
        if only_if_active:
            sql += f" AND {_ACTIVE_GUARD}"
        params = [json.dumps(v) if isinstance(v, list | dict) else v for v in values.values()]
        conn.execute(sql, [*params, run_id])
