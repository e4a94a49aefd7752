"""Gallery: comparisons newest first as cards, each opening its comparison page by a real link."""

from __future__ import annotations

import math
from functools import partial

import streamlit as st

from canvasbench.present import formatting
from canvasbench.status import RUN_STATUSES
from canvasbench.store import reads
from ui import checking, data, state, tiles

PAGE_SIZE = 8


def _first_page() -> None:
    st.session_state[state.GALLERY_PAGE] = 0


def _turn(step: int) -> None:
    st.session_state[state.GALLERY_PAGE] = max(int(state.get(state.GALLERY_PAGE, 0)) + step, 0)


def _filters() -> reads.GalleryFilter:
    options = data.filter_options()
    c1, c2, c3, c4 = st.columns([2, 2, 1.5, 3])
    # Each filter starts empty (everything) and, when changed, goes back to the first page.
    pick = partial(st.selectbox, index=None, on_change=_first_page)
    with c1:
        category = pick("Category", options["categories"], placeholder="All categories", key=state.GALLERY_CATEGORY)
    with c2:
        model = pick("Model", options["model_ids"], placeholder="All models", key=state.GALLERY_MODEL)
    with c3:
        status = pick("Status", RUN_STATUSES, placeholder="Any status", key=state.GALLERY_STATUS)
    text = c4.text_input(
        "Search", placeholder="title, prompt text, model…", key=state.GALLERY_TEXT, on_change=_first_page
    )
    return reads.GalleryFilter(category=category, model_id=model, status=status, text=(text or "").strip())


def _gallery() -> None:
    st.title("Gallery")
    if note := st.session_state.pop(state.ACTION_NOTE, None):  # e.g. what a deletion removed
        st.success(note)
    flt = _filters()
    page_no = int(state.get(state.GALLERY_PAGE, 0))
    result = data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE)
    pages = max(math.ceil(result.total / PAGE_SIZE), 1)
    if page_no >= pages:  # the list shrank under us (filters, deletions): show its last page
        page_no = pages - 1
        st.session_state[state.GALLERY_PAGE] = page_no
        result = data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE)
    if result.total == 0:
        if flt == reads.GalleryFilter():
            st.info("No comparisons yet. Start one on **New comparison**: its models appear here side by side.")
            st.page_link("pages/new_comparison_page.py", label="New comparison", icon=":material/rocket_launch:")
        else:
            st.info("No comparison matches these filters. Clear a filter or search for something else.")
        return
    st.caption(f"{formatting.count(result.total)} comparisons · page {page_no + 1} of {pages}")
    # Cards of comparisons still generating or being checked redraw themselves until all is settled.
    checking.live_cards(lambda: data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE).cards, tiles.card)
    prev, mid, nxt = st.columns([1, 4, 1], vertical_alignment="center")
    prev.button(
        "Newer",
        icon=":material/arrow_back:",
        key="gallery-prev",
        disabled=page_no == 0,
        on_click=_turn,
        args=(-1,),
        width="stretch",
    )
    mid.caption(f"Page {page_no + 1} of {pages}")
    nxt.button(
        "Older",
        icon=":material/arrow_forward:",
        key="gallery-next",
        disabled=page_no + 1 >= pages,
        on_click=_turn,
        args=(1,),
        width="stretch",
    )


def main() -> None:
    """The list; an old deep link (/?comparison= or /?run=) goes on to the comparison page with its query."""
    if st.query_params.get(state.QP_RUN) or st.query_params.get(state.QP_COMPARISON):
        st.switch_page("pages/comparison_page.py", query_params=dict(st.query_params))
    _gallery()


main()
