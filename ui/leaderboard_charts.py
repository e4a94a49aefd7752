"""Leaderboard charts, server-drawn SVG: the win-rate matrix and strength against cost per generation, 95% intervals."""

from __future__ import annotations

from typing import Any

from canvasbench.arena.bradley_terry import Fit
from canvasbench.present import formatting
from canvasbench.present.svg_chart import CHAR, Axis, Legend, Plot, figure, ramp
from canvasbench.present.svg_scales import dollars
from ui.charts import Chart, legend
from ui.colours import colour

# The heatmap's colours, explicit so a label's colour can be chosen against its cell: red (row loses) through
# near-white (even) to blue (row wins), interpolated in RGB.
HEAT_RANGE = ["#b2182b", "#f7f7f7", "#2166ac"]
HEAT_DOMAIN = [0.0, 0.5, 1.0]
# Cells this far from even are dark enough that white text reads better than black (WCAG contrast).
DARK_CELL = 0.25
ROW = 36  # the height of a heatmap row: the angled column labels take their own room above the rows


def win_rate_heatmap(fit: Fit, order: list[str]) -> Chart | None:
    """Row model's share of wins against the column model (ties half), strongest first; empty cells: never met."""
    if len(order) < 2:
        return None
    plot = Plot(
        Axis("band", categories=order, angle=-35, top=True, padding=0.0),
        Axis("band", categories=order, padding=0.0),
        height=ROW * len(order),
    )
    x, y = plot.xb, plot.yb
    for a in order:
        for b in order:
            rate = fit.win_rate.get((a, b))
            if rate is None:
                continue
            tip = [("model", a), ("against", b), ("win rate", formatting.share(rate)),
                   ("games", formatting.count(fit.pair_games[(a, b)]))]  # fmt: skip
            ink = "#ffffff" if abs(rate - 0.5) >= DARK_CELL else "#111111"
            # Long ids end in "…" on the axes (the whole id is in the tooltip); the cell shows only the share.
            plot.cell(
                x(b), y(a), x.width, y.width, ramp(rate, HEAT_DOMAIN, HEAT_RANGE), tip, formatting.share(rate), ink
            )
    title = "Win rate (row against column)"
    key = Legend(ramp=(HEAT_RANGE, ["0%", "50%", "100%"]), title="win rate")
    return figure(title, plot.svg(title), key)


def strength_vs_cost(rows: list[dict[str, Any]], by: str) -> Chart | None:
    """Rating (with its 95% interval) against median cost per generation: the cost–quality frontier."""
    priced = [r for r in rows if r.get("median_cost_usd") is not None]
    unpriced = [r["model"] for r in rows if r.get("median_cost_usd") is None]  # unknown, never $0: named, not drawn
    # A log axis has no zero: a free model would sit at 1e-12 dollars, twelve empty decades from the others.
    free = [r["model"] for r in priced if not float(r["median_cost_usd"]) > 0]
    priced = [r for r in priced if r["model"] not in free]
    if not priced:
        return None
    costs = [float(r["median_cost_usd"]) for r in priced]
    low, high = min(float(r["ci_low"]) for r in priced), max(float(r["ci_high"]) for r in priced)
    plot = Plot(
        # Room at both ends, so a label beside the cheapest or the priciest point stays inside the picture.
        Axis("log", lo=min(costs), hi=max(costs), title="median cost per generation (USD, log)", pad=60,
             log_fmt=lambda v: dollars(v)(v) if v >= 0.01 else f"${v:.2g}"),
        Axis(lo=low, hi=high + (high - low) * 0.08 + 1, title="rating (95% interval)"),
    )  # fmt: skip
    placed: list[tuple[float, float, float, float]] = []  # the labels' boxes so far
    for r in priced:
        model, cost = r["model"], float(r["median_cost_usd"])
        cx, cy = plot.px(cost), plot.py(float(r["rating"]))
        interval = [("model", model), ("95% low", f"{r['ci_low']:.0f}"), ("95% high", f"{r['ci_high']:.0f}")]
        plot.rule(cx, plot.py(float(r["ci_low"])), plot.py(float(r["ci_high"])), colour(model), interval)
        tip = [("model", model), ("rating", f"{r['rating']:.0f}"), *interval[1:],
               ("median cost", formatting.cost(cost))]  # fmt: skip
        plot.point(cx, cy, colour(model), tip, r=7, opacity=1.0)
        # A label near the right edge ends at its point, near the left starts there: never cut at the border.
        share = (cx - plot.left) / (plot.right - plot.left)
        anchor, dx = ("end", -10) if share > 0.75 else ("start", 10) if share < 0.25 else ("middle", 0)
        label = model if len(model) <= 32 else model[:31] + "…"
        # Above its point, or the nearest free place above or below: models of similar price and rating
        # would otherwise print their names over each other.
        width = len(label) * CHAR * 11 / 12
        left = cx + dx - (width / 2 if anchor == "middle" else width if anchor == "end" else 0)
        for dy in (-12, 24, -26, 38, -40, 52, -54):
            box = (left, cy + dy - 11, left + width, cy + dy + 2)
            if not any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in placed):
                break
        placed.append(box)
        plot.text(cx + dx, cy + dy, label, anchor=anchor, whole=model if label != model else "")
    title = f"Strength ({by}) against median cost per generation"
    if free:
        title += f" (left out at $0, a log axis has no zero: {', '.join(free)})"
    if unpriced:
        title += f" (price unknown, not shown: {', '.join(unpriced)})"
    return figure(title, plot.svg(title), legend([r["model"] for r in priced]))
