"""Rows that refer to other rows: deleted with everything that refers to them, inserted only while their parent exists.

Read from the schema, not listed by hand: a hand-made list of a comparison's tables left out votes, judgments,
checklists and streamed pieces, so deleting a voted comparison failed on its foreign keys.
"""

from __future__ import annotations

from typing import Any

from canvasbench.errors import StoreError
from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store.reads.sql import marks

# A run still in flight: checkpoints only ever touch these (a late one must never overwrite a final row).
ONLY_ACTIVE = f"status IN ({','.join(repr(str(s)) for s in ACTIVE_STATUSES)})"
# Conditions for `insert_while`, each taking one id.
RUN_EXISTS = "EXISTS (SELECT 1 FROM runs WHERE id = ?)"
RUN_IS_ACTIVE = f"EXISTS (SELECT 1 FROM runs WHERE id = ? AND {ONLY_ACTIVE})"
COMPARISON_EXISTS = "EXISTS (SELECT 1 FROM comparisons WHERE id = ?)"


def insert_while(
    db: Any, table: str, row: dict[str, Any], condition: str, args: list[Any], on_conflict: str = ""
) -> bool:
    """Insert `row` only while `condition` holds, in one statement; False when it did not.

    What a row refers to (a run, a comparison) can be deleted by another window or process at any moment: a
    check before the insert leaves a gap in which the insert breaks a foreign key, a condition inside it none.
    """
    columns = list(row)
    cursor = db.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {marks(columns)} WHERE {condition} {on_conflict}",
        [*row.values(), *args],
    )
    return bool(cursor.rowcount)


def delete_with_dependents(db: Any, table: str, where: str, params: list[Any], depth: int = 0) -> None:
    """Delete the rows of `table` matching `where`, after every row that refers to them (at any depth)."""
    if depth > 8:  # our references form no cycle; this only keeps a broken schema from looping
        raise StoreError(f"The database's foreign keys form a cycle through {table}: cannot delete safely.")
    for child, column, referenced in _references_to(db, table):
        inner = f"{column} IN (SELECT {referenced} FROM {table} WHERE {where})"
        delete_with_dependents(db, child, inner, params, depth + 1)
    db.execute(f"DELETE FROM {table} WHERE {where}", params)


def _references_to(db: Any, table: str) -> list[tuple[str, str, str]]:
    """(table, column, referenced column) of every foreign key in the database that points at `table`."""
    found = []
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for key in db.execute(f"PRAGMA foreign_key_list('{name}')").fetchall():
            if key[2] == table:  # (id, seq, table, from, to, ...); `to` is None when it names the primary key
                found.append((name, key[3], key[4] or "rowid"))
    return found
