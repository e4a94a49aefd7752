"""Render checks of stored runs: `check_run` checks one and saves it; read them back with `canvasbench.store.reads`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from canvasbench.errors import UsageError
from canvasbench.measure.extract import extract_artifact
from canvasbench.render.check import CheckLimits, RenderEngine, check_artifact
from canvasbench.render.verdict import NOT_CHECKED, RenderCheck, not_checked
from canvasbench.status import ACTIVE_STATUSES, State, run_state
from canvasbench.store import RunStore, reads, writes


def _artifact_of(run: dict[str, Any]) -> tuple[str, str]:
    """The run's artifact code and kind, extracted from the raw response if not stored yet."""
    code, kind = run.get("artifact") or "", run.get("artifact_kind") or ""
    if not code and run.get("response"):
        artifact = extract_artifact(run["response"])
        code, kind = artifact.code, artifact.kind
    return code, kind


GONE = "The run was deleted before its check was stored."


def save_check(store: RunStore, run_id: str, check: RenderCheck) -> bool:
    """Store a check as the run's latest (one row per run); `not checked` never replaces a real verdict, and a run
    deleted meanwhile gets none (False)."""
    return writes.save_render_check(store, check.as_row(run_id), keep_other_verdict=check.verdict == NOT_CHECKED)


def _no_page_reason(run: dict[str, Any]) -> str:
    """Why there is nothing to open: what happened to a run that got no answer, else that its answer had no page."""
    state = run_state(run.get("status"), run.get("finish_reason"), run.get("error"), run.get("truncated"))
    if state != State.DONE and not (run.get("response") or "").strip():
        said = " ".join((run.get("error") or "no error was recorded").split())
        return f"No page to open: the run ended as '{state}' before any answer came ({said})."
    return "The run produced no HTML or SVG artifact to open."


def check_run(
    store: RunStore,
    run_id: str,
    *,
    limits: CheckLimits | None = None,
    engine: RenderEngine | None = None,
    mirror: Path | None = None,
    gone_ok: bool = False,
) -> RenderCheck:
    """Check one run's artifact and save the result; a run still generating is not checked or saved.

    A run that does not exist is a usage error, or with `gone_ok` (a check queued before its run was deleted)
    nothing to check.
    """
    run = reads.get_run(store, run_id)
    if run is None and gone_ok:
        return not_checked(GONE)
    if run is None:
        raise UsageError(f"No run with id '{run_id}': see 'canvasbench inspect' for run ids.")
    if run["status"] in ACTIVE_STATUSES:
        return not_checked("The run is still generating; it is checked when it has finished.")
    code, kind = _artifact_of(run)
    if kind not in ("html", "svg") or not code.strip():
        check = not_checked(_no_page_reason(run))
    else:
        check = check_artifact(code, kind, mirror=mirror, limits=limits, engine=engine)
    if not save_check(store, run_id, check):
        return not_checked(GONE)  # deleted while its page was open: nothing was stored, and nothing is wrong
    return check
