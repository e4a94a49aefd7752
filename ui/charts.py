"""Vega-Lite charts for the metrics page: speed, cost, distributions, render share and the generation timeline.

Vega-Lite, not plotly: Streamlit's plotly chart is a 4.7 MB script the browser parses on every cold load
(under load the first chart took 3-4x a one-line page), its Vega-Lite chart about a sixth of that. The
charts use Streamlit's theme, so they follow the light or dark theme; each model has its app-wide colour.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from canvasbench.contestants import PLAN_ROUND
from canvasbench.present import formatting
from canvasbench.present.model_summary import contestant_runs, outlier_cap
from canvasbench.status import Verdict
from ui.colours import scale

HEIGHT = 380
# Text drawn on the page's background (not on a mark): white blended by difference comes out black on a light
# theme and near-white on a dark one, so it reads on either without knowing which is in use.
ON_BACKGROUND = {"color": "#ffffff", "blend": "difference"}
# Long model ids stay whole in tooltips; on an axis or legend they end in "…" past this width.
LABEL_LIMIT = 220
_MAX_POINTS = 2000  # above this many runs: the scatter shows the newest, the distributions only their boxes


def model_colour(models: list[str], *, legend: bool = True) -> dict[str, Any]:
    """The colour encoding of a chart whose marks are per model: each model in its app-wide colour."""
    return {
        "field": "model",
        "type": "nominal",
        "scale": scale(models),
        "legend": {"title": None, "labelLimit": LABEL_LIMIT, "orient": "bottom", "columns": 3} if legend else None,
    }


# Drawn on a canvas: Streamlit draws a chart of up to 2,000 points as SVG, one DOM node per mark (2,000 scatter
# dots took the browser about a second of a cold load's layout and paint, against a fraction on a canvas).
CANVAS = {"embedOptions": {"renderer": "canvas"}}


def spec(title: str, layer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A chart spec with the app's size and title (its data goes in separately, as a DataFrame)."""
    return {"title": {"text": title, "anchor": "start"}, "height": HEIGHT, "usermeta": CANVAS, **layer, **extra}


Chart = tuple[dict[str, Any], "pd.DataFrame | bytes"]


def show(chart: Chart | None, key: str, empty: str) -> None:
    """Draw a (spec, data) chart across the column, or say why there is none (data: a frame or its Arrow bytes)."""
    if chart is None:
        if empty:
            st.caption(empty)
        return
    spec_, data = chart
    if isinstance(data, bytes):
        # Already Arrow (cached): Streamlit takes a named dataset's bytes as they are, no conversion per rerun.
        st.vega_lite_chart({**spec_, "data": {"name": "rows"}, "datasets": {"rows": data}}, key=key, width="stretch")
    else:
        st.vega_lite_chart(data, spec_, key=key, width="stretch")


def _model_axis(models: list[str]) -> dict[str, Any]:
    return {"field": "model", "type": "nominal", "sort": models, "title": None,
            "axis": {"labelLimit": LABEL_LIMIT, "labelAngle": -30}}  # fmt: skip


def _lines_time(frame: pd.DataFrame, models: list[str]) -> tuple[dict[str, Any], pd.DataFrame] | None:
    part = frame.dropna(subset=["lines", "latency_s"])
    if part.empty:
        return None
    title = "Lines written vs total time"
    if len(part) > _MAX_POINTS:
        # Ten thousand dots are a blot that costs the browser seconds to draw: the newest runs (the table's order),
        # and the title says so.
        title += f" · the newest {formatting.count(_MAX_POINTS)} of {formatting.count(len(part))} runs"
        part = part.head(_MAX_POINTS)
    data = pd.DataFrame(
        {"model": part["contestant"], "seconds": part["latency_s"], "lines": part["lines"], "prompt": part["title"]}
    )
    layer = {
        "mark": {"type": "circle", "size": 70, "opacity": 0.8},
        "encoding": {
            "x": {"field": "seconds", "type": "quantitative", "title": "total time (s)"},
            "y": {"field": "lines", "type": "quantitative", "title": "lines"},
            "color": model_colour(models),
            "tooltip": [
                {"field": "model"},
                {"field": "prompt"},
                {"field": "lines", "format": ","},
                {"field": "seconds", "format": ".1f"},
            ],
        },
    }
    return spec(title, layer), data


def _cost(frame: pd.DataFrame, models: list[str]) -> tuple[dict[str, Any], pd.DataFrame] | None:
    priced = frame.dropna(subset=["cost_usd"])
    if priced.empty:
        return None
    per = priced.groupby("contestant").agg(
        per_run=("cost_usd", "mean"), total=("cost_usd", "sum"), lines=("lines", "sum")
    )
    per["per_1k"] = per["total"] / per["lines"].where(per["lines"] > 0) * 1000
    rows = [
        {"model": m, "measure": label, "usd": float(v), "shown": formatting.cost(float(v))}
        for m in per.index
        for label, v in (("per run (mean)", per.at[m, "per_run"]), ("per 1,000 lines", per.at[m, "per_1k"]))
        if pd.notna(v)
    ]
    unknown = len(frame) - len(priced)
    layer = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": _model_axis([m for m in models if m in per.index]),
            "xOffset": {"field": "measure", "sort": ["per run (mean)", "per 1,000 lines"]},
            "y": {"field": "usd", "type": "quantitative", "title": "US$", "axis": {"format": "$.4~f"}},
            "color": model_colour(models, legend=False),
            "opacity": {"field": "measure", "type": "nominal", "sort": ["per run (mean)", "per 1,000 lines"],
                        "scale": {"range": [1.0, 0.45]}, "legend": {"title": None, "orient": "top"}},
            "tooltip": [{"field": "model"}, {"field": "measure"}, {"field": "shown", "title": "cost"}],
        },
    }  # fmt: skip
    title = "Cost per run and per 1,000 lines"
    if unknown:
        title += f" ({formatting.count(unknown)} runs with unknown price left out)"
    return spec(title, layer), pd.DataFrame(rows)


def _distribution(
    frame: pd.DataFrame, models: list[str], column: str, title: str, unit: str
) -> tuple[dict[str, Any], pd.DataFrame] | None:
    part = frame.dropna(subset=[column])
    if part.empty:
        return None
    cap = outlier_cap(part[column].tolist())
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": unit}
    if cap is not None:
        # One burst (a whole answer at once) would flatten every other point: clip the axis and say so.
        above = part[part[column] > cap][column]
        y["scale"] = {"domain": [0, cap * 1.05]}
        title += (
            f" · {len(above)} outlier(s) above {formatting.count(cap)} not shown (max {formatting.count(above.max())})"
        )
        part = part[part[column] <= cap]
    else:
        title += " per model"
    data = pd.DataFrame({"model": part["contestant"], "value": part[column]})
    shown = [m for m in models if m in set(data["model"])]
    x = _model_axis(shown)
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "boxplot", "extent": "min-max", "size": 28, "opacity": 0.55},
         "encoding": {"x": x, "y": y, "color": model_colour(models, legend=False)}},
    ]  # fmt: skip
    if len(data) <= _MAX_POINTS:
        layers.append(
            {"mark": {"type": "circle", "size": 36, "opacity": 0.85},
             "encoding": {"x": x, "y": y, "color": model_colour(models, legend=False),
                          "tooltip": [{"field": "model"}, {"field": "value", "title": unit, "format": ",.2f"}]}}
        )  # fmt: skip
    return spec(title, {"layer": layers}), data


def _render_share(frame: pd.DataFrame, models: list[str]) -> tuple[dict[str, Any], pd.DataFrame] | None:
    checked = frame.dropna(subset=["render_verdict"])
    checked = checked[checked["render_verdict"] != Verdict.NOT_CHECKED]
    if checked.empty:
        return None
    grouped = checked.assign(clean=checked["render_verdict"] == Verdict.RENDERS).groupby("contestant")["clean"]
    data = pd.DataFrame({"share": grouped.mean(), "runs": grouped.size()}).reset_index(names="model")
    data["label"] = [f"{formatting.share(s)} of {n}" for s, n in zip(data["share"], data["runs"], strict=True)]
    x = _model_axis([m for m in models if m in set(data["model"])])
    y = {"field": "share", "type": "quantitative", "title": None, "axis": {"format": ".0%"},
         "scale": {"domain": [0, 1]}}
    tooltip = [{"field": "model"}, {"field": "label", "title": "renders"}]
    layers = [
        {"mark": {"type": "bar"},
         "encoding": {"x": x, "y": y, "color": model_colour(models, legend=False), "tooltip": tooltip}},
        # Above the bar, in the theme's text colour: readable on a light and a dark page.
        {"mark": {"type": "text", "dy": -8, "fontSize": 12, **ON_BACKGROUND},
         "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
    ]  # fmt: skip
    return spec("Share of runs that render cleanly (headless Chromium check)", {"layer": layers}), data


def _build(name: str, frame: pd.DataFrame, models: list[str]) -> tuple[dict[str, Any], pd.DataFrame] | None:
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
    # Only the chart asked for, once per data version and filter (a tab nobody opens costs nothing), kept as
    # Arrow bytes with text as categories: 10,000 points are 0.2 MB, not 0.65.
    if _frame["round"].eq(PLAN_ROUND).any():  # a recipe's planner is no run: its cost goes to the round built on it
        _frame = pd.DataFrame(contestant_runs(_frame.to_dict("records")))
    chart = _build(name, _frame, sorted(_frame["contestant"].dropna().unique()))
    if chart is None:
        return None
    spec_, data = chart
    text = {c: "category" for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])}
    return spec_, dataframe_util.convert_anything_to_arrow_bytes(data.astype(text).reset_index(drop=True))


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


def timeline_figure(runs: list[dict[str, Any]]) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """Lines over time per model from the stored samples: who started first, who wrote fastest."""
    rows = [
        {"model": run.get("contestant") or run["model_id"], "run": run.get("id") or f"{run['model_id']}#{i}",
         "seconds": s[0], "lines": s[2]}
        for i, run in enumerate(runs)
        for s in run["samples"] or []
    ]
    if not rows:
        return None
    models = list(dict.fromkeys(r["model"] for r in rows))
    layer = {
        "mark": {"type": "line", "interpolate": "step-after", "point": False},
        "encoding": {
            "x": {"field": "seconds", "type": "quantitative", "title": "seconds since the request"},
            "y": {"field": "lines", "type": "quantitative", "title": "lines so far"},
            "color": model_colour(models),
            "detail": {"field": "run"},
            "tooltip": [{"field": "model"}, {"field": "lines", "format": ","}, {"field": "seconds", "format": ".1f"}],
        },
    }
    return spec("Lines over time", layer), pd.DataFrame(rows)


def timeline(runs: list[dict[str, Any]]) -> None:
    """Draw the generation timeline of one comparison's runs."""
    show(timeline_figure(runs), "chart-timeline", "No timeline samples stored for this comparison.")
