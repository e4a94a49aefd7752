"""Stored judgments read back: for exports, the leaderboard and the arena's reveal."""

from __future__ import annotations

from typing import Any

from canvasbench.store import RunStore

JUDGMENT_EXPORT_COLUMNS: tuple[str, ...] = (
    "judgment_id",
    "created_at",
    "comparison_id",
    "mode",
    "run_id",
    "model",
    "left_run_id",
    "left_model",
    "right_run_id",
    "right_model",
    "judge_model",
    "prompt_version",
    "status",
    "overall",
    "winner",
    "items",
    "reason",
    "error",
    "raw_answer",
    "attempts",
    "images",
    "input_tokens",
    "output_tokens",
    "thinking_tokens",
    "cost_usd",
    "latency_s",
)


def judgment_rows(store: RunStore) -> list[dict[str, Any]]:
    """Every judgment (failed ones too, with the raw answer), oldest first, with the judged models named."""
    rows = store.db.query(
        "SELECT j.id AS judgment_id, j.*, r.model_id AS model, l.model_id AS left_model, rr.model_id AS right_model "
        "FROM judgments j LEFT JOIN runs r ON r.id = j.run_id LEFT JOIN runs l ON l.id = j.left_run_id "
        "LEFT JOIN runs rr ON rr.id = j.right_run_id ORDER BY j.created_at, j.id"
    )
    return [{name: row[name] for name in JUDGMENT_EXPORT_COLUMNS} for row in rows]


def latest_scores(store: RunStore, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The latest successful score judgment per run (overall, reason, judge model)."""
    if not run_ids:
        return {}
    marks = ",".join("?" * len(run_ids))
    out: dict[str, dict[str, Any]] = {}
    for row in store.db.query(
        f"SELECT run_id, overall, reason, judge_model FROM judgments WHERE mode = 'score' AND status = 'ok' "
        f"AND run_id IN ({marks}) ORDER BY created_at, id",
        run_ids,
    ):
        out[row["run_id"]] = dict(row)
    return out
