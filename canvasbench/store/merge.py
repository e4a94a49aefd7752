"""Merge other CanvasBench databases into this one: every row once, in one transaction, nothing half-done."""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from canvasbench.errors import StoreError
from canvasbench.providers.demo import PROVIDER, is_demo_database
from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store.migrations import migrations
from canvasbench.store.run_store import RunStore, damaged_message, store_error

# Parents before children, so every foreign key finds its row. A table a later schema adds is merged after
# these, row by row where its key is new (see _plain_tables).
_ORDER = ("prompts", "comparisons", "runs", "run_chunks", "render_checks", "votes", "judgments", "checklists")
# What only means something to the processes and jobs of the machine that wrote it: never merged.
_LOCAL = {"check_queue", "batch_jobs"}
# Rows that change after they are written: the copy written later wins (a run that finished, a newer check).
_NEWER_WINS = {"runs": "updated_at", "render_checks": "checked_at"}
# Rows that hang off a run: only merged when their run is in this database (an active run is left out).
_RUN_KEYS = {
    "run_chunks": ("run_id",),
    "render_checks": ("run_id",),
    "votes": ("left_run_id", "right_run_id"),
}


@dataclass
class MergeReport:
    """What one merge added and updated, table by table, and what it left out and why."""

    source: str
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    active_left_out: int = 0  # runs still queued or streaming in the other database

    @property
    def changed(self) -> int:
        """Rows added or updated in all tables."""
        return sum(self.added.values()) + sum(self.updated.values())


MAX_SOURCES = 9  # SQLite attaches at most ten databases to one connection


def merge_databases(store: RunStore, sources: list[Path]) -> list[MergeReport]:
    """Merge each source into `store`, all in one write transaction: any failure leaves `store` untouched."""
    if len(sources) > MAX_SOURCES:
        raise StoreError(
            f"Merge at most {MAX_SOURCES} databases at once (got {len(sources)}); run merge again for the rest."
        )
    for source in sources:
        if source.exists() and source.resolve() == store.path:
            raise StoreError(f"{source} is this database: give another database file to merge.")
    with tempfile.TemporaryDirectory(prefix="canvasbench-merge-") as scratch:  # 0700: copies hold model output
        copies = [_checked_copy(source, Path(scratch) / f"{i}.db") for i, source in enumerate(sources)]
        conn = store.db.conn
        # ATTACH cannot run inside a transaction: attach every copy first, then merge them all in one.
        names = [f"other{i}" for i in range(len(copies))]
        try:
            for name, copy in zip(names, copies, strict=True):
                conn.execute(f"ATTACH DATABASE ? AS {name}", [str(copy)])
            _refuse_stand_ins(conn, store.path, names, sources)
            with store.write():
                return [_merge_attached(conn, name, str(source)) for name, source in zip(names, sources, strict=True)]
        finally:
            for name in names:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute(f"DETACH DATABASE {name}")


def _refuse_stand_ins(conn: sqlite3.Connection, target: Path, names: list[str], sources: list[Path]) -> None:
    """The demo's stand-in runs stay in the demo database: refuse a source holding any, into any other."""
    if is_demo_database(target):
        return
    for name, source in zip(names, sources, strict=True):
        if conn.execute(f"SELECT 1 FROM {name}.runs WHERE provider = ? LIMIT 1", [PROVIDER]).fetchone():
            raise StoreError(
                f"{source} holds the demo's stand-in runs ({PROVIDER}:...), which stay in the demo database; "
                "merge a database made with real models."
            )


def _checked_copy(source: Path, copy: Path) -> Path:
    """A consistent, upgraded copy of `source`, or one clear StoreError (missing, not SQLite, damaged, newer)."""
    if not source.is_file():
        raise StoreError(f"No database at {source}: give the path of another CanvasBench database file.")
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(copy)
            src.backup(dst)  # a consistent snapshot, the other file's write-ahead log included
            problems = [row[0] for row in dst.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise StoreError(damaged_message(source, "; ".join(map(str, problems))))
            tables = {row[0] for row in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"runs", "_sqlite_migrations"} <= tables:
                raise StoreError(f"{source} is a SQLite file but not a CanvasBench database: nothing was merged.")
            dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise store_error(source, exc) from exc
    _refuse_newer(source, copy)
    RunStore(copy, recover=False).close()  # brings an older schema up to this one, on the copy only
    return copy


def _refuse_newer(source: Path, copy: Path) -> None:
    ours = {m.name for m in migrations._migrations}  # sqlite-utils has no public list of a set's names
    from sqlite_utils import Database

    db = Database(copy)
    try:
        unknown = [m.name for m in migrations.applied(db) if m.name not in ours]
    finally:
        db.close()
    if unknown:
        raise StoreError(
            f"{source} was written by a newer CanvasBench (schema {unknown[-1]}): upgrade CanvasBench to "
            "merge it. Nothing was merged."
        )


def _merge_attached(conn: sqlite3.Connection, other: str, source: str) -> MergeReport:
    report = MergeReport(source)
    active = " OR ".join(f"status = '{s}'" for s in ACTIVE_STATUSES)
    theirs_active = " OR ".join(f"o.status = '{s}'" for s in ACTIVE_STATUSES)
    report.active_left_out = conn.execute(f"SELECT count(*) FROM {other}.runs WHERE {active}").fetchone()[0]
    for table in _ORDER + _plain_tables(conn):
        columns = _columns(conn, other, table)
        if not columns:
            continue
        where = _where(table, active)
        if table == "runs":  # the same outside generation imported on two machines is one run: keep ours
            where += (
                f" AND (origin_key IS NULL OR origin_key NOT IN (SELECT m.origin_key FROM main.runs m"
                f" WHERE m.origin_key IS NOT NULL AND m.id != {other}.runs.id))"
            )
        before = _count(conn, table)
        changes = conn.total_changes
        if table in _NEWER_WINS:
            stamp = _NEWER_WINS[table]
            key = _primary_key(conn, table)
            names = ", ".join(columns)
            sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
            if table == "runs":  # an updated run's streamed pieces are replaced by the other's
                conn.execute(
                    f"DELETE FROM main.run_chunks WHERE run_id IN (SELECT o.id FROM {other}.runs o "
                    f"JOIN main.runs m ON m.id = o.id WHERE o.{stamp} > m.{stamp} AND NOT ({theirs_active}))"
                )
            conn.execute(
                f"INSERT INTO main.{table} ({names}) SELECT {names} FROM {other}.{table} WHERE {where} "
                f"ON CONFLICT({', '.join(key)}) DO UPDATE SET {sets} "
                f"WHERE excluded.{stamp} > {table}.{stamp}"
            )
        else:
            names = ", ".join(columns)
            conn.execute(
                f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM {other}.{table} WHERE {where}"
            )
        added = _count(conn, table) - before
        report.added[table] = added
        report.updated[table] = conn.total_changes - changes - added
    return report


def _where(table: str, active: str) -> str:
    if table == "runs":
        return f"NOT ({active})"
    keys = _RUN_KEYS.get(table)
    if keys:
        return " AND ".join(f"{k} IN (SELECT id FROM main.runs)" for k in keys)
    if table == "judgments":  # a judgment names its runs in one of two shapes
        return " AND ".join(
            f"({k} IS NULL OR {k} IN (SELECT id FROM main.runs))" for k in ("run_id", "left_run_id", "right_run_id")
        )
    return "true"


def _plain_tables(conn: sqlite3.Connection) -> tuple[str, ...]:
    rows = conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name"
    ).fetchall()
    return tuple(r[0] for r in rows if r[0] not in _ORDER and r[0] not in _LOCAL)


def _columns(conn: sqlite3.Connection, other: str, table: str) -> list[str]:
    ours = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
    theirs = {r[1] for r in conn.execute(f"PRAGMA {other}.table_info({table})")}
    return [f'"{c}"' for c in ours if c in theirs]


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    rows = sorted((r[5], r[1]) for r in conn.execute(f"PRAGMA main.table_info({table})") if r[5])
    return [f'"{name}"' for _, name in rows]


def _count(conn: sqlite3.Connection, table: str) -> int:
    count: int = conn.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]
    return count
