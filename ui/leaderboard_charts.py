"""Leaderboard charts: the win-rate matrix and strength against cost per generation, with the 95% intervals."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from canvasbench.arena.bradley_terry import Fit
from canvasbench.present import formatting
from ui.charts import _esc, colour


def win_rate_heatmap(fit: Fit, order: list[str]) -> dict[str, Any] | None:
    """Row model's share of wins against the column model (ties half), strongest first; empty cells: never met."""
    if len(order) < 2:
        return None
    z = [[fit.win_rate.get((a, b)) for b in order] for a in order]

    def cell(a: str, b: str) -> str:
        rate = fit.win_rate.get((a, b))
        return "" if rate is None else f"{formatting.share(rate)} of {fit.pair_games[(a, b)]}"

    text = [[cell(a, b) for b in order] for a in order]
    names = [_esc(m) for m in order]
    trace = go.Heatmap(
        z=z, x=names, y=names, text=text, texttemplate="%{text}", zmin=0, zmax=1, colorscale="RdBu",
        hovertemplate="%{y} beat %{x}: %{text}<extra></extra>", colorbar={"title": {"text": "win rate"}},
    )
    fig = go.Figure(
        data=[trace],
        layout={"title": {"text": "Win rate (row against column)"}, "template": "plotly_white", "height": 420,
                "yaxis": {"autorange": "reversed"}, "margin": {"l": 10, "r": 10, "t": 48, "b": 10}},
    )
    return fig.to_plotly_json()


def strength_vs_cost(rows: list[dict[str, Any]], by: str) -> dict[str, Any] | None:
    """Rating (with its 95% interval) against median cost per generation: the cost–quality frontier."""
    priced = [r for r in rows if r.get("median_cost_usd") is not None]
    if not priced:
        return None
    traces = [
        go.Scatter(
            x=[r["median_cost_usd"]], y=[r["rating"]], mode="markers+text", name=_esc(r["model"]),
            text=[_esc(r["model"])], textposition="top center", cliponaxis=False,
            marker={"size": 12, "color": colour(r["model"])},
            error_y={"type": "data", "symmetric": False, "array": [r["ci_high"] - r["rating"]],
                     "arrayminus": [r["rating"] - r["ci_low"]]},
            customdata=[_esc(formatting.cost(r["median_cost_usd"]))],
            hovertemplate="%{text}<br>rating %{y:.0f}<br>median cost %{customdata}<extra></extra>",
        )
        for r in priced
    ]
    fig = go.Figure(
        data=traces,
        layout={"title": {"text": f"Strength ({by}) against median cost per generation"}, "template": "plotly_white",
                "height": 420, "showlegend": False, "xaxis": {"title": {"text": "median cost per generation (USD)"},
                "type": "log"}, "yaxis": {"title": {"text": "rating (95% interval)"}},
                "margin": {"l": 10, "r": 10, "t": 48, "b": 10}},
    )
    return fig.to_plotly_json()
