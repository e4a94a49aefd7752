"""Sweep matrix: prompts as rows, contestants as columns, each cell a run's thumbnail, verdict, lines and cost."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from canvasbench.present import formatting
from canvasbench.present.matrix import build_matrix
from canvasbench.store import reads
from ui import data, state
from ui.matrix import matrix_html
from ui.text import md_iso

ANY = "__any__"  # the sweep picker's "no sweep: pick by category and date" choice


def _sweep_label(sweeps: dict[str, dict[str, Any]], sweep_id: str) -> str:
    if sweep_id == ANY:
        return "Any comparisons (by category and date)"
    s = sweeps.get(sweep_id)
    if s is None:
        return sweep_id
    return (
        f"{formatting.when(s['started_at'])} · {s['comparisons']} prompts × {s['models']} models"
        f" · {s['runs']} runs"
    )


def _chosen_sweep() -> None:
    """Keep the sweep in the URL, so the matrix is a link and Back from a cell returns to it."""
    chosen = st.session_state.get(state.MATRIX_SWEEP)
    if chosen and chosen != ANY:
        st.query_params[state.QP_SWEEP] = chosen
    else:
        st.query_params.pop(state.QP_SWEEP, None)


def _filter() -> reads.MatrixFilter:
    sweeps = {s["sweep_id"]: s for s in data.sweeps()}
    options = [*sweeps, ANY]
    if state.MATRIX_SWEEP not in st.session_state:  # a fresh session: the URL's sweep, else the newest
        wanted = st.query_params.get(state.QP_SWEEP)
        st.session_state[state.MATRIX_SWEEP] = wanted if wanted in sweeps else options[0]
    c1, c2, c3 = st.columns([4, 2, 2])
    sweep = c1.selectbox(
        "Sweep",
        options,
        format_func=lambda s: _sweep_label(sweeps, s),
        key=state.MATRIX_SWEEP,
        on_change=_chosen_sweep,
        help="`canvasbench sweep` runs the suite against several models: each sweep is one matrix. "
        "Or pick comparisons by category and date.",
    )
    if sweep and sweep != ANY:
        return reads.MatrixFilter(sweep_id=sweep)
    categories = data.filter_options()["categories"]
    category = c2.selectbox("Category", categories, index=None, placeholder="All categories", key=state.MATRIX_CATEGORY)
    span = c3.date_input("Date range", value=[], key=state.MATRIX_DATES, format="YYYY-MM-DD")
    days = [d for d in (span if isinstance(span, tuple | list) else [span]) if isinstance(d, date)]
    return reads.MatrixFilter(
        category=category,
        since=days[0].isoformat() if days else None,
        until=days[-1].isoformat() if days else None,
    )


def main() -> None:
    """The filters, then the matrix (or why there is none)."""
    st.title("Sweep matrix")
    flt = _filter()
    found = data.matrix_runs(flt)
    if not found.runs:
        if flt.sweep_id is None and flt == reads.MatrixFilter():
            st.info(
                "No comparisons yet. Run a sweep (`canvasbench sweep --model A --model B --category svg`) "
                "or start comparisons on **New comparison**: each prompt becomes a row, each model a column."
            )
        else:
            st.info("No comparison matches these filters. Pick another sweep, category or date range.")
        return
    matrix = build_matrix(found.runs)
    where = f" of category {md_iso(flt.category, 40)}" if flt.category else ""
    cut = f" (the newest {found.comparisons}; narrow the dates to see older ones)" if found.cut else ""
    st.caption(
        f"{len(matrix.prompts)} prompts × {len(matrix.contestants)} contestants from "
        f"{formatting.count(found.comparisons)} comparisons{where}{cut}. A cell shows the latest run of that "
        "prompt by that model and opens its comparison; repeats are listed under it. Renders = the render "
        "check saw the page run (with or without errors)."
    )
    st.html(matrix_html(matrix))


main()
