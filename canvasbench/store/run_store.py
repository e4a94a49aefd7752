"""RunStore: the SQLite database behind everything, one connection per thread."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table

from canvasbench.errors import StoreError
from canvasbench.ids import new_id
from canvasbench.liveness import worker_alive, worker_token
from canvasbench.paths import db_path
from canvasbench.store.migrations import migrations

ACTIVE_STATUSES = ("queued", "running")
FINAL_STATUSES = ("done", "failed", "incomplete", "cancelled", "interrupted")
_SQLITE_MAGIC = b"SQLite format 3\x00"

# One write lock per database file per process: writers in this process queue here instead of
# spinning on SQLite's busy handler, so many concurrent runs never see "database is locked".
_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def utc_now() -> str:
    """Now as an ISO 8601 UTC timestamp with milliseconds (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RunStore:
    """The database: prompts, comparisons, runs; safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = db_path(path).resolve()
        self._local = threading.local()
        key = str(self.path)
        with _write_locks_guard:
            self._write_lock = _write_locks.setdefault(key, threading.RLock())
        self._check_path()
        self.db.execute("PRAGMA journal_mode=WAL")
        with self.write():
            migrations.apply(self.db)
        self.recover_interrupted()

    # --- connections -------------------------------------------------------------------------

    def _check_path(self) -> None:
        if self.path.is_dir():
            raise StoreError(f"Database path {self.path} is a directory: give a file path (--db or CANVASBENCH_DB).")
        if self.path.exists():
            try:
                with self.path.open("rb") as fh:
                    head = fh.read(16)
            except OSError as exc:
                raise StoreError(f"Cannot read database {self.path}: {exc.strerror}.") from exc
            if head and head != _SQLITE_MAGIC:
                raise StoreError(
                    f"{self.path} is not a SQLite database: point --db or CANVASBENCH_DB at a new "
                    "or existing CanvasBench database file."
                )
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the folder for database {self.path}: {exc.strerror}. "
                "Choose a writable path with --db or CANVASBENCH_DB."
            ) from exc

    @property
    def db(self) -> Database:
        """This thread's own connection (sqlite3 connections must not cross threads)."""
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            try:
                conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Cannot open database {self.path}: {exc}.") from exc
            db = Database(conn)
            self._local.db = db
        return db

    def table(self, name: str) -> Table:
        """A table on this thread's connection."""
        table = self.db.table(name)
        assert isinstance(table, Table)
        return table

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction, taken immediately so it never upgrades into a lock error."""
        with self._write_lock:
            db = self.db
            conn = db.conn
            if conn.in_transaction:  # nested use inside an outer write: join it
                yield db
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        db: Database | None = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    # --- prompts and comparisons ---------------------------------------------------------------

    def save_prompt(self, prompt: dict[str, Any]) -> None:
        """Insert or update a prompt row (id, title, category, kind, text, source)."""
        row = {"created_at": utc_now(), "source": "suite", **prompt}
        with self.write():
            existing = self.table("prompts").count_where("id = ?", [row["id"]])
            if existing:
                row.pop("created_at")
                self.table("prompts").update(row["id"], row)
            else:
                self.table("prompts").insert(row)

    def create_comparison(
        self,
        *,
        prompt: dict[str, Any],
        model_ids: Iterable[str],
        options: dict[str, Any] | None = None,
    ) -> tuple[str, list[str]]:
        """Record a comparison and one queued run per model; return their ids."""
        model_ids = list(model_ids)
        comparison_id = new_id()
        now = utc_now()
        run_ids = [new_id() for _ in model_ids]
        with self.write():
            self.save_prompt(prompt)
            self.table("comparisons").insert(
                {
                    "id": comparison_id,
                    "created_at": now,
                    "prompt_id": prompt["id"],
                    "title": prompt.get("title") or "",
                    "category": prompt.get("category") or "",
                    "prompt_text": prompt["text"],
                    "options": json.dumps(options or {}, sort_keys=True),
                    "models": json.dumps(model_ids),
                }
            )
            self.table("runs").insert_all(
                {
                    "id": run_id,
                    "comparison_id": comparison_id,
                    "position": i,
                    "model_id": model_id,
                    "provider": model_id.split(":", 1)[0],
                    "model": model_id.split(":", 1)[-1],
                    "status": "queued",
                    "created_at": now,
                    "updated_at": now,
                    "worker": worker_token(),
                    "attempts": 0,
                    "truncated": 0,
                }
                for i, (run_id, model_id) in enumerate(zip(run_ids, model_ids, strict=True))
            )
        return comparison_id, run_ids

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Write some columns of one run (JSON-encodes lists and dicts)."""
        values = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in fields.items()}
        values["updated_at"] = utc_now()
        with self.write():
            self.table("runs").update(run_id, values)

    # --- reads ---------------------------------------------------------------------------------

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """One run with every column, or None."""
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        return rows[0] if rows else None

    def get_comparison(self, comparison_id: str) -> dict[str, Any] | None:
        """One comparison row, or None."""
        rows = list(self.db.query("SELECT * FROM comparisons WHERE id = ?", [comparison_id]))
        return rows[0] if rows else None

    def runs_of(self, comparison_id: str) -> list[dict[str, Any]]:
        """Every run of a comparison in the order its models were asked for, with full text."""
        return list(
            self.db.query("SELECT * FROM runs WHERE comparison_id = ? ORDER BY position", [comparison_id])
        )

    def run_metrics(self, comparison_id: str) -> list[dict[str, Any]]:
        """A comparison's runs in order, without the big text columns (cheap to poll while streaming)."""
        skip = {"response", "reasoning", "artifact", "timeline"}
        columns = ", ".join(f"[{c.name}]" for c in self.table("runs").columns if c.name not in skip)
        return list(
            self.db.query(
                f"SELECT {columns} FROM runs WHERE comparison_id = ? ORDER BY position", [comparison_id]
            )
        )

    def active_run_ids(self) -> list[str]:
        """Runs queued or streaming right now."""
        marks = ",".join("?" * len(ACTIVE_STATUSES))
        return [r["id"] for r in self.db.query(f"SELECT id FROM runs WHERE status IN ({marks})", ACTIVE_STATUSES)]

    # --- recovery ------------------------------------------------------------------------------

    def recover_interrupted(self) -> int:
        """Mark runs left active by a process that has died as `interrupted`, keeping their text."""
        marks = ",".join("?" * len(ACTIVE_STATUSES))
        stale = [
            row
            for row in self.db.query(f"SELECT id, worker FROM runs WHERE status IN ({marks})", ACTIVE_STATUSES)
            if not worker_alive(row["worker"])
        ]
        if not stale:
            return 0
        now = utc_now()
        with self.write():
            for row in stale:
                self.table("runs").update(
                    row["id"],
                    {
                        "status": "interrupted",
                        "finish_reason": "error",
                        "error": "The process running this generation stopped before it finished; "
                        "the output received until then is kept.",
                        "finished_at": now,
                        "updated_at": now,
                    },
                )
        return len(stale)
