"""A run still marked queued or streaming whose process has died reads as `interrupted`, in every read.

Recovery rewrites such rows only when a writable store opens; until then (a read-only export, a dashboard
open since before the crash, a database too full to write) every read maps them here, in SQL, so no list,
export or leaderboard shows a run as streaming when nothing is streaming it.
"""

from __future__ import annotations

import sqlite3

from canvasbench.liveness import worker_alive
from canvasbench.private_files import find_recovery_file
from canvasbench.status import ACTIVE_STATUSES, Status, run_state
from canvasbench.store.interruptible import sql_function

INTERRUPTED_ERROR = (
    "The process running this generation stopped before it finished; the output received until then is kept."
)

# `=` terms, not `IN (...)`: beside a correlated subquery SQLite rebuilds an IN list for every row (6x slower).
_ACTIVE = " OR ".join(f"r.status = '{s}'" for s in ACTIVE_STATUSES)
# `owner_alive` is registered on every connection (register below); it is only called for active rows.
# The worker column sits after the response texts: a subquery reads it for active rows only (their text is
# still in run_chunks), so list queries over finished runs keep reading just their covering index.
# A run waiting in a provider's batch job has no process: the job owns it (batch_jobs), never interrupted.
OWNER_GONE = (
    f"(({_ACTIVE}) AND (SELECT o.batch_id IS NULL AND NOT owner_alive(o.worker) FROM runs o WHERE o.id = r.id))"
)
STATUS = f"CASE WHEN {OWNER_GONE} THEN '{Status.INTERRUPTED}' ELSE r.status END"
FINISH_REASON = f"CASE WHEN {OWNER_GONE} THEN 'error' ELSE r.finish_reason END"
ERROR = f"CASE WHEN {OWNER_GONE} THEN interrupted_error(r.id) ELSE r.error END"
# The word a run is shown as (status.State), from the same function the pages and the CLI use: registered below,
# so a filter or an export never words a state differently. An interrupted run is interrupted whatever its error.
STATE = f"run_state({STATUS}, r.finish_reason, r.error, r.truncated)"
# The select-list entry of each mapped column of `runs r`.
LIVE = {
    "status": f"{STATUS} AS status",
    "finish_reason": f"{FINISH_REASON} AS finish_reason",
    "error": f"{ERROR} AS error",
}


def interrupted_error(run_id: str) -> str:
    """Why a run whose process died stopped, and where its text is when the database could not take it."""
    where = find_recovery_file(run_id)
    if where is None:
        return INTERRUPTED_ERROR
    return f"{INTERRUPTED_ERROR} The database could not take its last text, which is in {where}."


def register(conn: sqlite3.Connection) -> None:
    """Give a connection the SQL functions the expressions above call."""
    # An exception in either would fail the whole read: a cell that is not a token is no live process.
    # Wrapped so a Ctrl-C that lands in one stops the program, not the read (see store.interruptible).
    conn.create_function("owner_alive", 1, sql_function(_owner_alive_cell))
    conn.create_function("interrupted_error", 1, sql_function(_interrupted_error_cell))
    conn.create_function("run_state", 4, sql_function(_state_cell), deterministic=True)


def _owner_alive_cell(token: object) -> int:
    return int(isinstance(token, str) and worker_alive(token))


def _text(cell: object) -> str | None:
    return cell if isinstance(cell, str) else None  # a cell of the wrong type says nothing


def _state_cell(status: object, finish_reason: object, error: object, truncated: object) -> str:
    return run_state(_text(status), _text(finish_reason), _text(error), bool(truncated)).value


def _interrupted_error_cell(run_id: object) -> str:
    try:
        return interrupted_error(str(run_id))
    except OSError:  # a recovery folder that cannot be listed: the run is interrupted all the same
        return INTERRUPTED_ERROR

