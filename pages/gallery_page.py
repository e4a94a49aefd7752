"""Gallery: comparisons as cards (newest first, or by cost, lines, rating), each tile a real link to its comparison."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import streamlit as st

from canvasbench.present import formatting
from canvasbench.status import STATES
from canvasbench.store import reads
from ui import checking, data, state, tiles

PAGE_SIZE = 8


def _first_page() -> None:
    st.session_state[state.GALLERY_PAGE] = 0


SORT_LABELS = {
    "newest": "Newest first",
    "cost": "Cost, highest first",
    "cheapest": "Cost, lowest first",
    "lines": "Lines, most first",
    "rating": "Rating: best model's arena rating",
    "rounds": "Rounds, fewest first",
}


def _keep_sort() -> None:
    """Keep the order in the URL (a tile is a plain link: Back reloads the gallery from its URL) and the session."""
    sort = st.session_state.get(state.GALLERY_SORT) or "newest"
    st.session_state[state.GALLERY_SORT_KEPT] = sort  # a widget's value is dropped when its page is left
    if sort == "newest":
        st.query_params.pop(state.QP_SORT, None)
    else:
        st.query_params[state.QP_SORT] = sort


def _sorted() -> None:
    _keep_sort()
    _first_page()


def _sort() -> str:
    options: list[str] = list(data.gallery_sorts())
    sort = st.selectbox(
        "Sort",
        options,
        format_func=lambda s: SORT_LABELS.get(s, s),
        key=state.GALLERY_SORT,
        on_change=_sorted,
        help="Cost and lines are each comparison's totals over its runs (unknown costs last); rating is the "
        "arena's Bradley–Terry rating of its best-rated model (from your votes, else the AI judge's).",
    )
    return str(sort or "newest")


def _start_sort() -> None:
    """A fresh session takes the order its URL names (a tile is a plain link: Back reloads the gallery)."""
    if state.GALLERY_SORT not in st.session_state:
        options = data.gallery_sorts()
        wanted = st.query_params.get(state.QP_SORT) or state.get(state.GALLERY_SORT_KEPT, "newest")
        st.session_state[state.GALLERY_SORT] = wanted if wanted in options else "newest"
        _keep_sort()


def _turn(step: int) -> None:
    st.session_state[state.GALLERY_PAGE] = max(int(state.get(state.GALLERY_PAGE, 0)) + step, 0)


FILTER_KEYS = (state.GALLERY_CATEGORY, state.GALLERY_MODEL, state.GALLERY_STATUS)
# The search, filters and page in the URL: a card is a plain link (a new session), so Back reloads the gallery
# from its URL, and without them it came back unfiltered on page 1.
IN_URL = {state.GALLERY_TEXT: "q", state.GALLERY_CATEGORY: "category", state.GALLERY_MODEL: "model",
          state.GALLERY_STATUS: "status"}  # fmt: skip
QP_PAGE = "page"


def _start_filters(options: dict[str, list[Any]]) -> None:
    """A fresh session takes the search, filters and page its URL names (values the database no longer has are
    dropped)."""
    allowed = {state.GALLERY_CATEGORY: options["categories"], state.GALLERY_MODEL: options["model_ids"],
               state.GALLERY_STATUS: list(STATES)}  # fmt: skip
    for key, name in IN_URL.items():
        wanted = st.query_params.get(name)
        if key not in st.session_state and wanted and (key not in allowed or wanted in allowed[key]):
            st.session_state[key] = wanted
    if state.GALLERY_PAGE not in st.session_state:
        wanted = st.query_params.get(QP_PAGE) or ""
        st.session_state[state.GALLERY_PAGE] = int(wanted) - 1 if wanted.isdigit() and int(wanted) > 0 else 0


def _keep_in_url(page_no: int) -> None:
    """The search, filters and page in the URL (only what changed is written)."""
    values = {name: st.session_state.get(key) for key, name in IN_URL.items()}
    values[QP_PAGE] = str(page_no + 1) if page_no else None
    for name, value in values.items():
        if value and st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)
        elif not value and name in st.query_params:
            del st.query_params[name]


def _menu_label() -> str:
    """The sort-and-filter button says what is in force, so a closed menu hides nothing."""
    sort = st.session_state.get(state.GALLERY_SORT) or "newest"
    active = sum(st.session_state.get(key) is not None for key in FILTER_KEYS)
    return SORT_LABELS.get(sort, sort) + (f" · {active} filter{'s' if active > 1 else ''}" if active else "")


def _controls() -> tuple[reads.GalleryFilter, str]:
    """Search in sight; sort and the three filters in one menu (its widgets are drawn when it opens, which
    spares a cold load a row of selectboxes: the browser's most expensive elements)."""
    _start_sort()
    options = data.filter_options()
    _start_filters(options)
    search, menu = st.columns([3, 1], vertical_alignment="bottom")
    text = search.text_input(
        "Search", placeholder="title, prompt text, model…", key=state.GALLERY_TEXT, on_change=_first_page
    )
    with menu.popover(_menu_label(), icon=":material/tune:", width="stretch"):
        sort = _sort()
        # Each filter starts empty (everything) and, when changed, goes back to the first page.
        pick = partial(st.selectbox, index=None, on_change=_first_page)
        category = pick("Category", options["categories"], placeholder="All categories", key=state.GALLERY_CATEGORY)
        model = pick("Model", options["model_ids"], placeholder="All models", key=state.GALLERY_MODEL)
        status = pick("Status", STATES, placeholder="Any status", key=state.GALLERY_STATUS)
    flt = reads.GalleryFilter(category=category, model_id=model, status=status, text=(text or "").strip())
    return flt, sort


IMPORT_COMMANDS = """canvasbench import --from-llm
canvasbench import --from-promptfoo results.json
canvasbench import --from-dir my-pages/"""


def _first_steps() -> None:
    """An empty gallery says the three ways to fill it: launch with a key, import, or start the demo."""
    st.info("No comparisons yet. Three ways to fill the gallery:")
    launch, bring, demo = st.columns([1, 1.4, 1.1])  # the import commands are the longest lines
    with launch:
        st.markdown(
            "**1. Set a key and launch.** Set `GEMINI_API_KEY`, `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` (or put it "
            "in `.streamlit/secrets.toml`), restart, then start a comparison: its models appear here side by side."
        )
        st.page_link("pages/new_comparison_page.py", label="New comparison", icon=":material/rocket_launch:")
        st.page_link("pages/models_page.py", label="Models and keys", icon=":material/key:")
    with bring:
        st.markdown("**2. Import what you already have**, from a terminal in the project:")
        st.code(IMPORT_COMMANDS, language="bash", wrap_lines=True)
        st.caption("`llm`'s log database, a promptfoo results JSON, or a folder of saved pages (`MODEL.html`).")
    with demo:
        st.markdown(
            "**3. Start the demo.** Stand-in models stream three showcase pages on a separate demo database "
            "(no key, no network; this database is not touched):"
        )
        st.code("python3 dev.py dashboard --demo", language="bash", wrap_lines=True)


def _gallery() -> None:
    st.title("Gallery")
    if note := st.session_state.pop(state.ACTION_NOTE, None):  # e.g. what a deletion removed
        st.success(note)
    flt, sort = _controls()
    page_no = int(state.get(state.GALLERY_PAGE, 0))
    result = data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE, sort=sort)
    pages = max(math.ceil(result.total / PAGE_SIZE), 1)
    if page_no >= pages:  # the list shrank under us (filters, deletions): show its last page
        page_no = pages - 1
        st.session_state[state.GALLERY_PAGE] = page_no
        result = data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE, sort=sort)
    _keep_in_url(page_no)
    if result.total == 0:
        if flt == reads.GalleryFilter():
            _first_steps()
        else:
            st.info("No comparison matches these filters. Clear a filter or search for something else.")
        return
    st.caption(f"{formatting.count(result.total)} comparisons · page {page_no + 1} of {pages}")
    # Cards of comparisons still generating or being checked redraw themselves until all is settled.
    checking.live_cards(
        lambda: data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE, sort=sort).cards, tiles.cards
    )
    if pages > 1:
        _pager(page_no, pages)


def _pager(page_no: int, pages: int) -> None:
    """Newer and Older in one row (one container, not three columns)."""
    with st.container(horizontal=True, vertical_alignment="center", horizontal_alignment="center"):
        st.button(
            "Newer", icon=":material/arrow_back:", key="gallery-prev", disabled=page_no == 0, on_click=_turn, args=(-1,)
        )
        st.caption(f"Page {page_no + 1} of {pages}", width="content")
        st.button(
            "Older",
            icon=":material/arrow_forward:",
            key="gallery-next",
            disabled=page_no + 1 >= pages,
            on_click=_turn,
            args=(1,),
        )


def main() -> None:
    """The list; an old deep link (/?comparison= or /?run=) goes on to the comparison page with its query."""
    if st.query_params.get(state.QP_RUN) or st.query_params.get(state.QP_COMPARISON):
        st.switch_page("pages/comparison_page.py", query_params=dict(st.query_params))
    _gallery()


main()
