"""Leaderboard: Bradley–Terry ratings by human votes, by the AI judge, or both, with cost, speed and render rate."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from canvasbench.arena.leaderboard import Leaderboard, leaderboard
from canvasbench.arena.pairing import arena_comparisons
from canvasbench.present import formatting
from canvasbench.store.reads import ArenaFilter
from ui import charts, data, leaderboard_charts, round_charts
from ui.format import md

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
c1, c2, c3 = st.columns([1.4, 1, 1.4])
BASES = {"human": "Human votes", "judge": "AI judge", "both": "Both"}
by = c1.segmented_control("Rank by", list(BASES), default="human", key="leaderboard.by", format_func=BASES.__getitem__)
category = c2.selectbox("Category", ["All", *categories], key="leaderboard.category")
span = c3.date_input("Date range", value=[], key="leaderboard.dates", format="YYYY-MM-DD")
days = [d for d in (span if isinstance(span, tuple | list) else [span]) if isinstance(d, date)]
filters = {
    "category": None if category == "All" else category,
    "since": days[0].isoformat() if days else None,
    "until": days[-1].isoformat() if len(days) > 1 else None,
}

COLUMNS = {
    "rank": st.column_config.NumberColumn("#", width="small"),
    "model": st.column_config.TextColumn("Contestant", help="A model, or a build recipe under its name"),
    "rating": st.column_config.NumberColumn("Rating", format="%.0f"),
    "ci_low": st.column_config.NumberColumn("95% low", format="%.0f"),
    "ci_high": st.column_config.NumberColumn("95% high", format="%.0f"),
    "votes": st.column_config.NumberColumn("Outcomes"),
    "median_cost_usd": st.column_config.TextColumn("Median cost / generation"),
    "median_latency_s": st.column_config.NumberColumn("Median latency", format="%.1f s"),
    "render_share": st.column_config.ProgressColumn("Renders", min_value=0.0, max_value=1.0, format="percent"),
    "runs": st.column_config.NumberColumn("Runs"),
}


def show(board: Leaderboard, label: str) -> None:
    """One ranked table with its charts."""
    st.subheader(label)
    if not board.rows:
        source = "arena votes (Arena page)" if board.by == "human" else "judgments (`canvasbench judge`)"
        st.info(f"No {source} match these filters yet.")
        return
    table = pd.DataFrame(board.rows)
    # Costs as text: a column format would print a real charge of $0.00004 as $0.0000.
    table["median_cost_usd"] = [formatting.cost(c) for c in table["median_cost_usd"]]
    st.dataframe(table, column_config=COLUMNS, hide_index=True, width="stretch")
    st.caption(f"Fitted on {board.outcomes} pairwise outcomes.")
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
    st.metric(
        "Judge agrees with human votes",
        formatting.share(agreement.rate),
        help=None,
    )
    st.caption(f"On {agreement.agree} of {agreement.pairs} pairs of runs that have both votes and a judge verdict.")
else:
    st.caption("Judge–human agreement: no pair of runs has both human votes and a judge verdict yet.")
for basis, board in boards.items():
    show(board, "Human votes" if basis == "human" else "AI judge")
if by == "both" and all(b.rows for b in boards.values()):
    st.caption(md("Same filters for both rankings; a model missing from one has no outcomes there."))
round_charts.section("leaderboard")  # beside the ratings: what it takes to get a page that works
