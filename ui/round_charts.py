"""Repair rounds across comparisons, as server-drawn SVG charts: the pass@round curve and cost per acceptable page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from canvasbench.present import formatting
from canvasbench.present.pass_at_round import pass_at_round, round_costs
from canvasbench.present.svg_chart import Axis, Plot, figure
from canvasbench.present.svg_scales import dollars, percent
from canvasbench.run.attempts import attempt_rows
from canvasbench.store import reads
from ui import data
from ui.charts import Chart, legend, model_axis, show
from ui.colours import colour


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
    models = list(dict.fromkeys(p.model for p in points))
    rounds = [str(k) for k in sorted({p.k for p in points})]
    plot = Plot(
        Axis("band", categories=rounds, title="repair rounds allowed (k)", padding=0.0),
        Axis(lo=0.0, hi=1.0, title="acceptable within k rounds", fmt=percent),
    )
    for model in models:
        mine = sorted((p for p in points if p.model == model), key=lambda p: p.k)
        xy = [(plot.xb.centre(str(p.k)), plot.py(p.share)) for p in mine]
        plot.line(xy, colour(model))
        for (x, y), p in zip(xy, mine, strict=True):
            tip = [("model", model), ("within rounds", str(p.k)), ("share", formatting.share(p.share)),
                   ("acceptable", f"{p.acceptable} of {p.attempts}")]  # fmt: skip
            plot.point(x, y, colour(model), tip, r=5, opacity=1.0)
    title = "pass@round: acceptable pages within k repair rounds"
    return figure(title, plot.svg(title), legend(models))


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
    plot = Plot(model_axis(models), Axis(lo=0.0, hi=float(frame["per_acceptable"].max()),
                                         title="USD per acceptable page", fmt=dollars))  # fmt: skip
    for row in frame.to_dict("records"):
        left = plot.xb(row["model"])
        tip = [("model", row["model"]), ("per acceptable page", f"${row['per_acceptable']:,.4f}"),
               ("spent in all", row["spent"]), ("acceptable", row["acceptable"])]  # fmt: skip
        plot.bar(left, left + plot.xb.width, plot.py(0), plot.py(row["per_acceptable"]), colour(row["model"]), tip)
    title = "Cost per acceptable page (all spending, failures included)"
    return figure(title, plot.svg(title))


def cost_vs_rounds(rows: list[dict[str, Any]]) -> Chart | None:
    """Per contestant: cost per acceptable page against its mean repair rounds to acceptable."""
    frame = cost_frame(rows).dropna(subset=["per_acceptable", "mean_rounds"])
    if frame.empty:
        return None
    models = list(frame["model"])
    # Axes from 0 to a little past the largest value: a point on the plot's edge would be cut in half.
    most_rounds = max(int(r.get("repair") or 0) for r in rows) + 0.25
    most_cost = float(frame["per_acceptable"].max()) * 1.15
    plot = Plot(
        Axis(lo=0.0, hi=most_rounds, title="mean repair rounds to acceptable", nice=False),
        Axis(lo=0.0, hi=most_cost, title="USD per acceptable page", fmt=dollars),
    )
    for row in frame.to_dict("records"):
        tip = [("model", row["model"]), ("mean rounds", f"{row['mean_rounds']:.2f}"),
               ("per acceptable page", f"${row['per_acceptable']:,.4f}"),
               ("acceptable", row["acceptable"])]  # fmt: skip
        plot.point(plot.px(row["mean_rounds"]), plot.py(row["per_acceptable"]), colour(row["model"]), tip, r=7,
                   opacity=1.0)  # fmt: skip
    title = "Cost per acceptable page against rounds"
    return figure(title, plot.svg(title), legend(models))


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
