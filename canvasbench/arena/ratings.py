"""Each model's arena rating alone (no intervals): what the gallery ranks comparisons by."""

from __future__ import annotations

from canvasbench.arena import bradley_terry
from canvasbench.arena.outcomes import human_outcomes, judge_outcomes
from canvasbench.store import RunStore


def model_ratings(store: RunStore) -> dict[str, float]:
    """Bradley–Terry ratings from the human votes (the leaderboard's default), else from the judge; {} without either.

    No bootstrap: a sort needs the point estimate only, and the intervals are most of the leaderboard's cost.
    """
    outcomes = human_outcomes(store) or judge_outcomes(store)
    fit = bradley_terry.fit([(o.model_a, o.model_b, o.score) for o in outcomes], rounds=0)
    return fit.ratings
