"""Which comparison and which two runs the arena shows next: finished runs with an artifact, least-voted pair first."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from canvasbench.contestants import contestant
from canvasbench.store import RunStore, reads


@dataclass(frozen=True)
class ArenaPair:
    """Two runs of one comparison in the order they are shown: `left` is A, `right` is B."""

    comparison_id: str
    left: dict[str, Any]
    right: dict[str, Any]


def _pairs(runs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every pair of runs by different contestants (a pair of the same one says nothing about strength).

    A recipe is one contestant under its name, even where its builder is a model also competing on its own.
    """
    return [(a, b) for a, b in itertools.combinations(runs, 2) if contestant(a) != contestant(b)]


def _vote_counts(
    store: RunStore, comparison_id: str, shown: Iterable[tuple[str, str]] = ()
) -> dict[frozenset[str], int]:
    """Votes per pair of runs; a pair in `shown` (on screen, not yet voted on) counts as one more."""
    counts: dict[frozenset[str], int] = {}
    for left, right in [*reads.voted_pairs(store, comparison_id), *shown]:
        key = frozenset((left, right))
        counts[key] = counts.get(key, 0) + 1
    return counts


def _unvoted_pairs(store: RunStore, row: dict[str, Any], shown: list[tuple[str, str]]) -> dict[str, Any]:
    """The row with its pairs of contestants and how many of them nobody has voted on (nor is on screen)."""
    pairs = _pairs(reads.votable_runs(store, row["id"]))
    voted = _vote_counts(store, row["id"], shown)
    row["pairs"] = len(pairs)
    row["unvoted_pairs"] = sum(1 for a, b in pairs if not voted.get(frozenset((a["id"], b["id"]))))
    return row


def arena_comparisons(
    store: RunStore, *, category: str | None = None, shown: Iterable[tuple[str, str]] = ()
) -> list[dict[str, Any]]:
    """Comparisons with at least two votable runs by different models, newest first, with vote counts.

    Pairs in `shown` count as voted on: the pair on screen is not offered again as the one after it.
    """
    shown = list(shown)
    return [_unvoted_pairs(store, row, shown) for row in reads.votable_comparisons(store, category=category)]


def next_unvoted(store: RunStore, *, category: str | None = None, shown: Iterable[tuple[str, str]] = ()) -> str | None:
    """The newest comparison with a pair of models nobody has voted on yet (nor is on screen), or None."""
    shown = list(shown)
    # Newest first, stopping at the first found: reading every comparison's runs would cost a second per
    # arena page at thousands of comparisons, for the one that is shown.
    for row in reads.newest_votable_comparisons(store, category=category):
        if _unvoted_pairs(store, row, shown)["unvoted_pairs"]:
            return str(row["id"])
    return None


def next_pair(
    store: RunStore,
    comparison_id: str,
    rng: random.Random | None = None,
    *,
    shown: Iterable[tuple[str, str]] = (),
) -> ArenaPair | None:
    """The least-voted pair of models in the comparison (so every pair gets votes), in a random A/B order.

    Pairs in `shown` count as one vote more, so the pair prepared behind the one on screen is another.
    """
    rng = rng or random.Random()
    pairs = _pairs(reads.votable_runs(store, comparison_id))
    if not pairs:
        return None
    voted = _vote_counts(store, comparison_id, shown)
    fewest = min(voted.get(frozenset((a["id"], b["id"])), 0) for a, b in pairs)
    left, right = rng.choice([p for p in pairs if voted.get(frozenset((p[0]["id"], p[1]["id"])), 0) == fewest])
    if rng.random() < 0.5:
        left, right = right, left
    return ArenaPair(comparison_id, left, right)
