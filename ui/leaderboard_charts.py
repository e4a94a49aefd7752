"""Leaderboard charts (Vega-Lite): the win-rate matrix and strength against cost per generation, with 95% intervals."""

from __future__ import annotations

from typing import Any

import pandas as pd

from canvasbench.arena.bradley_terry import Fit
from canvasbench.present import formatting
from ui.charts import LABEL_LIMIT, ON_BACKGROUND, model_colour, spec

# The heatmap's colours, explicit (not a named scheme) so a label's colour can be chosen against its cell:
# red (row loses) through near-white (even) to blue (row wins), interpolated in RGB.
HEAT_RANGE = ["#b2182b", "#f7f7f7", "#2166ac"]
HEAT_DOMAIN = [0.0, 0.5, 1.0]
# Cells this far from even are dark enough that white text reads better than black (WCAG contrast).
DARK_CELL = 0.25
LABEL_SIZE = 13


def win_rate_heatmap(fit: Fit, order: list[str]) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """Row model's share of wins against the column model (ties half), strongest first; empty cells: never met."""
    if len(order) < 2:
        return None
    rows = [
        {"row": a, "column": b, "rate": rate, "label": formatting.share(rate),
         "games": fit.pair_games[(a, b)], "dark": abs(rate - 0.5) >= DARK_CELL}
        for a in order for b in order
        if (rate := fit.win_rate.get((a, b))) is not None
    ]  # fmt: skip
    # Long ids end in "…" on the axes (the whole id is in the tooltip); the cell shows only the share, big
    # enough to read, and the number of games goes in the tooltip.
    axis = {"labelLimit": LABEL_LIMIT // 2 + 40, "labelFontSize": 12, "title": None}
    x = {"field": "column", "type": "nominal", "sort": order, "axis": {**axis, "labelAngle": -35, "orient": "top"}}
    y = {"field": "row", "type": "nominal", "sort": order, "axis": axis}
    layers = [
        {
            "mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 1},
            "encoding": {
                "x": x, "y": y,
                "color": {"field": "rate", "type": "quantitative", "title": "win rate",
                          "scale": {"domain": HEAT_DOMAIN, "range": HEAT_RANGE, "interpolate": "rgb"},
                          "legend": {"format": ".0%", "orient": "right", "gradientLength": 100}},
                "tooltip": [{"field": "row", "title": "model"}, {"field": "column", "title": "against"},
                            {"field": "label", "title": "win rate"}, {"field": "games"}],
            },
        },
        {
            "mark": {"type": "text", "fontSize": LABEL_SIZE, "fontWeight": 600},
            "encoding": {
                "x": x, "y": y, "text": {"field": "label"},
                "color": {"condition": {"test": "datum.dark", "value": "#ffffff"}, "value": "#111111"},
            },
        },
    ]  # fmt: skip
    # Rows of a fixed height (a step), not a fixed total: the angled column labels take their room above them.
    return spec("Win rate (row against column)", {"layer": layers}, height={"step": 36}), pd.DataFrame(rows)


def strength_vs_cost(rows: list[dict[str, Any]], by: str) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """Rating (with its 95% interval) against median cost per generation: the cost–quality frontier."""
    priced = [r for r in rows if r.get("median_cost_usd") is not None]
    if not priced:
        return None
    data = pd.DataFrame(
        {
            "model": [r["model"] for r in priced],
            "cost": [r["median_cost_usd"] for r in priced],
            "shown_cost": [formatting.cost(r["median_cost_usd"]) for r in priced],
            "rating": [r["rating"] for r in priced],
            "low": [r["ci_low"] for r in priced],
            "high": [r["ci_high"] for r in priced],
        }
    )
    models = list(data["model"])
    # Padding on both axes, so a label at the edge (above the top point, beside the priciest) is not clipped.
    x = {"field": "cost", "type": "quantitative", "title": "median cost per generation (USD, log)",
         "scale": {"type": "log", "padding": 40, "nice": False}, "axis": {"format": "$.3~g"}}
    y = {"field": "rating", "type": "quantitative", "title": "rating (95% interval)",
         "scale": {"zero": False, "padding": 30}}
    tooltip = [{"field": "model"}, {"field": "rating", "format": ".0f"},
               {"field": "low", "title": "95% low", "format": ".0f"},
               {"field": "high", "title": "95% high", "format": ".0f"},
               {"field": "shown_cost", "title": "median cost"}]
    layers = [
        {"mark": {"type": "rule", "strokeWidth": 2},
         "encoding": {"x": x, "y": {**y, "field": "low"}, "y2": {"field": "high"},
                      "color": model_colour(models, legend=False)}},
        {"mark": {"type": "circle", "size": 140, "opacity": 1},
         "encoding": {"x": x, "y": y, "color": model_colour(models), "tooltip": tooltip}},
        {"mark": {"type": "text", "dy": -14, "fontSize": 11, "limit": LABEL_LIMIT, **ON_BACKGROUND},
         "encoding": {"x": x, "y": y, "text": {"field": "model"}}},
    ]  # fmt: skip
    return spec(f"Strength ({by}) against median cost per generation", {"layer": layers}), data
