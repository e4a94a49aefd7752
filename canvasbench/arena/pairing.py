"""Which comparison and which two runs the arena shows next: finished runs with an artifact, least-voted pair first."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

from canvasbench.store import RunStore
from canvasbench.store.run_store import FINAL_STATUSES

_FINAL = ",".join(f"'{s}'" for s in FINAL_STATUSES)
# A run is shown in the arena only once it has finished (no speed bias) and left a page to look at.
_VOTABLE = f"r.status IN ({_FINAL}) AND r.artifact_kind IN ('html', 'svg') AND length(coalesce(r.artifact, '')) > 0"


@dataclass(frozen=True)
class ArenaPair:
    """Two runs of one comparison in the order they are shown: `left` is A, `right` is B."""

    comparison_id: str
    left: dict[str, Any]
    right: dict[str, Any]


def votable_runs(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """Finished runs of a comparison that have an HTML or SVG artifact, in position order."""
    return list(
        store.db.query(
            f"SELECT r.id, r.comparison_id, r.position, r.model_id, r.artifact_kind, r.artifact FROM runs r "
            f"WHERE r.comparison_id = ? AND {_VOTABLE} ORDER BY r.position",
            [comparison_id],
        )
    )


def _pairs(runs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every pair of runs by different models (a pair of the same model says nothing about strength)."""
    return [(a, b) for a, b in itertools.combinations(runs, 2) if a["model_id"] != b["model_id"]]


def _vote_counts(store: RunStore, comparison_id: str) -> dict[frozenset[str], int]:
    counts: dict[frozenset[str], int] = {}
    for row in store.db.query(
        "SELECT left_run_id, right_run_id FROM votes WHERE comparison_id = ?", [comparison_id]
    ):
        key = frozenset((row["left_run_id"], row["right_run_id"]))
        counts[key] = counts.get(key, 0) + 1
    return counts


def arena_comparisons(store: RunStore, *, category: str | None = None) -> list[dict[str, Any]]:
    """Comparisons with at least two votable runs by different models, newest first, with vote counts."""
    params: list[Any] = []
    where = ""
    if category:
        where = "AND c.category = ?"
        params.append(category)
    rows = store.db.query(
        f"SELECT c.id, c.title, c.category, c.created_at, count(DISTINCT r.model_id) AS model_count, "
        f"(SELECT count(*) FROM votes v WHERE v.comparison_id = c.id) AS votes "
        f"FROM comparisons c JOIN runs r ON r.comparison_id = c.id AND {_VOTABLE} "
        f"WHERE 1 {where} GROUP BY c.id HAVING model_count >= 2 ORDER BY c.created_at DESC, c.id DESC",
        params,
    )
    out = []
    for row in rows:
        pairs = _pairs(votable_runs(store, row["id"]))
        voted = _vote_counts(store, row["id"])
        row["pairs"] = len(pairs)
        row["unvoted_pairs"] = sum(1 for a, b in pairs if not voted.get(frozenset((a["id"], b["id"]))))
        out.append(row)
    return out


def next_unvoted(store: RunStore, *, category: str | None = None) -> str | None:
    """The newest comparison with a pair of models nobody has voted on yet, or None."""
    for row in arena_comparisons(store, category=category):
        if row["unvoted_pairs"]:
            return str(row["id"])
    return None


def next_pair(store: RunStore, comparison_id: str, rng: random.Random | None = None) -> ArenaPair | None:
    """The least-voted pair of models in the comparison (so every pair gets votes), in a random A/B order."""
    rng = rng or random.Random()
    pairs = _pairs(votable_runs(store, comparison_id))
    if not pairs:
        return None
    voted = _vote_counts(store, comparison_id)
    fewest = min(voted.get(frozenset((a["id"], b["id"])), 0) for a, b in pairs)
    left, right = rng.choice([p for p in pairs if voted.get(frozenset((p[0]["id"], p[1]["id"])), 0) == fewest])
    if rng.random() < 0.5:
        left, right = right, left
    return ArenaPair(comparison_id, left, right)
