"""Plotly charts for the metrics page: speed, cost, distributions, render share and the generation timeline.

Figures are built from plain traces (graph_objects, not plotly.express, which costs ~0.1 s per chart in
figure setup) and cached per data version, so the page stays fast on big databases.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from canvasbench.present import formatting
from canvasbench.present.model_summary import outlier_cap
from canvasbench.status import Verdict
from ui.colours import colour

_LAYOUT: dict[str, Any] = {
    # The legend sits right of the plot: below it, it covered the x axis title, above it, the chart's title.
    "margin": {"l": 10, "r": 10, "t": 56, "b": 10},
    "legend": {"orientation": "v", "yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.02, "font": {"size": 11}},
    "height": 420,
    "template": "plotly_white",
}
_BIG = 2000  # above this many points a scatter uses WebGL


def _esc(text: object) -> str:
    # Plotly renders a subset of HTML (links included) in names and hover text: show ours literally.
    return html.escape(str(text), quote=True)


def _show(figure: dict[str, Any] | None, key: str, empty: str) -> None:
    if figure is None:
        st.caption(empty)
        return
    st.plotly_chart(figure, key=key, config={"displaylogo": False})


def _figure(traces: list[Any], title: str, **layout: Any) -> dict[str, Any]:
    fig = go.Figure(data=traces, layout={**_LAYOUT, "title": {"text": title}, **layout})
    return fig.to_plotly_json()


@st.cache_data(show_spinner=False, max_entries=16)
def _figures(version: str, _frame: pd.DataFrame) -> dict[str, dict[str, Any] | None]:
    """Every chart of the runs table, keyed by name (None when there is nothing to draw)."""
    frame = _frame
    out: dict[str, dict[str, Any] | None] = {}
    models = sorted(frame["model_id"].dropna().unique())

    data = frame.dropna(subset=["lines", "latency_s"])
    scatter = go.Scattergl if len(data) > _BIG else go.Scatter
    out["lines_time"] = (
        _figure(
            [
                scatter(
                    x=part["latency_s"],
                    y=part["lines"],
                    name=_esc(model),
                    mode="markers",
                    marker={"size": 10, "opacity": 0.8, "color": colour(model)},
                    text=[_esc(t) for t in part["title"]],
                    hovertemplate="%{text}<br>%{y:,} lines in %{x:.1f} s<extra>" + _esc(model) + "</extra>",
                )
                for model, part in data.groupby("model_id")
            ],
            "Lines written vs total time",
            xaxis={"title": {"text": "total time (s)"}},
            yaxis={"title": {"text": "lines"}},
        )
        if not data.empty
        else None
    )

    priced = frame.dropna(subset=["cost_usd"])
    if priced.empty:
        out["cost"] = None
    else:
        per = priced.groupby("model_id").agg(
            per_run=("cost_usd", "mean"), total=("cost_usd", "sum"), lines=("lines", "sum")
        )
        per["per_1k"] = per["total"] / per["lines"].where(per["lines"] > 0) * 1000
        unknown = len(frame) - len(priced)
        out["cost"] = _figure(
            [
                # Hover text in the one cost format ($0.012 beside $0.0044), not the chart's own rounding.
                go.Bar(
                    x=[_esc(m) for m in per.index], y=per["per_run"], name="per run (mean)",
                    customdata=[formatting.cost(v) for v in per["per_run"]],
                    hovertemplate="%{x}: %{customdata} per run<extra></extra>",
                ),
                go.Bar(
                    x=[_esc(m) for m in per.index], y=per["per_1k"], name="per 1,000 lines",
                    customdata=[formatting.cost(v) for v in per["per_1k"]],
                    hovertemplate="%{x}: %{customdata} per 1,000 lines<extra></extra>",
                ),
            ],
            "Cost per run and per 1,000 lines" + (f" ({unknown} runs with unknown price left out)" if unknown else ""),
            barmode="group",
            yaxis={"tickprefix": "$", "title": {"text": "US$"}},
        )

    for column, title, unit in (
        ("tokens_per_s", "Tokens per second", "tokens/s"),
        ("ttft_s", "Time to first token", "seconds"),
    ):
        part = frame.dropna(subset=[column])
        cap = outlier_cap(part[column].tolist())
        axis: dict[str, Any] = {"title": {"text": unit}}
        if cap is not None:
            # One burst (a whole answer at once) would flatten every other point: clip the axis and say so.
            above = part[part[column] > cap][column]
            axis["range"] = [0, cap * 1.05]
            title += (
                f" · {len(above)} outlier(s) above {formatting.count(cap)} not shown"
                f" (max {formatting.count(above.max())})"
            )
        out[column] = (
            _figure(
                [
                    go.Box(
                        y=part.loc[part["model_id"] == m, column],
                        name=_esc(m),
                        boxpoints="all",
                        jitter=0.4,
                        pointpos=0,
                        marker_color=colour(m),
                    )
                    for m in models
                    if (part["model_id"] == m).any()
                ],
                title if cap is not None else f"{title} per model",
                showlegend=False,
                yaxis=axis,
            )
            if not part.empty
            else None
        )

    checked = frame.dropna(subset=["render_verdict"])
    checked = checked[checked["render_verdict"] != Verdict.NOT_CHECKED]
    if checked.empty:
        out["render_share"] = None
    else:
        share = checked.assign(clean=checked["render_verdict"] == Verdict.RENDERS).groupby("model_id")["clean"]
        values = share.mean()
        out["render_share"] = _figure(
            [
                go.Bar(
                    x=[_esc(m) for m in values.index],
                    y=values,
                    marker_color=[colour(m) for m in values.index],
                    text=[f"{formatting.share(v)} of {n}" for v, n in zip(values, share.size(), strict=False)],
                    textposition="auto",
                )
            ],
            "Share of runs that render cleanly (headless Chromium check)",
            yaxis={"tickformat": ".0%", "range": [0, 1.05]},
        )
    return out


CHARTS = {
    "lines_time": ("Lines vs time", "Lines versus time: no finished runs with both numbers yet."),
    "tokens_per_s": ("Tokens/s", "Tokens per second: no data yet."),
    "ttft_s": ("Time to first token", "Time to first token: no data yet."),
    "cost": ("Cost", "Cost: no run has a known price yet (see Models for the price table)."),
    "render_share": ("Renders", "Render checks: no run has been checked yet."),
}


def metrics_chart(frame: pd.DataFrame, version: str, name: str) -> None:
    """One chart of the metrics page (a key of CHARTS) for the (filtered) runs table."""
    _show(_figures(version, frame)[name], f"chart-{name}", CHARTS[name][1])


def timeline(runs: list[dict[str, Any]]) -> None:
    """Lines over time per model from the stored samples: who started first, who wrote fastest."""
    traces = [
        go.Scatter(
            x=[s[0] for s in run["samples"]],
            y=[s[2] for s in run["samples"]],
            name=_esc(run["model_id"]),
            mode="lines",
            line={"color": colour(run["model_id"])},
            line_shape="hv",
            hovertemplate="%{y:,} lines at %{x:.1f} s<extra>" + _esc(run["model_id"]) + "</extra>",
        )
        for run in runs
        if run["samples"]
    ]
    if not traces:
        st.caption("No timeline samples stored for this comparison.")
        return
    fig = _figure(
        traces,
        "Lines over time",
        xaxis={"title": {"text": "seconds since the request"}},
        yaxis={"title": {"text": "lines so far"}},
    )
    st.plotly_chart(fig, key="chart-timeline", config={"displaylogo": False})
