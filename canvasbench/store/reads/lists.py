"""The dashboard's lists and live panels: gallery cards, the runs table, timelines, what is running now.

Lists never load response, artifact or reasoning texts: run columns come from the covering index
`runs_list_cover` (migration m003), so a database with hundreds of MB of responses lists as fast as an
empty one. Only a single comparison, or a live panel, reads texts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store.reads.checks import latest_checks
from canvasbench.store.reads.owners import ERROR, OWNER_GONE, STATE, STATUS
from canvasbench.store.reads.runs import get_comparison, runs_of
from canvasbench.store.reads.sql import CHECK_COLS, CONTESTANT, RUN_COLS, conditions, marks

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore


@dataclass(frozen=True)
class GalleryFilter:
    """What the gallery shows: each field narrows the list; empty means no narrowing."""

    category: str | None = None
    model_id: str | None = None  # a model (any step of a recipe it took part in) or a recipe's name
    status: str | None = None  # a state word (status.State), or "active" for queued and running
    text: str = ""


@dataclass(frozen=True)
class RunFilter:
    """What the runs table shows; dates are ISO strings compared with the run's creation time."""

    prompt_ids: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    model_ids: tuple[str, ...] = ()  # models or recipes' names (a recipe's every step)
    statuses: tuple[str, ...] = ()  # state words (status.State)
    since: str | None = None  # inclusive, e.g. "2026-11-01"
    until: str | None = None  # inclusive day, e.g. "2026-11-30"
    comparison_id: str | None = None  # one comparison's runs only
    sweep_id: str | None = None  # one sweep's runs only


# The gallery's orders, each a SQL prefix to "newest first" (NULLs last: an unknown cost is not a cheap one).
# Per comparison: cost and lines are its runs' known totals; rating is its best model's arena rating.
GALLERY_SORTS: dict[str, str] = {
    "newest": "",
    "cost": "cost_total IS NULL, cost_total DESC, ",
    "cheapest": "cost_total IS NULL, cost_total, ",
    "lines": "lines_total IS NULL, lines_total DESC, ",
    "rating": "best_rating IS NULL, best_rating DESC, ",
}
ROUNDS_COLUMN = "round"  # a run's repair round (0: the first answer)
_ROUNDS_SORT = "rounds_total IS NULL, rounds_total, "
# Correlated per comparison: with "newest" only the page's rows compute them (the created_at index drives
# the scan); a sort by one of them reads the covering index once per comparison, never a response text.
_TOTALS = (
    "(SELECT sum(x.cost_usd) FROM runs x INDEXED BY runs_list_cover WHERE x.comparison_id = c.id) AS cost_total, "
    "(SELECT count(*) - count(x.cost_usd) FROM runs x INDEXED BY runs_list_cover WHERE x.comparison_id = c.id)"
    " AS cost_unknown, "
    # Lines of each contestant's final round: an earlier round or a planner's design is not a page it ended with.
    "(SELECT sum(x.lines) FROM runs x INDEXED BY runs_list_cover WHERE x.comparison_id = c.id"
    " AND NOT EXISTS (SELECT 1 FROM runs later WHERE later.parent_run_id = x.id)) AS lines_total, "
    "(SELECT max(rt.rating) FROM runs x INDEXED BY runs_list_cover JOIN rt"
    " ON rt.model_id = coalesce(x.recipe, x.model_id) WHERE x.comparison_id = c.id) AS best_rating"
)


def gallery_sorts(store: RunStore) -> tuple[str, ...]:
    """The orders the gallery can offer this database: "rounds" only once some comparison asked for repairs."""
    # The comparisons' options, not the runs' round column: that sits after the response texts (a scan of
    # every run's overflow pages), and a round only exists where repairs were asked for.
    asked = store.db.execute(
        "SELECT EXISTS (SELECT 1 FROM comparisons WHERE json_extract(options, '$.repair') > 0)"
    ).fetchone()[0]
    return (*GALLERY_SORTS, *(("rounds",) if asked else ()))


@dataclass
class GalleryPage:
    """One page of comparison cards, newest first, and how many match in all."""

    cards: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def data_version(store: RunStore) -> str:
    """A cheap token that changes whenever anything is written to the database or a run's process dies (cache key
    for lists)."""
    parts = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(f"{store.path}{suffix}")
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    # A process that dies writes nothing, yet its runs now read as interrupted: that changes the lists too.
    parts.append(str(store.db.execute(f"SELECT count(*) FROM runs r WHERE {OWNER_GONE}").fetchone()[0]))
    return "|".join(parts)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _gallery_where(flt: GalleryFilter) -> tuple[str, list[Any]]:
    clauses, params = conditions(("c.category = ?", flt.category))
    if flt.model_id:
        clauses.append("c.id IN (SELECT comparison_id FROM runs WHERE model_id = ? OR recipe = ?)")
        params.extend([flt.model_id, flt.model_id])
    if flt.status in ("active", *ACTIVE_STATUSES):
        clauses.append(f"c.id IN (SELECT r.comparison_id FROM runs r WHERE {STATUS} IN ({marks(ACTIVE_STATUSES)}))")
        params.extend(ACTIVE_STATUSES)
    elif flt.status:
        clauses.append(f"c.id IN (SELECT r.comparison_id FROM runs r WHERE {STATE} = ?)")
        params.append(flt.status)
    if flt.text.strip():
        pattern = _like(flt.text.strip())
        clauses.append(
            "(c.title LIKE ? ESCAPE '\\' OR c.category LIKE ? ESCAPE '\\' OR c.id LIKE ? ESCAPE '\\'"
            " OR c.prompt_text LIKE ? ESCAPE '\\'"
            " OR c.id IN (SELECT comparison_id FROM runs WHERE model_id LIKE ? ESCAPE '\\'"
            " OR recipe LIKE ? ESCAPE '\\'))"
        )
        params.extend([pattern] * 6)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def runs_summary(store: RunStore, comparison_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """List columns (no texts) of the runs of some comparisons, with their latest render check, by comparison."""
    out: dict[str, list[dict[str, Any]]] = {cid: [] for cid in comparison_ids}
    if not comparison_ids:
        return out
    sql = (
        # error and raw_finish_reason sit before the texts in each row: the status mapping needs them.
        f"SELECT {RUN_COLS}, r.raw_finish_reason, {ERROR} AS error, {CHECK_COLS}, "
        "(k.screenshot IS NOT NULL) AS has_screenshot "
        "FROM runs r INDEXED BY runs_list_cover LEFT JOIN render_checks k ON k.run_id = r.id "
        f"WHERE r.comparison_id IN ({marks(comparison_ids)}) ORDER BY r.comparison_id, r.position"
    )
    for row in store.db.query(sql, list(comparison_ids)):
        out[row["comparison_id"]].append(row)
    return out


def gallery_page(
    store: RunStore,
    flt: GalleryFilter,
    *,
    limit: int = 12,
    offset: int = 0,
    sort: str = "newest",
    ratings: Mapping[str, float] | None = None,
) -> GalleryPage:
    """One page of comparison cards (title, category, date, totals, runs without texts) in `sort` order.

    Sorting happens in SQL before the page is cut; `ratings` (model id -> arena rating) rank "rating".
    """
    where, params = _gallery_where(flt)
    total = store.db.execute(f"SELECT count(*) FROM comparisons c{where}", params).fetchone()[0]
    order = GALLERY_SORTS.get(sort, "")
    totals = _TOTALS
    if sort == "rounds" and sort in gallery_sorts(store):
        order = _ROUNDS_SORT
        totals += (
            f", (SELECT max(x.{ROUNDS_COLUMN}) FROM runs x INDEXED BY runs_list_cover WHERE x.comparison_id = c.id)"
            " AS rounds_total"
        )
    rows = list(
        store.db.query(
            # The ratings once as a table with an index (SQLite builds it), not parsed again per run.
            "WITH rt(model_id, rating) AS MATERIALIZED (SELECT key, value FROM json_each(?)) "
            f"SELECT c.id, c.created_at, c.title, c.category, c.prompt_id, {totals}, "
            # stream / batch, from the comparison's small options: its runs' batch_id sits past their texts
            "json_extract(CASE WHEN json_valid(c.options) THEN c.options END, '$.mode') AS mode FROM comparisons c"
            f"{where} ORDER BY {order}c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
            [json.dumps(dict(ratings or {})), *params, int(limit), int(offset)],
        )
    )
    runs = runs_summary(store, [r["id"] for r in rows])
    for row in rows:
        row["runs"] = runs[row["id"]]
    return GalleryPage(cards=rows, total=int(total))


def filter_options(store: RunStore) -> dict[str, list[Any]]:
    """Values the filters offer: categories, contestants (model ids and recipes' names), prompts (id, title) and
    the states (words) present."""
    db = store.db
    return {
        "categories": [
            r[0] for r in db.execute("SELECT DISTINCT category FROM comparisons WHERE category != '' ORDER BY category")
        ],
        "model_ids": [
            r[0]
            for r in db.execute(
                "SELECT model_id AS m FROM runs INDEXED BY runs_list_cover "
                "UNION SELECT recipe FROM runs INDEXED BY runs_list_cover WHERE recipe IS NOT NULL ORDER BY m"
            )
        ],
        "prompts": [
            (r[0], r[1]) for r in db.execute("SELECT id, title FROM prompts ORDER BY title COLLATE NOCASE, id")
        ],
        "statuses": [r[0] for r in db.execute(f"SELECT DISTINCT {STATE} AS s FROM runs r ORDER BY s")],
    }


def runs_table(store: RunStore, flt: RunFilter | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Every run matching the filter (newest first) with its comparison's prompt and its render verdict."""
    flt = flt or RunFilter()
    clauses: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("c.prompt_id", flt.prompt_ids),
        ("c.category", flt.categories),
        (f"({STATE})", flt.statuses),
    ):
        if values:
            clauses.append(f"{column} IN ({marks(values)})")
            params.extend(values)
    for column, value in (("c.id", flt.comparison_id), ("c.sweep_id", flt.sweep_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if flt.model_ids:
        clauses.append(f"(r.model_id IN ({marks(flt.model_ids)}) OR r.recipe IN ({marks(flt.model_ids)}))")
        params.extend([*flt.model_ids, *flt.model_ids])
    if flt.since:
        clauses.append("r.created_at >= ?")
        params.append(flt.since)
    if flt.until:
        clauses.append("r.created_at < ?")
        params.append(flt.until + "\uffff")  # inclusive of the whole `until` day or instant
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = (
        f"SELECT {RUN_COLS}, {STATE} AS state, c.prompt_id, c.title, c.category, {CHECK_COLS} "
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
    """Per run of one comparison: model, contestant, status and its timeline samples [[seconds, chars, lines], ...]."""
    out = []
    for row in store.db.query(
        f"SELECT r.id, r.model_id, {CONTESTANT} AS contestant, r.round, r.position, {STATUS} AS status, r.ttft_s, "
        "r.latency_s, r.timeline FROM runs r "
        "WHERE r.comparison_id = ? ORDER BY r.position",
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
    """Runs queued or streaming right now (id, comparison, model, status, started_at), oldest first.

    Runs waiting in a provider's batch job are not among them: they wait for hours (see `batches.jobs`).
    """
    return list(
        store.db.query(
            f"SELECT id, comparison_id, model_id, {CONTESTANT} AS contestant, status, started_at, created_at "
            "FROM runs r "
            f"WHERE status IN ({marks(ACTIVE_STATUSES)}) AND NOT {OWNER_GONE} AND r.batch_id IS NULL "
            "ORDER BY created_at, position",
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
        f"SELECT {RUN_COLS}, {ERROR} AS error, length(t.text) AS chars_so_far, "
        "length(t.text) - length(replace(t.text, char(10), '')) "
        "+ (length(t.text) > 0) AS lines_so_far, substr(t.text, -?) AS tail, "
        "length(t.thought) AS reasoning_chars, r.raw_finish_reason, r.timeline, "
        "r.batch_id, j.provider AS batch_provider, j.created_at AS batch_submitted_at "
        "FROM runs r JOIN t ON t.run_id = r.id LEFT JOIN batch_jobs j ON j.id = r.batch_id ORDER BY r.position"
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
