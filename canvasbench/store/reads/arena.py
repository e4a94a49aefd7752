"""What the arena, the AI judge and the leaderboard read: votable runs, votes, judgments, run figures."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from canvasbench.status import ACTIVE_STATUSES, Status
from canvasbench.store.reads.owners import STATUS
from canvasbench.store.reads.sql import CONTESTANT, IS_PLAN, VOTABLE, conditions, marks

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore

_LEFT = CONTESTANT.replace("r.", "l.")  # the contestant of the run voted as A (`runs l`)


def votable_runs(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """Each contestant's final round of a comparison, finished with an HTML or SVG artifact, in position order."""
    return list(
        store.db.query(
            f"SELECT r.id, r.comparison_id, r.position, r.model_id, {CONTESTANT} AS contestant, r.round, r.recipe, "
            "r.artifact_kind, r.artifact FROM runs r "
            f"WHERE r.comparison_id = ? AND {VOTABLE} ORDER BY r.position",
            [comparison_id],
        )
    )


def voted_pairs(store: RunStore, comparison_id: str) -> list[tuple[str, str]]:
    """The (left, right) runs of every vote on a comparison, one entry per vote."""
    rows = store.db.execute("SELECT left_run_id, right_run_id FROM votes WHERE comparison_id = ?", [comparison_id])
    return [(str(a), str(b)) for a, b in rows]


def votable_comparisons(store: RunStore, *, category: str | None = None) -> list[dict[str, Any]]:
    """Comparisons with votable runs of at least two contestants, newest first: id, title, category, created_at,
    model_count (contestants) and votes."""
    return _votable(store, "AND c.category = ?" if category else "", [category] if category else [])


def newest_votable_comparisons(
    store: RunStore, *, category: str | None = None, page: int = 32
) -> Iterator[dict[str, Any]]:
    """`votable_comparisons` read a page of comparisons at a time: a caller after the first that qualifies reads
    the newest few, not every run of thousands of comparisons (the whole list took 25 ms at 10,000 runs)."""
    where, params = ("AND category = ?", [category]) if category else ("", [])
    # Each page starts below the last comparison read (not at an offset, which a comparison added or deleted meanwhile
    # would shift); a missing date sorts last, as in `votable_comparisons`.
    when = "coalesce(created_at, '')"
    after: list[Any] = []
    while True:
        below = f"AND ({when}, id) < (?, ?)" if after else ""
        rows = store.db.execute(
            f"SELECT id, {when} FROM comparisons WHERE 1 {where} {below} ORDER BY {when} DESC, id DESC LIMIT ?",
            [*params, *after, page],
        ).fetchall()
        if not rows:
            return
        after = [rows[-1][1], rows[-1][0]]
        ids = [row[0] for row in rows]
        yield from _votable(store, f"AND c.id IN ({marks(ids)})", ids)


def _votable(store: RunStore, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """The votable comparisons among those `where` (SQL on comparisons `c`, after " AND ") picks, newest first."""
    return list(
        store.db.query(
            f"SELECT c.id, c.title, c.category, c.created_at, count(DISTINCT {CONTESTANT}) AS model_count, "
            "(SELECT count(*) FROM votes v WHERE v.comparison_id = c.id) AS votes "
            f"FROM comparisons c JOIN runs r ON r.comparison_id = c.id AND {VOTABLE} "
            f"WHERE 1 {where} GROUP BY c.id HAVING model_count >= 2 ORDER BY c.created_at DESC, c.id DESC",
            params,
        )
    )


@dataclass(frozen=True)
class ArenaFilter:
    """What the leaderboard counts: a comparison or a sweep, a category, days (inclusive, YYYY-MM-DD), a judge."""

    category: str | None = None
    since: str | None = None
    until: str | None = None
    judge_model: str | None = None  # judgments only
    comparison_id: str | None = None
    sweep_id: str | None = None


EVERYTHING = ArenaFilter()


def _comparison_filters(scope: ArenaFilter, column: str) -> tuple[str, list[Any]]:
    """SQL conditions (each after " AND ") on comparisons `c` by id, category and a date column, with parameters."""
    where, params = conditions(
        ("c.id = ?", scope.comparison_id),
        ("c.sweep_id = ?", scope.sweep_id),
        ("c.category = ?", scope.category),
        (f"substr({column}, 1, 10) >= ?", scope.since),
        (f"substr({column}, 1, 10) <= ?", scope.until),
    )
    return (" AND " + " AND ".join(where)) if where else "", params


def vote_outcomes(store: RunStore, scope: ArenaFilter = EVERYTHING) -> list[dict[str, Any]]:
    """Votes between runs of different contestants, oldest first, filtered by the comparison and the vote's date:
    comparison_id, left_run_id, right_run_id, outcome, and the contestants (model or recipe) as ml and mr."""
    where, params = _comparison_filters(scope, "v.created_at")
    return list(
        store.db.query(
            f"SELECT v.comparison_id, v.left_run_id, v.right_run_id, v.outcome, {_LEFT} AS ml, {CONTESTANT} AS mr "
            "FROM votes v JOIN comparisons c ON c.id = v.comparison_id JOIN runs l ON l.id = v.left_run_id "
            f"JOIN runs r ON r.id = v.right_run_id WHERE {_LEFT} != {CONTESTANT} {where} "
            "ORDER BY v.created_at, v.id",
            params,
        )
    )


def verdict_judgments(store: RunStore, scope: ArenaFilter = EVERYTHING) -> list[dict[str, Any]]:
    """Successful score and pairwise judgments, oldest first, filtered by the comparison, the judgment's date
    and the judge model."""
    where, params = _comparison_filters(scope, "j.created_at")
    if scope.judge_model:
        where += " AND j.judge_model = ?"
        params.append(scope.judge_model)
    return list(
        store.db.query(
            "SELECT j.*, c.id AS cid FROM judgments j JOIN comparisons c ON c.id = j.comparison_id "
            f"WHERE j.status = 'ok' AND j.mode IN ('score', 'pairwise') {where} ORDER BY j.created_at, j.id",
            params,
        )
    )


def models_of_runs(store: RunStore, run_ids: Sequence[str]) -> dict[str, str]:
    """The contestant (model, or recipe's name) of each of these runs, by run id."""
    if not run_ids:
        return {}
    found = store.db.query(
        f"SELECT r.id, {CONTESTANT} AS contestant FROM runs r WHERE r.id IN ({marks(run_ids)})", list(run_ids)
    )
    return {r["id"]: r["contestant"] for r in found}


def finished_run_figures(store: RunStore, scope: ArenaFilter = EVERYTHING) -> list[dict[str, Any]]:
    """Contestant, model, cost, latency (none for a batch run) and render verdict of every finished run, filtered.

    A recipe's planner row is no generation of its own: its cost and time are added to the round 0 built on it
    (a planner that failed before any round is its recipe's failed run).
    """
    where, params = _comparison_filters(scope, "c.created_at")
    return list(
        store.db.query(
            # An unknown planner's cost leaves the total unknown, never cheaper.
            f"SELECT {CONTESTANT} AS contestant, r.model_id, "
            "r.cost_usd + CASE WHEN p.id IS NULL THEN 0 ELSE p.cost_usd END AS cost_usd, "
            # A batch run's latency is its batch's turnaround (hours): no latency to take a median of.
            "CASE WHEN r.batch_id IS NULL THEN r.latency_s + coalesce(p.latency_s, 0) END AS latency_s, "
            "rc.verdict, (p.id IS NOT NULL AND p.cost_usd IS NULL) AS plan_unpriced FROM runs r "
            "JOIN comparisons c ON c.id = r.comparison_id LEFT JOIN render_checks rc ON rc.run_id = r.id "
            f"LEFT JOIN runs p ON p.id = r.parent_run_id AND {IS_PLAN.replace('r.', 'p.')} "
            # A planner that failed with no round built on it is what its recipe ended with: a run, as a model's is.
            f"WHERE {STATUS} NOT IN ({marks(ACTIVE_STATUSES)}) AND (NOT {IS_PLAN} OR ({STATUS} != ? AND NOT EXISTS "
            "(SELECT 1 FROM runs b WHERE b.parent_run_id = r.id)))" + where,
            [*ACTIVE_STATUSES, Status.DONE, *params],
        )
    )


def latest_scores(store: RunStore, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The latest successful score judgment per run (overall, reason, judge model)."""
    if not run_ids:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for row in store.db.query(
        "SELECT run_id, overall, reason, judge_model FROM judgments WHERE mode = 'score' AND status = 'ok' "
        f"AND run_id IN ({marks(run_ids)}) ORDER BY created_at, id",
        list(run_ids),
    ):
        out[row["run_id"]] = dict(row)
    return out


def unjudged_comparisons(store: RunStore, judge_model: str, *, pairwise: bool = False) -> list[str]:
    """Comparisons with a finished page and no successful judgment of this mode by this judge, oldest first."""
    mode = "pairwise" if pairwise else "score"
    rows = store.db.query(
        "SELECT c.id FROM comparisons c WHERE EXISTS (SELECT 1 FROM runs r WHERE r.comparison_id = c.id "
        f"AND r.artifact_kind IN ('html', 'svg') AND NOT {IS_PLAN} AND r.status NOT IN ({marks(ACTIVE_STATUSES)})) "
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
