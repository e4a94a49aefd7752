"""Per-model figures over many runs (the metrics page's summary table) and where a chart should clip outliers."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from canvasbench.contestants import contestant, is_plan
from canvasbench.present.outcome import describe_run
from canvasbench.status import ACTIVE_STATUSES, Status, Verdict


def _median(values: Iterable[Any]) -> float | None:
    present = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(present) if present else None


def contestant_runs(runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runs as their contestants' runs: a recipe's planner row is no run, its cost added to the round 0 built
    on it (unknown when either is); a planner that ended undone with no round built on it is its recipe's run."""
    runs = list(runs)
    plans = {str(r["id"]): r for r in runs if is_plan(r)}
    if not plans:
        return runs
    built_on = {str(r.get("parent_run_id")) for r in runs}
    out = []
    for run in runs:
        if is_plan(run) and (str(run["id"]) in built_on or run.get("status") == Status.DONE):
            continue
        plan = plans.get(str(run.get("parent_run_id")))
        if plan is not None:
            costs = [run.get("cost_usd"), plan.get("cost_usd")]  # a frame's unknown is NaN, a row's None
            known = [float(c) for c in costs if c is not None and not math.isnan(float(c))]
            unpriced = costs[1] is None or math.isnan(float(costs[1]))
            run = {**run, "cost_usd": sum(known) if len(known) == 2 else None, "plan_unpriced": unpriced}
        out.append(run)
    return out


def summarise(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per contestant (a model, or a recipe under its name; key `model_id`): runs, share of checked runs
    that render cleanly, medians, and runs that did not finish as asked (failed, cut, blocked, cut off at the
    output limit, ...); None where nothing was measured.

    A recipe's planner row wrote a design, not a page: it is no run of its own here (never in a median) and its
    cost is added to the round 0 built on it. A planner that failed with no round built on it is what its recipe
    ended with: one run, a failure, as a model's failed run is.
    """
    by_model: dict[str, list[dict[str, Any]]] = {}
    for run in contestant_runs(runs):
        by_model.setdefault(contestant(run), []).append(run)
    rows = []
    for model_id in sorted(by_model):
        group = by_model[model_id]
        checked = [r for r in group if r.get("render_verdict") not in (None, Verdict.NOT_CHECKED)]
        finished = [r for r in group if r.get("status") not in ACTIVE_STATUSES]
        rows.append(
            {
                "model_id": model_id,
                "runs": len(group),
                "render_pass_rate": (
                    sum(r["render_verdict"] == Verdict.RENDERS for r in checked) / len(checked) if checked else None
                ),
                "median_lines": _median(r.get("lines") for r in group),
                "median_ttft_s": _median(r.get("ttft_s") for r in group),
                "median_tokens_per_s": _median(r.get("tokens_per_s") for r in group),
                # A round built on a planner of unknown price: the median of the other rounds would read cheaper.
                "median_cost_usd": (
                    None if any(r.get("plan_unpriced") for r in group) else _median(r.get("cost_usd") for r in group)
                ),
                "failures": sum(not describe_run(r).ok for r in finished),
            }
        )
    return rows


def outlier_cap(values: Iterable[float | None], *, k: float = 3.0) -> float | None:
    """The value above which points are outliers (Q3 + k·IQR, at least 1.5 × the median); None when none lie above."""
    present = sorted(float(v) for v in values if v is not None and not math.isnan(float(v)))
    if len(present) < 4:
        return None
    q1, _, q3 = statistics.quantiles(present, n=4, method="inclusive")
    cap = max(q3 + k * (q3 - q1), 1.5 * statistics.median(present))
    return cap if present[-1] > cap else None
