"""Blind arena votes: what a vote may be, and casting one (undo with `writes.delete_vote`, read with `reads`)."""

from __future__ import annotations

from canvasbench.contestants import is_plan
from canvasbench.errors import UsageError
from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store import RunStore, reads, writes

OUTCOMES = ("left", "right", "tie", "both_bad")
OUTCOME_LABELS = {"left": "A is better", "right": "B is better", "tie": "Tie", "both_bad": "Both are bad"}


def record_vote(
    store: RunStore, comparison_id: str, left_run_id: str, right_run_id: str, outcome: str, voter: str | None = None
) -> str:
    """Store one vote (left = the run shown as A) and return its id; refuses runs that are not votable."""
    if outcome not in OUTCOMES:
        raise UsageError(f"Unknown vote {outcome!r}: choose one of {', '.join(OUTCOMES)}.")
    if left_run_id == right_run_id:
        raise UsageError("A vote compares two different runs.")
    for run_id in (left_run_id, right_run_id):
        run = reads.get_run(store, run_id)
        if run is None or run["comparison_id"] != comparison_id:
            raise UsageError(f"Run '{run_id}' is not part of comparison '{comparison_id}'.")
        if run["status"] in ACTIVE_STATUSES:
            raise UsageError(f"Run '{run_id}' is still generating: votes are only cast on finished runs.")
        if is_plan(run):
            raise UsageError(f"Run '{run_id}' is a recipe's design, not a page: vote on the pages its recipe built.")
    return writes.insert_vote(store, comparison_id, left_run_id, right_run_id, outcome, (voter or "").strip() or None)
