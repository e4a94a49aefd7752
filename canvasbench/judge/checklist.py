"""The checklist a comparison is judged against: the suite prompt's own, or one the judge writes once and we store."""

from __future__ import annotations

import json
from typing import Any

from canvasbench.errors import CanvasBenchError
from canvasbench.prompts import SuiteError, load_suite
from canvasbench.store import RunStore, utc_now


def suite_checklist(prompt_id: str) -> list[str] | None:
    """The checklist shipped with a suite prompt, or None for a custom prompt (or a prompt without one)."""
    try:
        suite = load_suite()
    except SuiteError:
        return None
    for prompt in suite:
        if prompt.id == prompt_id and prompt.checklist:
            return list(prompt.checklist)
    return None


def stored_checklist(store: RunStore, comparison_id: str) -> dict[str, Any] | None:
    """The checklist stored with a comparison (items decoded), or None."""
    rows = list(store.db.query("SELECT * FROM checklists WHERE comparison_id = ?", [comparison_id]))
    if not rows:
        return None
    row = rows[0]
    row["items"] = json.loads(row["items"])
    return row


def save_checklist(store: RunStore, comparison_id: str, items: list[str], source: str, judge_model: str | None) -> None:
    """Store the checklist of a comparison (the first one stays: judgments must share one checklist)."""
    if not items:
        raise CanvasBenchError("A checklist needs at least one item.")
    with store.write():
        if store.table("checklists").count_where("comparison_id = ?", [comparison_id]):
            return
        store.table("checklists").insert(
            {
                "comparison_id": comparison_id,
                "items": json.dumps(items),
                "source": source,
                "judge_model": judge_model,
                "created_at": utc_now(),
            }
        )
