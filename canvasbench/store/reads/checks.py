"""Reads of render checks: the latest verdict and facts of a run, its three screenshots, what is unchecked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store.reads.sql import IS_PLAN, NOT_CHECKED, marks

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore


_CHECK_JSON_COLUMNS = ("errors", "failed_requests", "blocked_requests", "interaction", "served")
MOMENTS = ("after load", "after watching", "after interacting")
_MOMENT_COLUMNS = ("shot_load", "shot_watch", "shot_input")


def _decode_check(row: dict[str, Any]) -> dict[str, Any]:
    for key in _CHECK_JSON_COLUMNS:
        try:
            row[key] = json.loads(row[key]) if row.get(key) else []
        except ValueError:
            row[key] = []
    for key in ("loaded", "drawn"):
        row[key] = bool(row.get(key))
    for key in ("animates", "responds_to_input"):
        if row.get(key) is not None:
            row[key] = bool(row[key])
    return row


def latest_check(store: RunStore, run_id: str) -> dict[str, Any] | None:
    """The run's latest check as a dict (table columns, lists decoded, PNG bytes in `screenshot`)."""
    rows = list(store.db.query("SELECT * FROM render_checks WHERE run_id = ?", [run_id]))
    if not rows:
        return None
    row = rows[0]
    for column in _MOMENT_COLUMNS:
        row.pop(column, None)  # read them with `moments_of`
    return _decode_check(row)


def latest_checks(store: RunStore, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Latest checks of several runs by run id, without screenshots (for badges and tables)."""
    if not run_ids:
        return {}
    rows = store.db.query(
        "SELECT run_id, checked_at, verdict, loaded, js_errors, errors, failed_requests, blocked_requests, "
        "drawn, frames, first_paint_ms, render_ms, limit_hit, width, height, evidence, "
        "animates, responds_to_input, interaction, served, "
        f"screenshot IS NOT NULL AS has_screenshot FROM render_checks WHERE run_id IN ({marks(run_ids)})",
        list(run_ids),
    )
    return {row["run_id"]: _decode_check(dict(row)) for row in rows}


def screenshot_of(store: RunStore, run_id: str) -> bytes | None:
    """The PNG screenshot of the run's latest check (the gallery thumbnail), if any."""
    row = store.db.execute("SELECT screenshot FROM render_checks WHERE run_id = ?", [run_id]).fetchone()
    return bytes(row[0]) if row and row[0] else None


def moments_of(store: RunStore, run_id: str) -> list[tuple[str, bytes | None]]:
    """The latest check's three screenshots (after load, after watching, after interacting), PNG or None.

    With them comes what the player did between the second and third: `latest_check(...)["interaction"]`.
    An empty list when the run was never checked.
    """
    columns = ", ".join(_MOMENT_COLUMNS)
    rows = list(store.db.query(f"SELECT {columns} FROM render_checks WHERE run_id = ?", [run_id]))
    if not rows:
        return []
    return [(label, rows[0][column] or None) for label, column in zip(MOMENTS, _MOMENT_COLUMNS, strict=True)]


def unchecked_run_ids(store: RunStore) -> list[str]:
    """Finished runs with an HTML/SVG artifact that were never checked (or could not be), oldest first."""
    rows = store.db.query(
        "SELECT r.id FROM runs r LEFT JOIN render_checks ON render_checks.run_id = r.id "
        f"WHERE r.status NOT IN ({marks(ACTIVE_STATUSES)}) AND r.artifact_kind IN ('html', 'svg') AND NOT {IS_PLAN} "
        "AND (render_checks.run_id IS NULL OR render_checks.verdict = ?) ORDER BY r.id",
        [*ACTIVE_STATUSES, NOT_CHECKED],
    )
    return [row["id"] for row in rows]


CheckProgress = Literal["queued", "checking", "awaiting"]
# A run's final row is committed before its process queues the check (on its hook thread): for this long after
# a live process finished a run with a page, a check is taken to be on its way even before it is queued.
AWAIT_QUEUE_S = 30.0


def check_progress(store: RunStore, run_ids: Sequence[str], *, now: datetime | None = None) -> dict[str, CheckProgress]:
    """Runs whose render check is still to come, by id: `queued` or `checking` (held by a live process, this one
    or another), or `awaiting` (finished moments ago by a live process, check not queued yet). Settled runs are
    absent."""
    if not run_ids:
        return {}
    progress: dict[str, CheckProgress] = {}
    for row in store.db.execute(
        f"SELECT run_id, state FROM check_queue WHERE run_id IN ({marks(run_ids)}) AND owner_alive(worker)",
        list(run_ids),
    ):
        progress[row[0]] = "checking" if row[1] == "checking" else "queued"
    since = (now or datetime.now(UTC)) - timedelta(seconds=AWAIT_QUEUE_S)
    for row in store.db.execute(
        "SELECT r.id FROM runs r LEFT JOIN render_checks k ON k.run_id = r.id "
        f"WHERE r.id IN ({marks(run_ids)}) AND r.status NOT IN ({marks(ACTIVE_STATUSES)}) "
        f"AND r.artifact_kind IN ('html', 'svg') AND NOT {IS_PLAN} AND k.run_id IS NULL AND r.finished_at >= ? "
        "AND NOT EXISTS (SELECT 1 FROM check_queue q WHERE q.run_id = r.id) AND owner_alive(r.worker)",
        [*run_ids, *ACTIVE_STATUSES, since.isoformat(timespec="milliseconds").replace("+00:00", "Z")],
    ):
        progress.setdefault(row[0], "awaiting")
    return progress
