"""The export tables: one row per run, vote or judgment, in column orders people build spreadsheets on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from canvasbench.store.reads.owners import ERROR, FINISH_REASON, STATE, STATUS
from canvasbench.store.reads.sql import marks

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore


# People build spreadsheets on these names and this order: columns are only ever appended.
EXPORT_COLUMNS: tuple[str, ...] = (
    "comparison_id",
    "run_id",
    "created_at",
    "prompt_id",
    "prompt_title",
    "provider",
    "model",
    "status",
    "finish_reason",
    "error",
    "input_tokens",
    "output_tokens",
    "thinking_tokens",
    "ttft_s",
    "latency_s",
    "tokens_per_s",
    "lines",
    "code_lines",
    "chars",
    "artifact_kind",
    "truncated",
    "cost_usd",
    "render_verdict",
    "js_errors",
    "render_ms",
    "render_animates",
    "render_responds",
    "judge_score",  # the latest successful AI-judge overall score (0-10) of the run, empty when never judged
    "cached_tokens",  # part of input_tokens: read from the provider's prompt cache (billed at its cached price)
    "cache_write_tokens",  # part of input_tokens: written to the prompt cache (Anthropic bills these above input)
    "origin",  # canvasbench (timed here) or the tool it was imported from: llm / promptfoo / folder
    "mode",  # stream / batch (a provider's batch engine: no stream timings, latency is the turnaround)
    "round",  # 0 = the first answer; n = the n-th repair round of it
    "parent_run_id",  # the run this round repairs (empty for round 0; a recipe's round 0: its planner's run)
    "recipe",  # the build recipe's name on each of its steps (empty for a model on its own); see contestants.py
)
# The code itself, on request only (it can be megabytes a run): always after every other column.
ARTIFACT_COLUMN = "artifact"
EXPORT_BOOL_COLUMNS = frozenset({"truncated", "render_animates", "render_responds"})  # 0/1 in SQLite

_EXPORT_SELECT = f"""
SELECT
  r.comparison_id AS comparison_id,
  r.id AS run_id,
  r.created_at AS created_at,
  c.prompt_id AS prompt_id,
  c.title AS prompt_title,
  r.provider AS provider,
  r.model AS model,
  {STATE} AS status,
  {FINISH_REASON} AS finish_reason,
  {ERROR} AS error,
  r.input_tokens AS input_tokens,
  r.output_tokens AS output_tokens,
  r.thinking_tokens AS thinking_tokens,
  r.ttft_s AS ttft_s,
  r.latency_s AS latency_s,
  r.tokens_per_s AS tokens_per_s,
  r.lines AS lines,
  r.code_lines AS code_lines,
  r.chars AS chars,
  r.artifact_kind AS artifact_kind,
  CASE WHEN r.artifact_kind IS NULL THEN NULL ELSE r.truncated END AS truncated,
  r.cost_usd AS cost_usd,
  rc.verdict AS render_verdict,
  rc.js_errors AS js_errors,
  rc.render_ms AS render_ms,
  rc.animates AS render_animates,
  rc.responds_to_input AS render_responds,
  (SELECT j.overall FROM judgments j WHERE j.run_id = r.id AND j.mode = 'score' AND j.status = 'ok'
   ORDER BY j.created_at DESC, j.id DESC LIMIT 1) AS judge_score,
  r.cached_tokens AS cached_tokens,
  r.cache_write_tokens AS cache_write_tokens,
  coalesce(r.origin, 'canvasbench') AS origin,
  CASE WHEN r.batch_id IS NOT NULL THEN 'batch' WHEN r.origin IS NULL THEN 'stream' END AS mode,
  coalesce(r.round, 0) AS round,
  r.parent_run_id AS parent_run_id,
  r.recipe AS recipe/*artifact*/
FROM runs r
JOIN comparisons c ON c.id = r.comparison_id
LEFT JOIN render_checks rc ON rc.run_id = r.id
"""


def export_columns(*, artifact: bool = False) -> tuple[str, ...]:
    """The runs export's columns: EXPORT_COLUMNS, then the artifact when it is asked for."""
    return (*EXPORT_COLUMNS, ARTIFACT_COLUMN) if artifact else EXPORT_COLUMNS


def export_rows(
    store: RunStore,
    *,
    comparison_id: str | None = None,
    run_ids: Sequence[str] | None = None,
    artifact: bool = False,
) -> list[dict[str, Any]]:
    """The export table (`export_columns`, in order), oldest comparison first, runs in the order asked for."""
    return list(iter_export_rows(store, comparison_id=comparison_id, run_ids=run_ids, artifact=artifact))


def iter_export_rows(
    store: RunStore,
    *,
    comparison_id: str | None = None,
    run_ids: Sequence[str] | None = None,
    artifact: bool = False,
) -> Iterator[dict[str, Any]]:
    """`export_rows` one row at a time, read as it is written out: the artifacts are never all in memory."""
    where: list[str] = []
    params: list[Any] = []
    if comparison_id is not None:
        where.append("r.comparison_id = ?")
        params.append(comparison_id)
    if run_ids is not None:
        if not run_ids:
            return
        where.append(f"r.id IN ({marks(run_ids)})")
        params.extend(run_ids)
    columns = export_columns(artifact=artifact)
    sql = _EXPORT_SELECT.replace("/*artifact*/", ",\n  r.artifact AS artifact" if artifact else "")
    sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.created_at, r.comparison_id, r.position"
    for row in store.db.query(sql, params):
        for flag in EXPORT_BOOL_COLUMNS:
            if row[flag] is not None:
                row[flag] = bool(row[flag])
        yield {name: row[name] for name in columns}


def round_rows(store: RunStore, comparison_id: str | None = None) -> list[dict[str, Any]]:
    """Every run's round figures and latest verdict with its comparison's options, for counting attempts.

    Oldest comparison first, contestants in the order asked for, each one's rounds in order.
    """
    where, params = ("WHERE r.comparison_id = ?", [comparison_id]) if comparison_id is not None else ("", [])
    return list(
        store.db.query(
            "SELECT r.id, r.comparison_id, c.prompt_id, c.options, r.model_id, coalesce(r.round, 0) AS round, "
            f"r.parent_run_id, r.recipe, r.repair_version, {STATUS} AS status, {ERROR} AS error, r.created_at, "
            "r.started_at, r.finished_at, r.latency_s, r.batch_id, "
            "r.cost_usd, r.output_tokens, r.thinking_tokens, rc.verdict, rc.checked_at, "
            "(SELECT j.overall FROM judgments j WHERE j.run_id = r.id AND j.mode = 'score' AND j.status = 'ok' "
            "ORDER BY j.created_at DESC, j.id DESC LIMIT 1) AS judge_score "
            "FROM runs r JOIN comparisons c ON c.id = r.comparison_id LEFT JOIN render_checks rc ON rc.run_id = r.id "
            f"{where} ORDER BY c.created_at, r.comparison_id, r.position, coalesce(r.round, 0)",
            params,
        )
    )


VOTE_EXPORT_COLUMNS: tuple[str, ...] = (
    "vote_id", "created_at", "comparison_id", "prompt_id", "category", "left_run_id", "left_model", "right_run_id",
    "right_model", "outcome", "winner_model", "voter",
)  # fmt: skip


def vote_rows(store: RunStore) -> list[dict[str, Any]]:
    """The votes table for export: one row per vote with both models named, oldest first."""
    return _table_rows(
        store,
        VOTE_EXPORT_COLUMNS,
        "SELECT v.id AS vote_id, v.created_at, v.comparison_id, c.prompt_id, c.category, "
        "v.left_run_id, l.model_id AS left_model, v.right_run_id, r.model_id AS right_model, v.outcome, "
        "CASE v.outcome WHEN 'left' THEN l.model_id WHEN 'right' THEN r.model_id END AS winner_model, v.voter "
        "FROM votes v JOIN comparisons c ON c.id = v.comparison_id "
        "JOIN runs l ON l.id = v.left_run_id JOIN runs r ON r.id = v.right_run_id "
        "ORDER BY v.created_at, v.id",
    )


JUDGMENT_EXPORT_COLUMNS: tuple[str, ...] = (
    "judgment_id", "created_at", "comparison_id", "mode", "run_id", "model", "left_run_id", "left_model",
    "right_run_id", "right_model", "judge_model", "prompt_version", "status", "overall", "winner", "items",
    "reason", "error", "raw_answer", "attempts", "images", "input_tokens", "output_tokens", "thinking_tokens",
    "cost_usd", "latency_s",
)  # fmt: skip


def judgment_rows(store: RunStore) -> list[dict[str, Any]]:
    """Every judgment (failed ones too, with the raw answer), oldest first, with the judged models named."""
    return _table_rows(
        store,
        JUDGMENT_EXPORT_COLUMNS,
        "SELECT j.id AS judgment_id, j.*, r.model_id AS model, l.model_id AS left_model, rr.model_id AS right_model "
        "FROM judgments j LEFT JOIN runs r ON r.id = j.run_id LEFT JOIN runs l ON l.id = j.left_run_id "
        "LEFT JOIN runs rr ON rr.id = j.right_run_id ORDER BY j.created_at, j.id",
    )


def _table_rows(store: RunStore, columns: tuple[str, ...], sql: str) -> list[dict[str, Any]]:
    """The rows of one export query, each with exactly `columns` in that order."""
    return [{name: row[name] for name in columns} for row in store.db.query(sql)]
