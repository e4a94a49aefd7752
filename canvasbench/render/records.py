"""Render checks of stored runs: `check_run` saves into `render_checks`, `latest_check` reads back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from canvasbench.errors import UsageError
from canvasbench.extract import extract_artifact
from canvasbench.render.check import CheckLimits, RenderEngine, check_artifact
from canvasbench.render.verdict import NOT_CHECKED, RenderCheck, not_checked
from canvasbench.store import RunStore

_ACTIVE = ("queued", "running")
_JSON_COLUMNS = ("errors", "failed_requests", "blocked_requests", "interaction", "served")
MOMENTS = ("after load", "after watching", "after interacting")
_MOMENT_COLUMNS = ("shot_load", "shot_watch", "shot_input")


def _artifact_of(run: dict[str, Any]) -> tuple[str, str]:
    """The run's artifact code and kind, extracted from the raw response if not stored yet."""
    code, kind = run.get("artifact") or "", run.get("artifact_kind") or ""
    if not code and run.get("response"):
        artifact = extract_artifact(run["response"])
        code, kind = artifact.code, artifact.kind
    return code, kind


def save_check(store: RunStore, run_id: str, check: RenderCheck) -> None:
    """Store a check as the run's latest (one row per run); `not checked` never replaces a real verdict."""
    with store.write():
        if check.verdict == NOT_CHECKED:
            earlier = store.db.execute("SELECT verdict FROM render_checks WHERE run_id = ?", [run_id]).fetchone()
            if earlier is not None and earlier[0] != NOT_CHECKED:
                return  # an interrupted or impossible re-check says nothing new about the page
        store.table("render_checks").upsert(check.as_row(run_id), pk="run_id")


def check_run(
    store: RunStore,
    run_id: str,
    *,
    limits: CheckLimits | None = None,
    engine: RenderEngine | None = None,
    mirror: Path | None = None,
) -> RenderCheck:
    """Check one run's artifact and save the result; a run still generating is not checked or saved."""
    run = store.get_run(run_id)
    if run is None:
        raise UsageError(f"No run with id '{run_id}': see `canvasbench inspect` for run ids.")
    if run["status"] in _ACTIVE:
        return not_checked("The run is still generating; it is checked when it has finished.")
    code, kind = _artifact_of(run)
    if kind not in ("html", "svg") or not code.strip():
        check = not_checked("The run produced no HTML or SVG artifact to open.")
    else:
        check = check_artifact(code, kind, mirror=mirror, limits=limits, engine=engine)
    save_check(store, run_id, check)
    return check


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_COLUMNS:
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
    return _decode(row)


def latest_checks(store: RunStore, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Latest checks of several runs by run id, without screenshots (for badges and tables)."""
    if not run_ids:
        return {}
    marks = ",".join("?" * len(run_ids))
    rows = store.db.query(
        "SELECT run_id, checked_at, verdict, loaded, js_errors, errors, failed_requests, blocked_requests, "
        "drawn, frames, first_paint_ms, render_ms, limit_hit, width, height, evidence, "
        "animates, responds_to_input, interaction, served, "
        f"screenshot IS NOT NULL AS has_screenshot FROM render_checks WHERE run_id IN ({marks})",
        list(run_ids),
    )
    return {row["run_id"]: _decode(dict(row)) for row in rows}


def screenshot_of(store: RunStore, run_id: str) -> bytes | None:
    """The PNG screenshot of the run's latest check (the gallery thumbnail), if any."""
    rows = list(store.db.query("SELECT screenshot FROM render_checks WHERE run_id = ?", [run_id]))
    return rows[0]["screenshot"] if rows and rows[0]["screenshot"] else None


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
        "SELECT runs.id FROM runs LEFT JOIN render_checks ON render_checks.run_id = runs.id "
        "WHERE runs.status NOT IN (?, ?) AND runs.artifact_kind IN ('html', 'svg') "
        "AND (render_checks.run_id IS NULL OR render_checks.verdict = ?) ORDER BY runs.id",
        [*_ACTIVE, NOT_CHECKED],
    )
    return [row["id"] for row in rows]
