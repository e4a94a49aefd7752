"""The leaderboard: Bradley–Terry ratings by human votes or by the judge, beside cost, speed and render rate."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Literal

from canvasbench.arena import bradley_terry
from canvasbench.arena.outcomes import (
    Agreement,
    agreement,
    human_outcomes,
    judge_outcomes,
)
from canvasbench.status import RENDERED, Verdict
from canvasbench.store import RunStore, reads
from canvasbench.store.reads import EVERYTHING, ArenaFilter

Basis = Literal["human", "judge"]
_RENDERS = RENDERED



@dataclass(frozen=True)
class Leaderboard:
    """Ranked rows, the fit behind them (for the win-rate matrix) and the judge–human agreement."""

    by: Basis
    rows: list[dict[str, Any]]
    fit: bradley_terry.Fit
    outcomes: int
    agreement: Agreement


def model_stats(store: RunStore, scope: ArenaFilter = EVERYTHING) -> dict[str, dict[str, Any]]:
    """Per contestant (model or recipe), over its finished runs: median cost per generation (a recipe's planner
    included), median latency, share that render."""
    rows = reads.finished_run_figures(store, scope)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["contestant"], []).append(row)
    stats = {}
    for model, runs in grouped.items():
        # A round built on a planner of unknown price leaves the recipe's cost unknown: the median of its other
        # rounds alone (repairs, no planner) would read as the recipe being cheaper than it is.
        unpriced = any(r.get("plan_unpriced") for r in runs)
        costs = [] if unpriced else [r["cost_usd"] for r in runs if r["cost_usd"] is not None]
        latencies = [r["latency_s"] for r in runs if r["latency_s"] is not None]
        checked = [r for r in runs if r["verdict"] and r["verdict"] != Verdict.NOT_CHECKED]
        stats[model] = {
            "median_cost_usd": statistics.median(costs) if costs else None,
            "median_latency_s": statistics.median(latencies) if latencies else None,
            # Of the runs that were opened in a browser; a model never checked has no share, not 0.
            "render_share": sum(r["verdict"] in _RENDERS for r in checked) / len(checked) if checked else None,
            "runs": len(runs),
        }
    return stats


def leaderboard(
    store: RunStore,
    *,
    by: Basis = "human",
    scope: ArenaFilter = EVERYTHING,
    rounds: int = bradley_terry.BOOTSTRAP_ROUNDS,
) -> Leaderboard:
    """Fit and rank; the agreement always compares judge and humans on the same filters.

    Without a judge model in `scope` the verdicts of every judge model count (each judge's verdict on a pair
    is one outcome); the judge model filters judgments only.
    """
    human = human_outcomes(store, scope)
    judge = judge_outcomes(store, scope)
    chosen = human if by == "human" else judge
    fit = bradley_terry.fit([(o.model_a, o.model_b, o.score) for o in chosen], rounds=rounds)
    stats = model_stats(store, scope)
    rows = []
    for rank, model in enumerate(fit.ranked(), start=1):
        extra = stats.get(model, {"median_cost_usd": None, "median_latency_s": None, "render_share": None, "runs": 0})
        rows.append(
            {
                "rank": rank,
                "model": model,
                "rating": round(fit.ratings[model], 1),
                "ci_low": round(fit.lower[model], 1),
                "ci_high": round(fit.upper[model], 1),
                "votes": fit.games[model],
                **extra,
            }
        )
    return Leaderboard(by, rows, fit, len(chosen), agreement(human, judge))


def winner_of(store: RunStore, comparison_id: str) -> dict[str, Any] | None:
    """A comparison's winner for the gallery badge: by its human votes, else by the judge; None when undecided.

    Returns {"model_id", "run_id", "source": "votes" | "judge", "margin"}: the run with the highest total
    score over its outcomes must lead every other run, else there is no winner.
    """
    for source, outcomes in (
        ("votes", human_outcomes(store, ArenaFilter(comparison_id=comparison_id))),
        ("judge", judge_outcomes(store, ArenaFilter(comparison_id=comparison_id))),
    ):
        if not outcomes:
            continue
        totals: dict[str, float] = {}
        models: dict[str, str] = {}
        for o in outcomes:
            for run, model in ((o.run_a, o.model_a), (o.run_b, o.model_b)):
                totals[run] = totals.get(run, 0.0) + o.score_of(run) - 0.5
                models[run] = model
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])
        best, score = ranked[0]
        if score > 0 and (len(ranked) == 1 or ranked[1][1] < score):
            return {"model_id": models[best], "run_id": best, "source": source, "margin": score}
        return None  # the votes exist but do not pick one: the judge does not overrule a human tie
    return None
