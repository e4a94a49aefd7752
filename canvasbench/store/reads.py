"""Every read of the database: runs, comparisons, dashboard lists, live panels, render checks, exports, arena.

Lists never load response, artifact or reasoning texts: run columns come from the covering index
`runs_list_cover` (migration m003), so a database with hundreds of MB of responses lists as fast as an
empty one. Only a single run or comparison, or a live panel, reads texts. A streaming run's text is the
pieces its checkpoints appended (`run_chunks`, in key order) until its final row holds it whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from canvasbench.status import ACTIVE_STATUSES, FINAL_STATUSES
from canvasbench.store.migrations import RUN_LIST_COLUMNS

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore

# The verdict a render check stores when it could not look (canvasbench.render.verdict.NOT_CHECKED); spelled
# here because importing the render package would load the browser driver into every command that reads.
_NOT_CHECKED = "not checked"
_RUN_COLS = ", ".join(f"r.{c}" for c in RUN_LIST_COLUMNS)
_CHECK_COLS = "k.verdict AS render_verdict, k.js_errors, k.render_ms, k.checked_at"
# A run is shown in the arena and judged only once it has finished (no speed bias) and left a page to look at.
_VOTABLE = (
    f"r.status IN ({','.join(repr(str(s)) for s in FINAL_STATUSES)}) AND r.artifact_kind IN ('html', 'svg') "
    "AND length(coalesce(r.artifact, '')) > 0"
)


def _marks(values: Sequence[Any]) -> str:
    """`?, ?, ?`: one SQL parameter per value, for `IN (...)`."""
    return ",".join("?" * len(values))


# --- runs and comparisons ----------------------------------------------------------------------


def get_run(store: RunStore, run_id: str) -> dict[str, Any] | None:
    """One run with every column (a streaming run's text so far included), or None."""
    rows = _with_partial_text(store, list(store.db.query("SELECT * FROM runs WHERE id = ?", [run_id])))
    return rows[0] if rows else None


def partial_text(store: RunStore, run_id: str) -> tuple[str, str] | None:
    """The answer and thinking text a streaming run has checkpointed so far (None: no piece yet)."""
    pieces = store.db.execute(
        "SELECT response, reasoning FROM run_chunks WHERE run_id = ? ORDER BY seq", [run_id]
    ).fetchall()
    if not pieces:
        return None
    return "".join(p[0] for p in pieces), "".join(p[1] for p in pieces)


def _with_partial_text(store: RunStore, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        if row.get("status") in ACTIVE_STATUSES and row.get("response") is None:
            texts = partial_text(store, row["id"])
            if texts is not None:
                row["response"], row["reasoning"] = texts
    return rows


def run_status(store: RunStore, run_id: str) -> str | None:
    """A run's stored status, or None when there is no such run."""
    row = store.db.execute("SELECT status FROM runs WHERE id = ?", [run_id]).fetchone()
    return None if row is None else str(row[0])


def get_comparison(store: RunStore, comparison_id: str) -> dict[str, Any] | None:
    """One comparison row, or None."""
    rows = list(store.db.query("SELECT * FROM comparisons WHERE id = ?", [comparison_id]))
    return rows[0] if rows else None


def runs_of(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """Every run of a comparison in the order its models were asked for, with full text."""
    return _with_partial_text(
        store,
        list(store.db.query("SELECT * FROM runs WHERE comparison_id = ? ORDER BY position", [comparison_id])),
    )


def run_metrics(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """A comparison's runs in order, without the big text columns (cheap to poll while streaming)."""
    skip = {"response", "reasoning", "artifact", "timeline"}
    columns = ", ".join(f"[{c.name}]" for c in store.table("runs").columns if c.name not in skip)
    return list(
        store.db.query(f"SELECT {columns} FROM runs WHERE comparison_id = ? ORDER BY position", [comparison_id])
    )


def model_ids_of(store: RunStore, comparison_id: str) -> list[str]:
    """The model of each run of a comparison, in position order (repeats included)."""
    rows = store.db.execute("SELECT model_id FROM runs WHERE comparison_id = ? ORDER BY position", [comparison_id])
    return [str(r[0]) for r in rows]


def stored_prompt(store: RunStore, prompt_id: str) -> dict[str, Any] | None:
    """One stored prompt row, or None."""
    rows = list(store.db.query("SELECT * FROM prompts WHERE id = ?", [prompt_id]))
    return rows[0] if rows else None


def recent_output_tokens(store: RunStore, model_id: str, *, limit: int = 50) -> list[int]:
    """Output plus thinking tokens of a model's latest `done` runs that reported them, newest first."""
    rows = store.db.execute(
        "SELECT coalesce(output_tokens, 0) + coalesce(thinking_tokens, 0) FROM runs "
        "WHERE model_id = ? AND status = 'done' AND output_tokens IS NOT NULL ORDER BY created_at DESC LIMIT ?",
        [model_id, int(limit)],
    ).fetchall()
    return [int(r[0]) for r in rows]


def stale_active_runs(store: RunStore) -> list[dict[str, Any]]:
    """Runs queued or streaming (id and the worker that owns each), for the recovery of dead workers."""
    return list(
        store.db.query(f"SELECT id, worker FROM runs WHERE status IN ({_marks(ACTIVE_STATUSES)})", ACTIVE_STATUSES)
    )


# --- the dashboard's lists and live panels -------------------------------------------------------


@dataclass(frozen=True)
class GalleryFilter:
    """What the gallery shows: each field narrows the list; empty means no narrowing."""

    category: str | None = None
    model_id: str | None = None
    status: str | None = None
    text: str = ""


@dataclass(frozen=True)
class RunFilter:
    """What the runs table shows; dates are ISO strings compared with the run's creation time."""

    prompt_ids: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    model_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    since: str | None = None  # inclusive, e.g. "2026-11-01"
    until: str | None = None  # inclusive day, e.g. "2026-11-30"


@dataclass
class GalleryPage:
    """One page of comparison cards, newest first, and how many match in all."""

    cards: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def data_version(store: RunStore) -> str:
    """A cheap token that changes whenever anything is written to the database (cache key for lists)."""
    parts = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(f"{store.path}{suffix}")
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    return "|".join(parts)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _gallery_where(flt: GalleryFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if flt.category:
        clauses.append("c.category = ?")
        params.append(flt.category)
    if flt.model_id:
        clauses.append("c.id IN (SELECT comparison_id FROM runs WHERE model_id = ?)")
        params.append(flt.model_id)
    if flt.status:
        statuses = list(ACTIVE_STATUSES) if flt.status in ("active", *ACTIVE_STATUSES) else [flt.status]
        clauses.append(f"c.id IN (SELECT comparison_id FROM runs WHERE status IN ({_marks(statuses)}))")
        params.extend(statuses)
    if flt.text.strip():
        pattern = _like(flt.text.strip())
        clauses.append(
            "(c.title LIKE ? ESCAPE '\\' OR c.category LIKE ? ESCAPE '\\' OR c.id LIKE ? ESCAPE '\\'"
            " OR c.prompt_text LIKE ? ESCAPE '\\'"
            " OR c.id IN (SELECT comparison_id FROM runs WHERE model_id LIKE ? ESCAPE '\\'))"
        )
        params.extend([pattern] * 5)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def runs_summary(store: RunStore, comparison_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """List columns (no texts) of the runs of some comparisons, with their latest render check, by comparison."""
    out: dict[str, list[dict[str, Any]]] = {cid: [] for cid in comparison_ids}
    if not comparison_ids:
        return out
    sql = (
        # error and raw_finish_reason sit before the texts in each row: the status mapping needs them.
        f"SELECT {_RUN_COLS}, r.raw_finish_reason, r.error, {_CHECK_COLS}, "
        "(k.screenshot IS NOT NULL) AS has_screenshot "
        "FROM runs r INDEXED BY runs_list_cover LEFT JOIN render_checks k ON k.run_id = r.id "
        f"WHERE r.comparison_id IN ({_marks(comparison_ids)}) ORDER BY r.comparison_id, r.position"
    )
    for row in store.db.query(sql, list(comparison_ids)):
        out[row["comparison_id"]].append(row)
    return out


def gallery_page(store: RunStore, flt: GalleryFilter, *, limit: int = 12, offset: int = 0) -> GalleryPage:
    """Comparisons newest first as cards (title, category, date, runs without texts), one page of them."""
    where, params = _gallery_where(flt)
    total = store.db.execute(f"SELECT count(*) FROM comparisons c{where}", params).fetchone()[0]
    rows = list(
        store.db.query(
            "SELECT c.id, c.created_at, c.title, c.category, c.prompt_id FROM comparisons c"
            f"{where} ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        )
    )
    runs = runs_summary(store, [r["id"] for r in rows])
    for row in rows:
        row["runs"] = runs[row["id"]]
    return GalleryPage(cards=rows, total=int(total))


def filter_options(store: RunStore) -> dict[str, list[Any]]:
    """Values the filters offer: categories, model ids, prompts (id, title) and statuses present."""
    db = store.db
    return {
        "categories": [
            r[0] for r in db.execute("SELECT DISTINCT category FROM comparisons WHERE category != '' ORDER BY category")
        ],
        "model_ids": [r[0] for r in db.execute("SELECT DISTINCT model_id FROM runs ORDER BY model_id")],
        "prompts": [
            (r[0], r[1]) for r in db.execute("SELECT id, title FROM prompts ORDER BY title COLLATE NOCASE, id")
        ],
        "statuses": [r[0] for r in db.execute("SELECT DISTINCT status FROM runs ORDER BY status")],
    }


def runs_table(store: RunStore, flt: RunFilter | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Every run matching the filter (newest first) with its comparison's prompt and its render verdict."""
    flt = flt or RunFilter()
    clauses: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("c.prompt_id", flt.prompt_ids),
        ("c.category", flt.categories),
        ("r.model_id", flt.model_ids),
        ("r.status", flt.statuses),
    ):
        if values:
            clauses.append(f"{column} IN ({_marks(values)})")
            params.extend(values)
    if flt.since:
        clauses.append("r.created_at >= ?")
        params.append(flt.since)
    if flt.until:
        clauses.append("r.created_at < ?")
        params.append(flt.until + "\uffff")  # inclusive of the whole `until` day or instant
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = (
        f"SELECT {_RUN_COLS}, c.prompt_id, c.title, c.category, {_CHECK_COLS} "
        "FROM runs r INDEXED BY runs_list_cover JOIN comparisons c ON c.id = r.comparison_id "
        f"LEFT JOIN render_checks k ON k.run_id = r.id{where} ORDER BY r.created_at DESC, r.comparison_id, r.position"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return list(store.db.query(sql, params))


def recent_comparisons(store: RunStore, limit: int = 200) -> list[dict[str, Any]]:
    """The newest comparisons (id, created_at, title, category) for pickers."""
    return list(
        store.db.query(
            "SELECT id, created_at, title, category FROM comparisons ORDER BY created_at DESC, id DESC LIMIT ?",
            [int(limit)],
        )
    )


def timeline(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """Per run of one comparison: model, status and its timeline samples [[seconds, chars, lines], ...]."""
    out = []
    for row in store.db.query(
        "SELECT id, model_id, position, status, ttft_s, latency_s, timeline FROM runs "
        "WHERE comparison_id = ? ORDER BY position",
        [comparison_id],
    ):
        try:
            samples = json.loads(row.pop("timeline") or "[]")
        except ValueError:
            samples = []
        row["samples"] = [s for s in samples if isinstance(s, list | tuple) and len(s) >= 3]
        out.append(row)
    return out


def active_runs(store: RunStore) -> list[dict[str, Any]]:
    """Runs queued or streaming right now (id, comparison, model, status, started_at), oldest first."""
    return list(
        store.db.query(
            "SELECT id, comparison_id, model_id, status, started_at, created_at FROM runs "
            f"WHERE status IN ({_marks(ACTIVE_STATUSES)}) ORDER BY created_at, position",
            ACTIVE_STATUSES,
        )
    )


def live_runs(store: RunStore, comparison_id: str, *, tail_chars: int = 2500) -> list[dict[str, Any]]:
    """The runs of one comparison for a live panel: list columns, lines so far and the tail of the text."""
    sql = (
        "WITH t AS (SELECT r.id AS run_id, "
        " coalesce(r.response, (SELECT group_concat(c.response, '') FROM run_chunks c WHERE c.run_id = r.id)) AS text,"
        " coalesce(r.reasoning, (SELECT group_concat(c.reasoning, '') FROM run_chunks c WHERE c.run_id = r.id))"
        " AS thought FROM runs r WHERE r.comparison_id = ?) "
        f"SELECT {_RUN_COLS}, r.error, length(t.text) AS chars_so_far, "
        "length(t.text) - length(replace(t.text, char(10), '')) "
        "+ (length(t.text) > 0) AS lines_so_far, substr(t.text, -?) AS tail, "
        "length(t.thought) AS reasoning_chars, r.raw_finish_reason, r.timeline "
        "FROM runs r JOIN t ON t.run_id = r.id ORDER BY r.position"
    )
    return list(store.db.query(sql, [comparison_id, int(tail_chars)]))


def comparison_detail(store: RunStore, comparison_id: str) -> dict[str, Any] | None:
    """One comparison with all its runs in full (texts included) and each run's latest render check."""
    comparison = get_comparison(store, comparison_id)
    if comparison is None:
        return None
    runs = runs_of(store, comparison_id)
    checks = latest_checks(store, [r["id"] for r in runs])
    for run in runs:
        run["check"] = checks.get(run["id"])
    comparison["runs"] = runs
    return comparison


def database_snapshot(store: RunStore) -> bytes:
    """The whole database as one consistent SQLite file (WAL content included)."""
    return store.db.conn.serialize()


def integrity_problems(store: RunStore, limit: int = 5) -> list[str]:
    """What SQLite's quick check finds wrong with the file (at most `limit` lines); empty when it is sound."""
    problems = [str(row[0]) for row in store.db.execute(f"PRAGMA quick_check({int(limit)})")]
    return [] if problems == ["ok"] else problems


# --- render checks -------------------------------------------------------------------------------

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
        f"screenshot IS NOT NULL AS has_screenshot FROM render_checks WHERE run_id IN ({_marks(run_ids)})",
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
        "SELECT runs.id FROM runs LEFT JOIN render_checks ON render_checks.run_id = runs.id "
        f"WHERE runs.status NOT IN ({_marks(ACTIVE_STATUSES)}) AND runs.artifact_kind IN ('html', 'svg') "
        "AND (render_checks.run_id IS NULL OR render_checks.verdict = ?) ORDER BY runs.id",
        [*ACTIVE_STATUSES, _NOT_CHECKED],
    )
    return [row["id"] for row in rows]


# --- exports: one row per run, vote or judgment ----------------------------------------------------

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
)
EXPORT_BOOL_COLUMNS = frozenset({"truncated", "render_animates", "render_responds"})  # 0/1 in SQLite

_EXPORT_SELECT = """
SELECT
  r.comparison_id AS comparison_id,
  r.id AS run_id,
  r.created_at AS created_at,
  c.prompt_id AS prompt_id,
  c.title AS prompt_title,
  r.provider AS provider,
  r.model AS model,
  r.status AS status,
  r.finish_reason AS finish_reason,
  r.error AS error,
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
   ORDER BY j.created_at DESC, j.id DESC LIMIT 1) AS judge_score
FROM runs r
JOIN comparisons c ON c.id = r.comparison_id
LEFT JOIN render_checks rc ON rc.run_id = r.id
"""


def export_rows(
    store: RunStore, *, comparison_id: str | None = None, run_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The export table (EXPORT_COLUMNS, in order), oldest comparison first, runs in the order asked for."""
    where: list[str] = []
    params: list[Any] = []
    if comparison_id is not None:
        where.append("r.comparison_id = ?")
        params.append(comparison_id)
    if run_ids is not None:
        if not run_ids:
            return []
        where.append(f"r.id IN ({_marks(run_ids)})")
        params.extend(run_ids)
    sql = _EXPORT_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY c.created_at, r.comparison_id, r.position"
    rows = []
    for row in store.db.query(sql, params):
        for flag in EXPORT_BOOL_COLUMNS:
            if row[flag] is not None:
                row[flag] = bool(row[flag])
        rows.append({name: row[name] for name in EXPORT_COLUMNS})
    return rows


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


# --- arena, judge and leaderboard ----------------------------------------------------------------


def votable_runs(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """Finished runs of a comparison that have an HTML or SVG artifact, in position order."""
    return list(
        store.db.query(
            "SELECT r.id, r.comparison_id, r.position, r.model_id, r.artifact_kind, r.artifact FROM runs r "
            f"WHERE r.comparison_id = ? AND {_VOTABLE} ORDER BY r.position",
            [comparison_id],
        )
    )


def voted_pairs(store: RunStore, comparison_id: str) -> list[tuple[str, str]]:
    """The (left, right) runs of every vote on a comparison, one entry per vote."""
    rows = store.db.execute("SELECT left_run_id, right_run_id FROM votes WHERE comparison_id = ?", [comparison_id])
    return [(str(a), str(b)) for a, b in rows]


def votable_comparisons(store: RunStore, *, category: str | None = None) -> list[dict[str, Any]]:
    """Comparisons with votable runs of at least two models, newest first: id, title, category, created_at,
    model_count and votes."""
    params: list[Any] = []
    where = ""
    if category:
        where = "AND c.category = ?"
        params.append(category)
    return list(
        store.db.query(
            "SELECT c.id, c.title, c.category, c.created_at, count(DISTINCT r.model_id) AS model_count, "
            "(SELECT count(*) FROM votes v WHERE v.comparison_id = c.id) AS votes "
            f"FROM comparisons c JOIN runs r ON r.comparison_id = c.id AND {_VOTABLE} "
            f"WHERE 1 {where} GROUP BY c.id HAVING model_count >= 2 ORDER BY c.created_at DESC, c.id DESC",
            params,
        )
    )


def _comparison_filters(
    category: str | None, since: str | None, until: str | None, column: str, comparison_id: str | None = None
) -> tuple[str, list[Any]]:
    """SQL conditions (each after " AND ") on comparisons `c` by id, category and a date column, with parameters."""
    where: list[str] = []
    params: list[Any] = []
    if comparison_id:
        where.append("c.id = ?")
        params.append(comparison_id)
    if category:
        where.append("c.category = ?")
        params.append(category)
    if since:
        where.append(f"substr({column}, 1, 10) >= ?")
        params.append(since)
    if until:
        where.append(f"substr({column}, 1, 10) <= ?")
        params.append(until)
    return (" AND " + " AND ".join(where)) if where else "", params


def vote_outcomes(
    store: RunStore,
    *,
    category: str | None = None,
    since: str | None = None,
    until: str | None = None,
    comparison_id: str | None = None,
) -> list[dict[str, Any]]:
    """Votes between runs of different models, oldest first, filtered by the comparison's category and the
    vote's date: comparison_id, left_run_id, right_run_id, outcome, and the models as ml and mr."""
    where, params = _comparison_filters(category, since, until, "v.created_at", comparison_id)
    return list(
        store.db.query(
            "SELECT v.comparison_id, v.left_run_id, v.right_run_id, v.outcome, l.model_id AS ml, r.model_id AS mr "
            "FROM votes v JOIN comparisons c ON c.id = v.comparison_id JOIN runs l ON l.id = v.left_run_id "
            f"JOIN runs r ON r.id = v.right_run_id WHERE l.model_id != r.model_id {where} "
            "ORDER BY v.created_at, v.id",
            params,
        )
    )


def verdict_judgments(
    store: RunStore,
    *,
    category: str | None = None,
    since: str | None = None,
    until: str | None = None,
    judge_model: str | None = None,
    comparison_id: str | None = None,
) -> list[dict[str, Any]]:
    """Successful score and pairwise judgments, oldest first, filtered by the comparison's category, the
    judgment's date and the judge model."""
    where, params = _comparison_filters(category, since, until, "j.created_at", comparison_id)
    if judge_model:
        where += " AND j.judge_model = ?"
        params.append(judge_model)
    return list(
        store.db.query(
            "SELECT j.*, c.id AS cid FROM judgments j JOIN comparisons c ON c.id = j.comparison_id "
            f"WHERE j.status = 'ok' AND j.mode IN ('score', 'pairwise') {where} ORDER BY j.created_at, j.id",
            params,
        )
    )


def models_of_runs(store: RunStore, run_ids: Sequence[str]) -> dict[str, str]:
    """The model of each of these runs, by run id."""
    if not run_ids:
        return {}
    found = store.db.query(f"SELECT id, model_id FROM runs WHERE id IN ({_marks(run_ids)})", list(run_ids))
    return {r["id"]: r["model_id"] for r in found}


def finished_run_figures(
    store: RunStore, *, category: str | None = None, since: str | None = None, until: str | None = None
) -> list[dict[str, Any]]:
    """Model, cost, latency and render verdict of every finished run, filtered by its comparison."""
    where, params = _comparison_filters(category, since, until, "c.created_at")
    return list(
        store.db.query(
            "SELECT r.model_id, r.cost_usd, r.latency_s, rc.verdict FROM runs r "
            "JOIN comparisons c ON c.id = r.comparison_id LEFT JOIN render_checks rc ON rc.run_id = r.id "
            f"WHERE r.status NOT IN ({_marks(ACTIVE_STATUSES)})" + where,
            [*ACTIVE_STATUSES, *params],
        )
    )


def latest_scores(store: RunStore, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The latest successful score judgment per run (overall, reason, judge model)."""
    if not run_ids:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for row in store.db.query(
        "SELECT run_id, overall, reason, judge_model FROM judgments WHERE mode = 'score' AND status = 'ok' "
        f"AND run_id IN ({_marks(run_ids)}) ORDER BY created_at, id",
        list(run_ids),
    ):
        out[row["run_id"]] = dict(row)
    return out


def unjudged_comparisons(store: RunStore, judge_model: str, *, pairwise: bool = False) -> list[str]:
    """Comparisons with a finished page and no successful judgment of this mode by this judge, oldest first."""
    mode = "pairwise" if pairwise else "score"
    rows = store.db.query(
        "SELECT c.id FROM comparisons c WHERE EXISTS (SELECT 1 FROM runs r WHERE r.comparison_id = c.id "
        f"AND r.artifact_kind IN ('html', 'svg') AND r.status NOT IN ({_marks(ACTIVE_STATUSES)})) "
        "AND NOT EXISTS (SELECT 1 FROM judgments j WHERE j.comparison_id = c.id AND j.judge_model = ? "
        "AND j.mode = ? AND j.status = 'ok') ORDER BY c.created_at, c.id",
        [*ACTIVE_STATUSES, judge_model, mode],
    )
    return [row["id"] for row in rows]


def stored_checklist(store: RunStore, comparison_id: str) -> dict[str, Any] | None:
    """The checklist stored with a comparison (items decoded), or None."""
    rows = list(store.db.query("SELECT * FROM checklists WHERE comparison_id = ?", [comparison_id]))
    if not rows:
        return None
    row = rows[0]
    row["items"] = json.loads(row["items"])
    return row
