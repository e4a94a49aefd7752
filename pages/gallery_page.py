"""Gallery: comparisons newest first as cards; a comparison side by side (?comparison=); one run full screen (?run=)."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from canvasbench import queries
from ui import actions, charts, data, state, views
from ui.format import md, status_label, when

PAGE_SIZE = 12
PREVIEW_HEIGHT = 480
FULL_HEIGHT = 860


# Callbacks: they only change the URL or the page number; the next run renders what it says.
def _open_comparison(comparison_id: str) -> None:
    st.query_params.clear()
    st.query_params[state.QP_COMPARISON] = comparison_id


def _open_run(run_id: str) -> None:
    st.query_params.clear()
    st.query_params[state.QP_RUN] = run_id


def _close() -> None:
    st.query_params.clear()


def _first_page() -> None:
    st.session_state[state.GALLERY_PAGE] = 0


def _turn(step: int) -> None:
    st.session_state[state.GALLERY_PAGE] = max(int(state.get(state.GALLERY_PAGE, 0)) + step, 0)


def _view_switch() -> str:
    if state.COMPARISON_VIEW not in st.session_state:
        st.session_state[state.COMPARISON_VIEW] = "preview"
    view = st.segmented_control(
        "View",
        options=list(views.VIEWS),
        format_func=views.VIEWS.__getitem__,
        key=state.COMPARISON_VIEW,
        label_visibility="collapsed",
    )
    return view or "preview"


def _live(comparison_id: str) -> None:
    """Runs still streaming: a live panel per model, refreshed until every run has finished."""
    store = data.store()

    def is_active() -> bool:
        return any(r["status"] in views.ACTIVE for r in queries.live_runs(store, comparison_id, tail_chars=1))

    def body() -> None:
        runs = queries.live_runs(store, comparison_id)
        finished = sum(r["status"] not in views.ACTIVE for r in runs)
        head, button = st.columns([5, 1], vertical_alignment="center")
        head.markdown(f"**Generating** · {finished} of {len(runs)} finished")
        if finished < len(runs):
            button.button(
                "Cancel all",
                key=f"cancel-all-{comparison_id}",
                icon=":material/stop_circle:",
                on_click=actions.cancel_comparison,
                args=(comparison_id,),
                width="stretch",
            )
        views.grid(runs, lambda run: views.live_panel(run, on_cancel=actions.cancel_run))

    views.polling(is_active, body)


def _comparison(comparison_id: str) -> None:
    st.button("All comparisons", icon=":material/arrow_back:", key="to-gallery", type="tertiary", on_click=_close)
    detail = queries.comparison_detail(data.store(), comparison_id)
    if detail is None:
        st.warning(f"No comparison with id {md(comparison_id)}: it may have been deleted. Pick one below.")
        _gallery()
        return
    runs: list[dict[str, Any]] = detail["runs"]
    st.title(md(detail.get("title") or comparison_id))
    st.caption(
        f"{md(detail.get('category') or 'uncategorised')} · {when(detail.get('created_at'))} · id `{comparison_id}`"
    )
    left, right = st.columns(2)
    with left.expander("Prompt"):
        st.code(detail.get("prompt_text") or "", language=None, wrap_lines=True, height=320)
    with right.expander("Generation timeline (lines over time)"):
        charts.timeline(data.timeline(comparison_id))
    if any(r["status"] in views.ACTIVE for r in runs):
        _live(comparison_id)
        return
    view = _view_switch()
    views.grid(runs, lambda run: views.run_column(run, view=view, height=PREVIEW_HEIGHT, open_full=_open_run))


def _run(run_id: str) -> None:
    store = data.store()
    run = store.get_run(run_id)
    if run is None:
        st.button("All comparisons", icon=":material/arrow_back:", key="to-gallery", type="tertiary", on_click=_close)
        st.warning(f"No run with id {md(run_id)}: it may have been deleted. Pick a comparison below.")
        _gallery()
        return
    run["check"] = queries.render_checks_of(store, [run_id]).get(run_id)
    comparison = store.get_comparison(run["comparison_id"]) or {}
    st.button(
        "Back to the comparison",
        icon=":material/arrow_back:",
        key="run-to-comparison",
        type="tertiary",
        on_click=_open_comparison,
        args=(run["comparison_id"],),
    )
    st.title(md(comparison.get("title") or run["comparison_id"]))
    head, reload = st.columns([8, 1], vertical_alignment="center")
    head.markdown(f"### {md(run['model_id'])}  \n{status_label(run.get('status'))}")
    reload.button(
        "Reload",
        icon=":material/refresh:",
        key=f"reload-{run_id}",
        on_click=state.bump_reload,
        args=(run_id,),
        width="stretch",
    )
    view = _view_switch()
    if view == "code":
        views.code_view(run, height=FULL_HEIGHT)
    elif view == "response":
        views.text_view(run.get("response"), height=FULL_HEIGHT, empty="No response text.", language="markdown")
    elif view == "reasoning":
        views.text_view(run.get("reasoning"), height=FULL_HEIGHT, empty="This model returned no reasoning text.")
    else:
        views.preview(run, height=FULL_HEIGHT)
    views.verdict_badge(run.get("check"))
    views.warnings(run)
    views.metrics_card(run)
    views.downloads(run)


def _filters() -> queries.GalleryFilter:
    options = data.filter_options()
    c1, c2, c3, c4 = st.columns([2, 2, 1.5, 3])
    category = c1.selectbox(
        "Category",
        options["categories"],
        index=None,
        placeholder="All categories",
        key=state.GALLERY_CATEGORY,
        on_change=_first_page,
    )
    model = c2.selectbox(
        "Model",
        options["model_ids"],
        index=None,
        placeholder="All models",
        key=state.GALLERY_MODEL,
        on_change=_first_page,
    )
    status = c3.selectbox(
        "Status",
        queries.RUN_STATUSES,
        index=None,
        placeholder="Any status",
        key=state.GALLERY_STATUS,
        on_change=_first_page,
    )
    text = c4.text_input(
        "Search", placeholder="title, prompt text, model…", key=state.GALLERY_TEXT, on_change=_first_page
    )
    return queries.GalleryFilter(category=category, model_id=model, status=status, text=(text or "").strip())


def _gallery() -> None:
    st.title("Gallery")
    flt = _filters()
    page_no = int(state.get(state.GALLERY_PAGE, 0))
    result = data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE)
    pages = max(math.ceil(result.total / PAGE_SIZE), 1)
    if page_no >= pages:  # the list shrank under us (filters, deletions): show its last page
        page_no = pages - 1
        st.session_state[state.GALLERY_PAGE] = page_no
        result = data.gallery_page(flt, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE)
    if result.total == 0:
        if flt == queries.GalleryFilter():
            st.info("No comparisons yet. Start one on **New comparison**: its models appear here side by side.")
            st.page_link("pages/new_comparison_page.py", label="New comparison", icon=":material/rocket_launch:")
        else:
            st.info("No comparison matches these filters. Clear a filter or search for something else.")
        return
    st.caption(f"{result.total:,} comparisons · page {page_no + 1} of {pages}")
    views.grid(result.cards, lambda comp: views.card(comp, on_open=_open_comparison), columns=3)
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
    """Route by query parameter: one run, one comparison, or the list."""
    run_id = st.query_params.get(state.QP_RUN)
    comparison_id = st.query_params.get(state.QP_COMPARISON)
    if run_id:
        _run(run_id)
    elif comparison_id:
        _comparison(comparison_id)
    else:
        _gallery()


main()
