"""RunWriter: one thread that owns every database write a Runner makes, so SQLite never blocks the event loop."""

from __future__ import annotations

import itertools
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canvasbench.errors import StoreError
from canvasbench.paths import recovery_dir
from canvasbench.private_files import fallback_folders, write_private
from canvasbench.redact import settled
from canvasbench.status import Status
from canvasbench.store import RunStore, writes

log = logging.getLogger(__name__)

_MAX_BATCH = 256
# Marks log records whose news also reaches the user another way (Runner.unsaved_runs(), which the CLI
# prints as its one error line): a front end that shows that may leave these records out.
REPORTED = {"reported_elsewhere": True}
_WRITE_ATTEMPTS = 5


def write_recovery_file(run_id: str, text: str, reasoning: str) -> Path | None:
    """Keep a run's text in a file when the database cannot take it; returns where (None: nowhere).

    Only the user can read it or the folder it is in, and no file or link already there is written through:
    the text is model output, and run ids can be read by anyone who can read the database.
    """
    body = text if not reasoning else f"{text}\n\n<!-- reasoning -->\n{reasoning}"
    # Never the database's own folder through open(): see RunStore's docstring (POSIX locks).
    return write_private(itertools.chain([recovery_dir()], fallback_folders()), run_id, ".txt", body)


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
    appended_bytes: int = 0  # UTF-8 bytes of answer and thinking text checkpoints appended
    text_bytes: int = 0  # characters of answer text the checkpoints stood for (what rewrites would write)


class RunWriter:
    """Serialises a Runner's writes on one thread, coalescing checkpoints of the same run."""

    def __init__(self, store: RunStore, name: str = "canvasbench-writer") -> None:
        self.store = store
        self.stats = WriterStats()
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._pending: dict[str, dict[str, Any]] = {}
        self._pending_lock = threading.Lock()
        self._closed = False
        self._checkpoint_error_logged = False
        # Per streaming run, how far its checkpoints have appended: (answer chars, thinking chars, next piece),
        # counted in the text received (what was stored is that text with its keys masked).
        self._appended: dict[str, tuple[int, int, int]] = {}
        # Runs whose final row could not be written: run id -> what happened and where the text is.
        self.unsaved: dict[str, str] = {}
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
        finals: list[tuple[_Final, dict[str, Any]]] = []
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
                values = self._build_final(item)
                statements.append((item.run_id, values, False))
                finals.append((item, values))
            elif kind == "barrier":
                barriers.append(item)
        error = self._commit(statements, only_checkpoints=not finals) if statements else None
        if error is not None:
            if not finals and not self._checkpoint_error_logged:
                # The runs go on streaming and their final writes will say what became of them.
                self._checkpoint_error_logged = True
                log.warning(
                    "canvasbench: progress of %d run(s) not saved: %s", len(statements), error, extra=REPORTED
                )
            for final, values in finals:
                self._keep_unsaved(final.run_id, values, error)
        for final, _values in finals:
            try:
                final.done()
            except Exception:
                log.exception("canvasbench: after-run hook failed for %s", final.run_id)
        for barrier in barriers:
            barrier.event.set()

    def _keep_unsaved(self, run_id: str, values: dict[str, Any], error: StoreError) -> None:
        """A final row that could not be written: fail the run with the reason and keep its text somewhere."""
        text, reasoning = values.get("response") or "", values.get("reasoning") or ""
        reason = f"CanvasBench could not save this run's result: {error}"
        failed = {
            "status": Status.FAILED,
            "finish_reason": "error",
            "error": reason,
            "response": text,
            "reasoning": reasoning,
            "finished_at": values.get("finished_at"),
            "updated_at": values.get("updated_at"),
        }
        # The full row may be what did not fit (a nearly full disk): the text alone may still.
        if self._commit([(run_id, failed, False)], only_checkpoints=False) is None:
            self.unsaved[run_id] = f"{reason} The run is stored as failed, with the text received."
            return
        where = write_recovery_file(run_id, text, reasoning)
        if where is not None:
            self.unsaved[run_id] = f"{reason} The text received ({len(text)} characters) is in {where}."
        else:
            self.unsaved[run_id] = f"{reason} The text received could not be written anywhere either."
        # Without the text the row may still fit: then the database says failed, and where the text is, as the
        # CLI does. If not, readers see the run interrupted once this process ends (store.reads.owners).
        # The pieces checkpointed so far stay: with no file they are the only copy of the text.
        failed = {k: v for k, v in failed.items() if k not in ("response", "reasoning")}
        failed["error"] = self.unsaved[run_id]
        if self._commit([(run_id, failed, False)], only_checkpoints=False) is None:
            self.unsaved[run_id] += " The database records the run as failed."
        log.error("canvasbench: %s", self.unsaved[run_id], extra=REPORTED)

    def _build_final(self, final: _Final) -> dict[str, Any]:
        try:
            return final.build()
        except Exception:
            log.exception("canvasbench: building the final row of %s failed", final.run_id)
            return {"status": Status.FAILED, "error": "CanvasBench could not analyse this response (internal error)."}

    def _commit(
        self, statements: list[tuple[str, dict[str, Any], bool]], *, only_checkpoints: bool
    ) -> StoreError | None:
        """Write the statements in one transaction; returns the error when that cannot be done."""
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            started = time.perf_counter()
            appended: dict[str, tuple[int, int, int] | None] = {}  # what this transaction appends, once committed
            try:
                with self.store.write():  # one transaction: every write below joins it
                    for run_id, values, only_if_active in statements:
                        self._execute(run_id, values, only_if_active, appended)
            except StoreError as exc:
                # Another process can hold the database past busy_timeout (a long VACUUM, a slow disk):
                # retry rather than lose the final row of a run that took minutes and cost money. A full
                # disk, an I/O error or a read-only file will not get better by waiting.
                if not exc.transient or attempt == _WRITE_ATTEMPTS:
                    return exc
                time.sleep(0.2 * attempt)
                continue
            except sqlite3.Error as exc:  # a constraint our own code broke: still never a silent loss
                return StoreError(f"internal error writing to {self.store.path}: {exc}")
            elapsed = time.perf_counter() - started
            for run_id, state in appended.items():
                if state is None:
                    self._appended.pop(run_id, None)
                else:
                    self._appended[run_id] = state
            self.stats.text_bytes += sum(
                len(values.get("response") or "") for _run_id, values, only in statements if only
            )  # what full rewrites would have written: the benchmark sets it against the appended bytes
            self.stats.transactions += 1
            self.stats.write_s += elapsed
            if only_checkpoints:
                self.stats.checkpoint_s += elapsed
            self.stats.checkpoints += sum(1 for s in statements if s[2])
            self.stats.finals += sum(1 for s in statements if not s[2] and "finished_at" in s[1])
            return None
        return None  # not reached: the last attempt returns its error

    def _execute(
        self,
        run_id: str,
        values: dict[str, Any],
        only_if_active: bool,
        appended: dict[str, tuple[int, int, int] | None],
    ) -> None:
        if only_if_active and "response" in values:
            # A checkpoint appends the text received since the last one: its cost stays the size of what
            # is new, where rewriting the row would rewrite every page of a response megabytes long.
            values = dict(values)
            text, thought = values.pop("response") or "", values.pop("reasoning", None) or ""
            state = appended.get(run_id) or self._appended.get(run_id) or (0, 0, 0)
            done_text, done_thought, seq = state
            if len(text) < done_text or len(thought) < done_thought:  # a new attempt started over
                writes.drop_checkpoints(self.store, run_id)
                done_text = done_thought = 0
            # Keys masked here, before the store: a key the provider echoes may be split across chunks, so
            # each piece stops short of anything that may be the start of one (the next piece resumes there).
            new_text, text_end = settled(text, done_text)
            new_thought, thought_end = settled(thought, done_thought)
            if (new_text or new_thought) and writes.append_checkpoint(self.store, run_id, seq, new_text, new_thought):
                appended[run_id] = (text_end, thought_end, seq + 1)
                self.stats.appended_bytes += len(new_text.encode()) + len(new_thought.encode())
        elif "response" in values:  # the whole text, in the row itself: the pieces have served their turn
            writes.drop_checkpoints(self.store, run_id)
            appended[run_id] = None
        writes.set_run_columns(self.store, run_id, values, only_if_active=only_if_active)
