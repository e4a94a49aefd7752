"""The report's plotly figures, per contestant in its colour; each is None when there is nothing to draw.

plotly is imported here only: this module loads when a report is built, never for `canvasbench --help`.
Every text of ours or the database's goes through `esc` first: plotly reads `<b>`, `<a href>` and entities in
names, hover texts and tick labels, so a prompt title is shown as written, never as markup.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from plotly import graph_objects as go

from canvasbench.contestants import contestant
from canvasbench.present import formatting
from canvasbench.present.model_summary import outlier_cap
from canvasbench.present.pass_at_round import pass_at_round, round_costs
from canvasbench.status import Verdict

Colours = Mapping[str, str]
Row = Mapping[str, Any]
HEIGHT = 420
HOVER = "%{hovertext}<extra></extra>"  # our own hover text only: plotly's trace box would repeat the name


def esc(text: object) -> str:
    """Text as plotly shows it literally (plotly reads tags and entities in labels)."""
    return html.escape(str(text), quote=False)


def _figure(title: str, traces: Sequence[Any], **layout: Any) -> go.Figure:
    fig = go.Figure(data=list(traces))
    fig.update_layout(
        title={"text": esc(title), "x": 0, "xanchor": "left"},
        template="plotly_white",
        height=HEIGHT,
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        hoverlabel={"namelength": -1},
        legend={"orientation": "h", "y": -0.18},
        **layout,
    )
    return fig


def _by_contestant(rows: Sequence[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(contestant(row), []).append(row)
    return dict(sorted(grouped.items()))


def lines_vs_time(runs: Sequence[Row], colours: Colours) -> go.Figure | None:
    """Lines written against total time, a point per run (its prompt in the hover)."""
    timed = [r for r in runs if r.get("lines") is not None and r.get("latency_s") is not None]
    if not timed:
        return None
    traces = []
    for name, mine in _by_contestant(timed).items():
        traces.append(go.Scatter(
            name=esc(name), mode="markers", x=[r["latency_s"] for r in mine], y=[r["lines"] for r in mine],
            marker={"color": colours[name], "size": 9, "opacity": 0.8}, hovertemplate=HOVER,
            hovertext=[f"{esc(name)}<br>{esc(r.get('title') or r.get('prompt_id') or '')}<br>"
                       f"{formatting.count(r['lines'])} lines in {r['latency_s']:.1f} s" for r in mine],
        ))  # fmt: skip
    return _figure("Lines written against total time", traces,
                   xaxis={"title": {"text": "total time (s)"}}, yaxis={"title": {"text": "lines"}})  # fmt: skip


def distribution(
    runs: Sequence[Row], colours: Colours, column: str, title: str, unit: str, shown: Callable[[float], str]
) -> go.Figure | None:
    """A box per contestant with every run as a point; a burst far above the rest is out of the first view."""
    measured = [r for r in runs if r.get(column) is not None]
    if not measured:
        return None
    traces = []
    for name, mine in _by_contestant(measured).items():
        median = f"median {shown(statistics.median(r[column] for r in mine))}"
        # Hover on the points (each run, with the contestant's median): the box's own statistics would get
        # the points' text template and show nothing.
        traces.append(go.Box(
            name=esc(name), y=[r[column] for r in mine], boxpoints="all", jitter=0.35, pointpos=0,
            marker={"color": colours[name], "size": 7}, line={"color": colours[name]}, showlegend=False,
            hoveron="points", hovertemplate=HOVER,
            hovertext=[f"{esc(name)}<br>{esc(r.get('title') or '')}<br>{shown(r[column])} ({median})" for r in mine],
        ))  # fmt: skip
    yaxis: dict[str, Any] = {"title": {"text": unit}, "rangemode": "tozero"}
    cap = outlier_cap([r[column] for r in measured])
    if cap is not None:
        # One burst (a whole answer at once) would flatten every other box: the first view stops above the
        # rest, and the points beyond are still there for the toolbar's Autoscale.
        above = [r[column] for r in measured if r[column] > cap]
        yaxis["range"] = [0, cap * 1.05]
        title += f" · {len(above)} above {shown(cap)} out of view (max {shown(max(above))}): Autoscale shows them"
    return _figure(title, traces, yaxis=yaxis)


def cost_per_run(runs: Sequence[Row], colours: Colours) -> go.Figure | None:
    """Mean cost of a run per contestant, over the runs with a known price (the others are counted in the title)."""
    priced = [r for r in runs if r.get("cost_usd") is not None]
    if not priced:
        return None
    traces = []
    everyone = _by_contestant(runs)
    for name, mine in _by_contestant(priced).items():
        costs = [float(r["cost_usd"]) for r in mine]
        lines = sum(int(r.get("lines") or 0) for r in mine)
        mean = statistics.fmean(costs)
        per_1k = formatting.cost(sum(costs) / lines * 1000) if lines else "unknown"
        traces.append(go.Bar(
            name=esc(name), x=[esc(name)], y=[mean], marker={"color": colours[name]}, showlegend=False,
            hovertemplate=HOVER,
            hovertext=[f"{esc(name)}<br>mean {formatting.cost(mean)} a run, median "
                       f"{formatting.cost(statistics.median(costs))}<br>{formatting.cost(sum(costs))} for "
                       f"{len(mine)} of {len(everyone[name])} runs priced<br>{per_1k} per 1,000 lines"],
        ))  # fmt: skip
    title = "Cost per run (mean)"
    unknown = len(runs) - len(priced)
    if unknown:
        title += f" · {formatting.count(unknown)} runs with an unknown price left out"
    return _figure(title, traces, yaxis={"title": {"text": "US$ per run"}, "tickformat": "$.3~g"})


def render_share(runs: Sequence[Row], colours: Colours) -> go.Figure | None:
    """Share of each contestant's render-checked runs that render cleanly, with the count behind it."""
    checked = [r for r in runs if r.get("render_verdict") not in (None, Verdict.NOT_CHECKED)]
    if not checked:
        return None
    traces = []
    for name, mine in _by_contestant(checked).items():
        clean = sum(1 for r in mine if r["render_verdict"] == Verdict.RENDERS)
        traces.append(go.Bar(
            name=esc(name), x=[esc(name)], y=[clean / len(mine)], marker={"color": colours[name]}, showlegend=False,
            text=[f"{clean} of {len(mine)}"], textposition="outside", hovertemplate=HOVER,
            hovertext=[f"{esc(name)}<br>renders cleanly: {clean} of {len(mine)} checked runs"],
        ))  # fmt: skip
    return _figure("Share of runs that render cleanly (headless Chromium check)", traces,
                   yaxis={"range": [0, 1.1], "tickformat": ".0%"})  # fmt: skip


def pass_curve(attempts: Sequence[Row], colours: Colours) -> go.Figure | None:
    """pass@round: per contestant, the share of its attempts acceptable within k repair rounds, counts in the hover."""
    points = pass_at_round(attempts)
    if not points:
        return None
    traces = []
    for name in sorted({p.model for p in points}):
        mine = sorted((p for p in points if p.model == name), key=lambda p: p.k)
        traces.append(go.Scatter(
            name=esc(name), mode="lines+markers", x=[p.k for p in mine], y=[p.share for p in mine],
            line={"color": colours[name]}, marker={"size": 9}, hovertemplate=HOVER,
            hovertext=[f"{esc(name)}<br>within {p.k} repair rounds: {formatting.share(p.share)}<br>"
                       f"acceptable: {p.acceptable} of {p.attempts}" for p in mine],
        ))  # fmt: skip
    return _figure("pass@round: acceptable pages within k repair rounds", traces,
                   xaxis={"title": {"text": "repair rounds allowed (k)"}, "dtick": 1},
                   yaxis={"title": {"text": "acceptable within k rounds"}, "range": [0, 1.05],
                          "tickformat": ".0%"})  # fmt: skip


def cost_per_acceptable(attempts: Sequence[Row], colours: Colours) -> go.Figure | None:
    """Per contestant: everything its rounds cost (failures included) divided by its acceptable pages."""
    costs = [c for c in round_costs(attempts) if c.per_acceptable is not None]
    if not costs:
        return None
    traces = []
    for c in sorted(costs, key=lambda c: c.model):
        rounds = "" if c.mean_rounds is None else f"<br>mean repair rounds to acceptable: {c.mean_rounds:.2f}"
        traces.append(go.Bar(
            name=esc(c.model), x=[esc(c.model)], y=[c.per_acceptable], marker={"color": colours[c.model]},
            showlegend=False, hovertemplate=HOVER,
            hovertext=[f"{esc(c.model)}<br>{formatting.cost(c.per_acceptable)} per acceptable page<br>"
                       f"spent {formatting.cost(c.spent_usd)} in all; acceptable {c.acceptable} of {c.attempts}"
                       + rounds],
        ))  # fmt: skip
    return _figure("Cost per acceptable page (all spending, failures included)", traces,
                   yaxis={"title": {"text": "US$ per acceptable page"}, "tickformat": "$.3~g"})  # fmt: skip


def ratings(rows: Sequence[Row], colours: Colours, basis: str, outcomes: int) -> go.Figure | None:
    """Bradley–Terry ratings, best first, each with its 95% bootstrap interval as an error bar."""
    if not rows:
        return None
    traces = []
    for r in rows:
        name = str(r["model"])
        renders = "" if r.get("render_share") is None else f"; renders {formatting.share(r['render_share'])}"
        traces.append(go.Scatter(
            name=esc(name), mode="markers", x=[esc(name)], y=[r["rating"]],
            error_y={"type": "data", "symmetric": False, "array": [r["ci_high"] - r["rating"]],
                     "arrayminus": [r["rating"] - r["ci_low"]], "color": colours[name], "thickness": 2},
            marker={"color": colours[name], "size": 12}, showlegend=False, hovertemplate=HOVER,
            hovertext=[f"#{r['rank']} {esc(name)}<br>rating {r['rating']:.0f} (95%: {r['ci_low']:.0f}–"
                       f"{r['ci_high']:.0f})<br>{r['votes']} outcomes; median cost "
                       f"{formatting.cost(r.get('median_cost_usd'))}{renders}"],
        ))  # fmt: skip
    fig = _figure(f"Bradley–Terry rating by {basis}, with 95% intervals ({outcomes} pairwise outcomes)", traces,
                  yaxis={"title": {"text": "rating (mean 1000; 400 points = 10:1 odds)"}},
                  xaxis={"categoryorder": "array", "categoryarray": [esc(r["model"]) for r in rows]})  # fmt: skip
    fig.add_hline(y=1000, line={"dash": "dot", "color": "#888888", "width": 1})
    return fig
