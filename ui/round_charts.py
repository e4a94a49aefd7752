"""Repair rounds across comparisons, as Vega-Lite charts: the pass@round curve and cost per acceptable page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from canvasbench.present import formatting
from canvasbench.present.pass_at_round import pass_at_round, round_costs
from canvasbench.run.attempts import attempt_rows
from canvasbench.store import reads
from ui import data
from ui.charts import LABEL_LIMIT, Chart, model_colour, show, spec


@st.cache_data(show_spinner=False, max_entries=8)
def attempts_table(path: str, version: str) -> list[dict[str, Any]]:
    """The attempts export's rows for the whole database (cached per database and data version): per contestant,
    a recipe under its name with its planner's cost in its totals."""
    return attempt_rows(reads.round_rows(data.store()))


def within(rows: list[dict[str, Any]], frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The attempts of the contestants and comparisons among `frame`'s runs (a page's filtered runs); all without."""
    if frame is None or "contestant" not in frame:
        return rows
    shown = set(zip(frame["comparison_id"], frame["contestant"], strict=True))
    return [r for r in rows if (r["comparison_id"], r["model"]) in shown]


def pass_curve(rows: list[dict[str, Any]]) -> Chart | None:
    """Per contestant: the share of its attempts acceptable within k repair rounds, k = 0..N, counts in the tooltip."""
    points = pass_at_round(rows)
    if not points:
        return None
    frame = pd.DataFrame(
        {
            "model": [p.model for p in points],
            "k": [p.k for p in points],
            "share": [p.share for p in points],
            "count": [f"{p.acceptable} of {p.attempts}" for p in points],
        }
    )
    models = list(dict.fromkeys(frame["model"]))
    layer = {
        "mark": {"type": "line", "point": {"size": 70}},
        "encoding": {
            "x": {"field": "k", "type": "ordinal", "title": "repair rounds allowed (k)", "axis": {"labelAngle": 0}},
            "y": {
                "field": "share",
                "type": "quantitative",
                "title": "acceptable within k rounds",
                "axis": {"format": ".0%"},
                "scale": {"domain": [0, 1]},
            },
            "color": model_colour(models),
            "tooltip": [
                {"field": "model"},
                {"field": "k", "title": "within rounds"},
                {"field": "share", "format": ".0%"},
                {"field": "count", "title": "acceptable"},
            ],
        },
    }
    return spec("pass@round: acceptable pages within k repair rounds", layer), frame


def cost_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per contestant: spent, acceptable pages, cost per acceptable page and mean rounds to acceptable."""
    costs = round_costs(rows)
    return pd.DataFrame(
        {
            "model": [c.model for c in costs],
            "per_acceptable": [c.per_acceptable for c in costs],
            "mean_rounds": [c.mean_rounds for c in costs],
            "spent": [
                formatting.cost(c.spent_usd) + (f" ({c.unknown} cost unknown)" if c.unknown else "") for c in costs
            ],
            "acceptable": [f"{c.acceptable} of {c.attempts}" for c in costs],
        }
    )


def cost_per_acceptable(rows: list[dict[str, Any]]) -> Chart | None:
    """Per contestant: total spent (failures included) / acceptable pages, as bars."""
    frame = cost_frame(rows).dropna(subset=["per_acceptable"])
    if frame.empty:
        return None
    models = list(frame["model"])
    layer = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "model",
                "type": "nominal",
                "sort": models,
                "title": None,
                "axis": {"labelLimit": LABEL_LIMIT, "labelAngle": -30},
            },
            "y": {
                "field": "per_acceptable",
                "type": "quantitative",
                "title": "USD per acceptable page",
                "axis": {"format": "$.3~g"},
            },
            "color": model_colour(models, legend=False),
            "tooltip": [
                {"field": "model"},
                {"field": "per_acceptable", "title": "per acceptable page", "format": "$.4f"},
                {"field": "spent", "title": "spent in all"},
                {"field": "acceptable"},
            ],
        },
    }
    return spec("Cost per acceptable page (all spending, failures included)", layer), frame


def cost_vs_rounds(rows: list[dict[str, Any]]) -> Chart | None:
    """Per contestant: cost per acceptable page against its mean repair rounds to acceptable."""
    frame = cost_frame(rows).dropna(subset=["per_acceptable", "mean_rounds"])
    if frame.empty:
        return None
    models = list(frame["model"])
    # Axes from 0 to a little past the largest value: a point on the plot's edge would be cut in half.
    most_rounds = max(int(r.get("repair") or 0) for r in rows) + 0.25
    most_cost = float(frame["per_acceptable"].max()) * 1.15
    layer = {
        "mark": {"type": "point", "filled": True, "size": 120},
        "encoding": {
            "x": {
                "field": "mean_rounds",
                "type": "quantitative",
                "title": "mean repair rounds to acceptable",
                "scale": {"domain": [0, most_rounds], "nice": False},
            },
            "y": {
                "field": "per_acceptable",
                "type": "quantitative",
                "title": "USD per acceptable page",
                "axis": {"format": "$.3~g"},
                "scale": {"domain": [0, most_cost]},
            },
            "color": model_colour(models),
            "tooltip": [
                {"field": "model"},
                {"field": "mean_rounds", "title": "mean rounds", "format": ".2f"},
                {"field": "per_acceptable", "title": "per acceptable page", "format": "$.4f"},
                {"field": "acceptable"},
            ],
        },
    }
    return spec("Cost per acceptable page against rounds", layer), frame


def section(key: str, frame: pd.DataFrame | None = None) -> None:
    """The repair-round charts, when some comparison asked for repair rounds (else nothing); with `frame`, the
    runs a page's filters chose, only the attempts among them."""
    rows = attempts_table(str(data.store().path), data.version())
    if not any(int(r.get("repair") or 0) for r in rows):
        return
    rows = within(rows, frame)
    st.header("Repair rounds")
    if not rows:
        st.caption("No contestant among the runs these filters chose asked for repair rounds.")
        return
    st.caption(
        "Each contestant of each comparison is one attempt; it is acceptable within k rounds when its first answer "
        "(k = 0) or one of its first k repair rounds was acceptable as its comparison defined it. Costs add every "
        "round run, failed ones included, and a recipe's planner (`canvasbench export --table attempts` has the rows)."
    )
    # One above the other, each across the page: side by side, the legends of a few long model ids were cut off.
    show(pass_curve(rows), f"{key}.pass_at_round", "")
    show(cost_per_acceptable(rows), f"{key}.cost_per_acceptable", "No acceptable page with a known cost yet.")
    show(cost_vs_rounds(rows), f"{key}.cost_vs_rounds", "")
