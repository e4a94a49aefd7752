"""Sweep matrix: prompts as rows, contestants as columns, each cell a run's thumbnail, verdict, lines and cost."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import streamlit as st

from canvasbench.present import formatting
from canvasbench.present.matrix import build_matrix
from canvasbench.store import reads
from ui import data, state
from ui.matrix import matrix_html
from ui.text import md_iso

ROWS_PER_PAGE = 10  # prompts per page of the matrix: about two screens of rows at 1440x900
PAGE = "matrix.page"
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


QP_PAGE, QP_CATEGORY = "page", "category"  # in the URL: a cell is a plain link, and Back reloads the matrix from it


def _first_page() -> None:
    st.session_state[PAGE] = 0


def _start_from_url(categories: list[str]) -> None:
    """A fresh session takes the page and category its URL names (Back from a cell's comparison)."""
    wanted = st.query_params.get(QP_CATEGORY)
    if state.MATRIX_CATEGORY not in st.session_state and wanted in categories:
        st.session_state[state.MATRIX_CATEGORY] = wanted
    if PAGE not in st.session_state:
        page = st.query_params.get(QP_PAGE) or ""
        st.session_state[PAGE] = int(page) - 1 if page.isdigit() and int(page) > 0 else 0


def _keep_in_url(page_no: int, category: str | None) -> None:
    """The page and category in the URL (only what changed is written)."""
    for name, value in ((QP_PAGE, str(page_no + 1) if page_no else None), (QP_CATEGORY, category)):
        if value and st.query_params.get(name) != value:
            st.query_params[name] = value
        elif not value and name in st.query_params:
            del st.query_params[name]


def _chosen_sweep_first_page() -> None:
    _chosen_sweep()
    _first_page()


def _by_category_and_date() -> reads.MatrixFilter:
    """Category and dates in one menu: its two widgets (a date picker is among the costliest) are drawn on a click."""
    categories = data.filter_options()["categories"]
    _start_from_url(categories)
    chosen = st.session_state.get(state.MATRIX_CATEGORY)
    dates = [d for d in st.session_state.get(state.MATRIX_DATES) or [] if isinstance(d, date)]
    # A label is markdown (links, images) and one line: a category is imported text, escaped and bidi-isolated.
    between = " to ".join(sorted({d.isoformat() for d in dates})) or "any date"
    label = f"{md_iso(chosen, 50) if chosen else 'All categories'} · {between}"
    with st.popover(label, icon=":material/filter_list:", width="content"):
        category = st.selectbox(
            "Category", categories, index=None, placeholder="All categories", key=state.MATRIX_CATEGORY,
            on_change=_first_page,
        )  # fmt: skip
        span = st.date_input("Date range", value=[], key=state.MATRIX_DATES, format="YYYY-MM-DD", on_change=_first_page)
    days = [d for d in (span if isinstance(span, tuple | list) else [span]) if isinstance(d, date)]
    return reads.MatrixFilter(
        category=category,
        since=days[0].isoformat() if days else None,
        until=days[-1].isoformat() if days else None,
    )


def _filter() -> reads.MatrixFilter:
    sweeps = {s["sweep_id"]: s for s in data.sweeps()}
    options = [*sweeps, ANY]
    if state.MATRIX_SWEEP not in st.session_state:  # a fresh session: the URL's sweep, else the newest
        wanted = st.query_params.get(state.QP_SWEEP)
        st.session_state[state.MATRIX_SWEEP] = wanted if wanted in sweeps else options[0]
    if not sweeps:  # nothing to pick between: no selectbox of one choice
        return _by_category_and_date()
    pick, rest = st.columns([1, 1], vertical_alignment="bottom")
    sweep = pick.selectbox(
        "Sweep",
        options,
        format_func=lambda s: _sweep_label(sweeps, s),
        key=state.MATRIX_SWEEP,
        on_change=_chosen_sweep_first_page,
        help="`canvasbench sweep` runs the suite against several models: each sweep is one matrix. "
        "Or pick comparisons by category and date.",
    )
    if sweep and sweep != ANY:
        return reads.MatrixFilter(sweep_id=sweep)
    with rest:
        return _by_category_and_date()


def _turn(step: int) -> None:
    st.session_state[PAGE] = max(int(st.session_state.get(PAGE, 0)) + step, 0)


def _pager(page_no: int, pages: int, prompts: int) -> None:
    """Earlier and later prompts in one row (one container, not columns)."""
    first, last = page_no * ROWS_PER_PAGE + 1, min((page_no + 1) * ROWS_PER_PAGE, prompts)
    with st.container(horizontal=True, vertical_alignment="center", horizontal_alignment="center"):
        st.button(
            "Earlier prompts", icon=":material/arrow_back:", key="matrix-prev", disabled=page_no == 0, on_click=_turn,
            args=(-1,),
        )  # fmt: skip
        st.caption(f"Prompts {first}–{last} of {prompts}", width="content")
        st.button(
            "Later prompts", icon=":material/arrow_forward:", key="matrix-next", disabled=page_no + 1 >= pages,
            on_click=_turn, args=(1,),
        )  # fmt: skip


def main() -> None:
    """The filters, then the matrix (or why there is none)."""
    st.title("Sweep matrix")
    if PAGE not in st.session_state:  # a fresh session (Back from a cell's comparison): the URL's page
        _start_from_url([])
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
    paged = len(matrix.prompts) > ROWS_PER_PAGE
    cut = f" (the newest {found.comparisons}; narrow the dates to see older ones)" if found.cut else ""
    st.caption(
        f"{len(matrix.prompts)} prompts × {len(matrix.contestants)} contestants from "
        f"{formatting.count(found.comparisons)} comparisons{where}{cut}. A cell shows the latest run of that "
        "prompt by that model and opens its comparison; repeats are listed under it. Renders = the render "
        "check saw the page run (with or without errors)."
        + (f" {ROWS_PER_PAGE} prompts a page; the contestant summaries count every prompt." if paged else "")
    )
    # A page of prompts at a time: at 120 prompts × 10 contestants one table of every cell was over a thousand
    # cells for the browser to sanitise and lay out, of which a screen shows a few dozen.
    pages = max(math.ceil(len(matrix.prompts) / ROWS_PER_PAGE), 1)
    page_no = min(int(st.session_state.get(PAGE, 0)), pages - 1)
    _keep_in_url(page_no, flt.category)
    st.html(matrix_html(matrix, slice(page_no * ROWS_PER_PAGE, (page_no + 1) * ROWS_PER_PAGE)))
    if pages > 1:
        _pager(page_no, pages, len(matrix.prompts))


main()
