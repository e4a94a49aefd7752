"""Leaderboard: Bradley–Terry ratings by human votes, by the AI judge, or both, with cost, speed and render rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from canvasbench.arena.leaderboard import Leaderboard, leaderboard
from canvasbench.arena.pairing import arena_comparisons
from canvasbench.present import formatting
from canvasbench.store.reads import ArenaFilter
from ui import charts, data, date_filter, leaderboard_charts, round_charts
from ui.format import md
from ui.html_table import Bar, Cell, show_figures, table_html
from ui.text import md_iso

store = data.store()


@st.cache_data(show_spinner="Fitting ratings…", max_entries=32)
def _board(
    path: str, data_version: str, by: str, category: str | None, since: str | None, until: str | None
) -> Leaderboard:
    # The bootstrap refits 300 times: once per database state and filter, not on every rerun.
    return leaderboard(store, by=by, scope=ArenaFilter(category, since, until))  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=8)
def _categories(path: str, data_version: str) -> list[str]:
    # Three queries per comparison: at 10,000 runs a quarter of a second, once per database state.
    return sorted({c["category"] for c in arena_comparisons(store) if c["category"]})


st.title("Leaderboard")
st.caption(
    "Bradley–Terry ratings on an Elo-like scale (400 points = 10:1 odds; the mean is 1000), with 95% intervals "
    "from a bootstrap over the votes. Ties and “both bad” count as half a win each way."
)

categories = _categories(str(store.path), data.version())
if st.session_state.get("leaderboard.category") not in (None, "All", *categories):
    st.session_state["leaderboard.category"] = "All"  # a category the database no longer has
BASES = {"human": "Human votes", "judge": "AI judge", "both": "Both"}
# What to rank by, the category and the dates in one menu that says what is in effect: closed, it draws nothing in
# the browser (a segmented control, a selectbox and a date picker were the costliest part of a cold load, the
# control's own script alone about a fifth of the one-line page's time); its widgets still run here. The ranking
# in effect is also the heading over each table.
chosen = st.session_state.get("leaderboard.category") or "All"
RANKED = {**BASES, "both": "Human votes and AI judge"}
# A category is imported text: escaped (a label is markdown) and bidi-isolated (an override would reverse the rest).
label = " · ".join([RANKED.get(st.session_state.get("leaderboard.by") or "human", "Human votes"),
                    "All categories" if chosen == "All" else md_iso(chosen, 40),
                    md(date_filter.span_label(date_filter.chosen_days("leaderboard.dates")))])  # fmt: skip
with st.popover(label, icon=":material/filter_list:", width="content"):
    by = st.segmented_control(
        "Rank by", list(BASES), default="human", key="leaderboard.by", format_func=BASES.__getitem__
    )
    category = st.selectbox("Category", ["All", *categories], key="leaderboard.category")
    since, until = date_filter.picker("leaderboard.dates")
filters = {"category": None if category == "All" else category, "since": since, "until": until}


def _number(value: object, fmt: str = "{:,.0f}") -> str:
    return "" if value is None or value != value else fmt.format(value)  # NaN != NaN: not measured


# The table's columns: (row key, heading, cell). Ten rows a user reads, not sorts: HTML, not a data grid, whose
# script was the largest part of the page's cold load.
COLUMNS: list[tuple[str, str, Callable[[Any], Cell]]] = [
    ("rank", "#", _number),
    ("model", "Contestant", lambda v: "" if v is None else str(v)),  # a model, or a recipe by its name
    ("rating", "Rating", _number),
    ("ci_low", "95% low", _number),
    ("ci_high", "95% high", _number),
    ("votes", "Outcomes", lambda v: _number(v, "{:,.0f}" if float(v or 0).is_integer() else "{:,.1f}")),
    # Costs as text at their own precision: a real charge of $0.00004 is "<$0.0001", never "$0.0000".
    ("median_cost_usd", "Median cost / generation", formatting.cost),
    ("median_latency_s", "Median latency", lambda v: _number(v, "{:.1f} s")),
    ("render_share", "Renders", lambda v: Bar(v, formatting.share(v, unknown=""))),
    ("runs", "Runs", _number),
]
NOTE = "font-size:0.875rem;opacity:0.6;margin-top:0.5rem"  # as a caption reads, on either theme
RIGHT = [i for i, (key, _, _) in enumerate(COLUMNS) if key not in ("model", "render_share")]


def show(board: Leaderboard, label: str) -> None:
    """One ranked table with its charts."""
    st.subheader(label)
    if not board.rows:
        source = "arena votes (Arena page)" if board.by == "human" else "judgments (`canvasbench judge`)"
        st.info(f"No {source} match these filters yet.")
        return
    table = table_html(
        f"leaderboard-{board.by}",
        [heading for _, heading, _ in COLUMNS],
        [[cell(row.get(key)) for key, _, cell in COLUMNS] for row in board.rows],
        right=RIGHT,
    )
    # The note under the table in the same block: one element fewer for the browser to draw on a cold load.
    st.html(table + f'<div style="{NOTE}">Fitted on {board.outcomes:,} pairwise outcomes.</div>')
    order = [r["model"] for r in board.rows]
    # One above the other, each across the page: side by side, ten models left cells too small for their labels.
    charts.show(leaderboard_charts.win_rate_heatmap(board.fit, order), f"leaderboard.heat.{board.by}", "")
    charts.show(
        leaderboard_charts.strength_vs_cost(board.rows, label.lower()),
        f"leaderboard.cost.{board.by}",
        "No model here has a known price: no cost–quality chart.",
    )


bases = ["human", "judge"] if by == "both" else [by or "human"]
boards = {b: _board(str(store.path), data.version(), b, **filters) for b in bases}
agreement = next(iter(boards.values())).agreement
if agreement.pairs:
    # One HTML figure, not a metric element and a caption: an element fewer (and its script) on a cold load.
    show_figures(
        [
            (
                "Judge agrees with human votes",
                formatting.share(agreement.rate),
                f"On {agreement.agree} of {agreement.pairs} pairs of runs that have both votes and a judge verdict.",
            )
        ]
    )
else:
    st.caption("Judge–human agreement: no pair of runs has both human votes and a judge verdict yet.")
for basis, board in boards.items():
    show(board, "Human votes" if basis == "human" else "AI judge")
if by == "both" and all(b.rows for b in boards.values()):
    st.caption(md("Same filters for both rankings; a model missing from one has no outcomes there."))
round_charts.section("leaderboard")  # beside the ratings: what it takes to get a page that works
