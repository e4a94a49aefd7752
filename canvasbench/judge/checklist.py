"""The checklist a comparison is judged against: the suite prompt's own, or one the judge writes once and we store
(read it back with `reads.stored_checklist`)."""

from __future__ import annotations

from canvasbench.errors import CanvasBenchError
from canvasbench.run.prompt_suite import SuiteError, load_suite
from canvasbench.store import RunStore, writes


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


def save_checklist(store: RunStore, comparison_id: str, items: list[str], source: str, judge_model: str | None) -> None:
    """Store the checklist of a comparison (the first one stays: judgments must share one checklist)."""
    if not items:
        raise CanvasBenchError("A checklist needs at least one item.")
    writes.save_checklist(store, comparison_id, items, source, judge_model)
