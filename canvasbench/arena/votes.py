"""Blind arena votes: cast, undo and read them (one row per vote in the `votes` table)."""

from __future__ import annotations

from typing import Any

from canvasbench.errors import UsageError
from canvasbench.ids import new_id
from canvasbench.store import RunStore, utc_now
from canvasbench.store.run_store import ACTIVE_STATUSES

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
        run = store.get_run(run_id)
        if run is None or run["comparison_id"] != comparison_id:
            raise UsageError(f"Run '{run_id}' is not part of comparison '{comparison_id}'.")
        if run["status"] in ACTIVE_STATUSES:
            raise UsageError(f"Run '{run_id}' is still generating: votes are only cast on finished runs.")
    vote_id = new_id()
    with store.write():
        store.table("votes").insert(
            {
                "id": vote_id,
                "comparison_id": comparison_id,
                "left_run_id": left_run_id,
                "right_run_id": right_run_id,
                "outcome": outcome,
                "voter": (voter or "").strip() or None,
                "created_at": utc_now(),
            }
        )
    return vote_id


def undo_vote(store: RunStore, vote_id: str) -> bool:
    """Delete a vote; False when it was already gone."""
    with store.write():
        cursor = store.db.execute("DELETE FROM votes WHERE id = ?", [vote_id])
        return cursor.rowcount > 0


def votes_of(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """Every vote on a comparison, oldest first."""
    return list(store.db.query("SELECT * FROM votes WHERE comparison_id = ? ORDER BY created_at", [comparison_id]))


VOTE_EXPORT_COLUMNS: tuple[str, ...] = (
    "vote_id",
    "created_at",
    "comparison_id",
    "prompt_id",
    "category",
    "left_run_id",
    "left_model",
    "right_run_id",
    "right_model",
    "outcome",
    "winner_model",
    "voter",
)


def vote_rows(store: RunStore) -> list[dict[str, Any]]:
    """The votes table for export: one row per vote with both models named, oldest first."""
    rows = store.db.query(
        "SELECT v.id AS vote_id, v.created_at, v.comparison_id, c.prompt_id, c.category, "
        "v.left_run_id, l.model_id AS left_model, v.right_run_id, r.model_id AS right_model, v.outcome, "
        "CASE v.outcome WHEN 'left' THEN l.model_id WHEN 'right' THEN r.model_id END AS winner_model, v.voter "
        "FROM votes v JOIN comparisons c ON c.id = v.comparison_id "
        "JOIN runs l ON l.id = v.left_run_id JOIN runs r ON r.id = v.right_run_id "
        "ORDER BY v.created_at, v.id"
    )
    return [{name: row[name] for name in VOTE_EXPORT_COLUMNS} for row in rows]
