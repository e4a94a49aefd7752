"""The metrics page's charts, drawn as SVG on the server: speed, cost, distributions, render share, the timeline.

No chart library reaches the browser: a Vega-Lite chart's ~1 MB script compiled on every cold load (~1.4x a
one-line page on its own), plotly's 4.7 MB more. Each chart is one `st.html` block (canvasbench/present/
svg_chart.py): text in the theme's colour, each model in its app-wide colour, a native tooltip on every mark.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from canvasbench.contestants import PLAN_ROUND
from canvasbench.present import formatting
from canvasbench.present.model_summary import contestant_runs, outlier_cap
from canvasbench.present.svg_chart import Axis, Legend, Plot, figure, quartiles
from canvasbench.present.svg_scales import dollars, percent
from canvasbench.status import Verdict
from ui.colours import colour

_MAX_POINTS = 2000  # above this many runs: the scatter shows the newest, the distributions only their boxes
FEW = 400  # up to this many points, each is its own mark with its tooltip; above, one path per model

Chart = str  # a chart's HTML (figure, SVG and legend), cached per data version


def legend(models: list[str], *, shape: str = "50%") -> Legend:
    """Each model's swatch in its app-wide colour."""
    return Legend([(m, colour(m)) for m in models], shape=shape)


def model_axis(models: list[str], title: str | None = None) -> Axis:
    """Models side by side, long ids ending in "…" (the whole id in the label's tooltip)."""
    return Axis("band", categories=models, angle=-30, title=title)


def show(chart: Chart | None, key: str, empty: str) -> None:
    """Draw a chart across the column as one HTML block, or say why there is none (`key`: kept for callers)."""
    if chart is None:
        if empty:
            st.caption(empty)
        return
    # Markdown, not st.html: st.html's sanitiser keeps HTML only and drops the SVG. Every text in the block is
    # escaped and the block was checked against the chart's tags and attributes (svg_chart.checked).
    st.markdown(chart, unsafe_allow_html=True)


def _lines_time(frame: pd.DataFrame, models: list[str]) -> Chart | None:
    part = frame.dropna(subset=["lines", "latency_s"])
    if part.empty:
        return None
    title = "Lines written vs total time"
    if len(part) > _MAX_POINTS:
        # Ten thousand dots are a blot: the newest runs (the table's order), and the title says so.
        title += f" · the newest {formatting.count(_MAX_POINTS)} of {formatting.count(len(part))} runs"
        part = part.head(_MAX_POINTS)
    plot = Plot(
        Axis(lo=min(0.0, float(part["latency_s"].min())), hi=float(part["latency_s"].max()), title="total time (s)"),
        Axis(lo=min(0.0, float(part["lines"].min())), hi=float(part["lines"].max()), title="lines"),
    )
    shown = [m for m in models if m in set(part["contestant"])]
    for model in shown:
        mine = part[part["contestant"] == model]
        xy = [(plot.px(s), plot.py(n)) for s, n in zip(mine["latency_s"], mine["lines"], strict=True)]
        if len(part) <= FEW:
            for (x, y), n, s, prompt in zip(xy, mine["lines"], mine["latency_s"], mine["title"], strict=True):
                tip = [
                    ("model", model),
                    ("prompt", prompt or ""),
                    ("lines", formatting.count(n)),
                    ("seconds", f"{s:.1f}"),
                ]
                plot.point(x, y, colour(model), tip)
        else:  # one node per model: thousands of nodes cost the browser more than the rest of the page
            plot.dots(xy, colour(model), [("model", model), ("runs", formatting.count(len(mine)))])
    return figure(title, plot.svg(title), legend(shown))


MEASURES = ("per run (mean)", "per 1,000 lines")


def _cost(frame: pd.DataFrame, models: list[str]) -> Chart | None:
    priced = frame.dropna(subset=["cost_usd"])
    if priced.empty:
        return None
    per = priced.groupby("contestant").agg(
        per_run=("cost_usd", "mean"), total=("cost_usd", "sum"), lines=("lines", "sum")
    )
    per["per_1k"] = per["total"] / per["lines"].where(per["lines"] > 0) * 1000
    shown = [m for m in models if m in per.index]
    values = [float(v) for v in per[["per_run", "per_1k"]].to_numpy().ravel() if pd.notna(v)]
    plot = Plot(model_axis(shown), Axis(lo=0.0, hi=max(values, default=1.0), title="US$", fmt=dollars))
    half = plot.xb.width / 2
    for model in shown:
        left = plot.xb(model)
        for i, (label, column) in enumerate(zip(MEASURES, ("per_run", "per_1k"), strict=True)):
            value = per.at[model, column]
            if pd.isna(value):
                continue
            tip = [("model", model), ("measure", label), ("cost", formatting.cost(float(value)))]
            x0 = left + i * half
            plot.bar(x0, x0 + half - 1, plot.py(0), plot.py(float(value)), colour(model), tip, opacity=(1.0, 0.45)[i])
    unknown = len(frame) - len(priced)
    title = "Cost per run and per 1,000 lines"
    if unknown:
        title += f" ({formatting.count(unknown)} runs with unknown price left out)"
    key = Legend([(MEASURES[0], "rgba(128,128,128,1)"), (MEASURES[1], "rgba(128,128,128,0.45)")], shape="2px")
    return figure(title, plot.svg(title), key)


def _distribution(frame: pd.DataFrame, models: list[str], column: str, title: str, unit: str) -> Chart | None:
    part = frame.dropna(subset=[column])
    if part.empty:
        return None
    cap = outlier_cap(part[column].tolist())
    top = float(part[column].max())
    if cap is not None:
        # One burst (a whole answer at once) would flatten every other point: clip the axis and say so.
        above = part[part[column] > cap][column]
        title += (
            f" · {len(above)} outlier(s) above {formatting.count(cap)} not shown (max {formatting.count(above.max())})"
        )
        part = part[part[column] <= cap]
        top = cap * 1.05
    else:
        title += " per model"
    shown = [m for m in models if m in set(part["contestant"])]
    plot = Plot(model_axis(shown), Axis(lo=0.0, hi=top, title=unit, nice=cap is None))
    band = plot.xb
    width = min(band.width, 40)
    for model in shown:
        values = [float(v) for v in part.loc[part["contestant"] == model, column]]
        centre = band.centre(model)
        low, q1, median, q3, high = quartiles(values)
        tip = [("model", model), ("runs", formatting.count(len(values))), ("min", f"{low:,.2f}"),
               ("median", f"{median:,.2f}"), ("max", f"{high:,.2f}")]  # fmt: skip
        plot.box(
            centre, width, plot.py(low), plot.py(q1), plot.py(median), plot.py(q3), plot.py(high), colour(model), tip
        )
        # Spread sideways (deterministically) so equal values do not hide each other.
        xy = [(centre + ((i * 0.618) % 1 - 0.5) * width * 0.8, plot.py(v)) for i, v in enumerate(values)]
        if len(part) <= FEW:
            for (x, y), v in zip(xy, values, strict=True):
                plot.point(x, y, colour(model), [("model", model), (unit, f"{v:,.2f}")], r=3.5)
        elif len(part) <= _MAX_POINTS:
            plot.dots(xy, colour(model), [("model", model), ("runs", formatting.count(len(values)))], r=2.5)
    return figure(title, plot.svg(title))


def _render_share(frame: pd.DataFrame, models: list[str]) -> Chart | None:
    checked = frame.dropna(subset=["render_verdict"])
    checked = checked[checked["render_verdict"] != Verdict.NOT_CHECKED]
    if checked.empty:
        return None
    grouped = checked.assign(clean=checked["render_verdict"] == Verdict.RENDERS).groupby("contestant")["clean"]
    share, runs = grouped.mean(), grouped.size()
    shown = [m for m in models if m in share.index]
    plot = Plot(model_axis(shown), Axis(lo=0.0, hi=1.0, fmt=percent))
    for model in shown:
        label = f"{formatting.share(float(share[model]))} of {int(runs[model])}"
        left = plot.xb(model)
        width = plot.xb.width
        top = plot.py(float(share[model]))
        plot.bar(left, left + width, plot.py(0), top, colour(model), [("model", model), ("renders", label)])
        plot.text(left + width / 2, top - 6, label, size=12)  # above the bar, in the theme's text colour
    title = "Share of runs that render cleanly (headless Chromium check)"
    return figure(title, plot.svg(title))


def _build(name: str, frame: pd.DataFrame, models: list[str]) -> Chart | None:
    if name == "lines_time":
        return _lines_time(frame, models)
    if name == "cost":
        return _cost(frame, models)
    if name == "tokens_per_s":
        return _distribution(frame, models, "tokens_per_s", "Tokens per second", "tokens/s")
    if name == "ttft_s":
        return _distribution(frame, models, "ttft_s", "Time to first token", "seconds")
    return _render_share(frame, models)


@st.cache_data(show_spinner=False, max_entries=32)
def _chart(version: str, name: str, _frame: pd.DataFrame) -> Chart | None:
    # Only the chart asked for, once per data version and filter (a tab nobody opens costs nothing).
    if _frame["round"].eq(PLAN_ROUND).any():  # a recipe's planner is no run: its cost goes to the round built on it
        _frame = pd.DataFrame(contestant_runs(_frame.to_dict("records")))
    return _build(name, _frame, sorted(_frame["contestant"].dropna().unique()))


CHARTS = {
    "lines_time": ("Lines vs time", "Lines versus time: no finished runs with both numbers yet."),
    "tokens_per_s": ("Tokens/s", "Tokens per second: no data yet."),
    "ttft_s": ("Time to first token", "Time to first token: no data yet."),
    "cost": ("Cost", "Cost: no run has a known price yet (see Models for the price table)."),
    "render_share": ("Renders", "Render checks: no run has been checked yet."),
}


def metrics_chart(frame: pd.DataFrame, version: str, name: str) -> None:
    """One chart of the metrics page (a key of CHARTS) for the (filtered) runs table."""
    show(_chart(version, name, frame), f"chart-{name}", CHARTS[name][1])


def timeline_figure(runs: list[dict[str, Any]]) -> Chart | None:
    """Lines over time per model from the stored samples: who started first, who wrote fastest."""
    lanes = [
        (run.get("contestant") or run["model_id"], [(float(s[0]), float(s[2])) for s in run["samples"] or []])
        for run in runs
    ]
    lanes = [(m, samples) for m, samples in lanes if samples]
    if not lanes:
        return None
    every = [p for _, samples in lanes for p in samples]
    plot = Plot(
        Axis(lo=0.0, hi=max(s for s, _ in every), title="seconds since the request"),
        Axis(lo=0.0, hi=max(n for _, n in every), title="lines so far"),
    )
    for model, samples in lanes:
        xy = [(plot.px(s), plot.py(n)) for s, n in samples]
        last_s, last_n = samples[-1]
        last = [("model", model), ("lines", formatting.count(last_n)), ("seconds", f"{last_s:.1f}")]
        plot.line(xy, colour(model), last, step=True)
        if len(every) <= FEW:
            for (x, y), (s, n) in zip(xy, samples, strict=True):
                tip = [("model", model), ("lines", formatting.count(n)), ("seconds", f"{s:.1f}")]
                plot.point(x, y, colour(model), tip, r=2.5)
    models = list(dict.fromkeys(m for m, _ in lanes))
    return figure("Lines over time", plot.svg("Lines over time"), legend(models))


def timeline(runs: list[dict[str, Any]]) -> None:
    """Draw the generation timeline of one comparison's runs."""
    show(timeline_figure(runs), "chart-timeline", "No timeline samples stored for this comparison.")
