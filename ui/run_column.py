"""One contestant's column on a finished comparison: its name and buttons in one row, badge, preview, verdict, metrics.

Every Streamlit element costs the browser time on each page load (a comparison draws four to ten of these columns):
the header is one flex row (no nested columns), and the downloads and the render-check button, used rarely,
sit behind one click in a popover, which draws nothing until it is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from canvasbench.contestants import contestant
from canvasbench.present.outcome import left_no_page
from ui import state, views
from ui.format import run_badge
from ui.text import clipped_html

_BUILT_BY = '<div style="font-size:0.875rem;opacity:0.7;{clip}">built by {model}</div>'
_CLIP = "white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:100%;min-width:0"


def header_html(run: dict[str, Any], sample: str = "") -> str:
    """The contestant's name (one line, clipped, isolated) and, for a recipe's round, the model that built it."""
    name = clipped_html(contestant(run), style="font-size:1rem;line-height:1.4", strong=True, suffix=sample)
    if not run.get("recipe"):
        return name
    model = clipped_html(run["model_id"], tag="span")
    return name + _BUILT_BY.format(clip=_CLIP, model=model)


def files_key(run_id: str) -> str:
    """The key of a column's downloads popover (its element carries it as the CSS class st-key-KEY)."""
    return f"files-{run_id}"


def run_column(
    run: dict[str, Any],
    *,
    view: str,
    height: int,
    open_full: Callable[[str], None],
    sample: str = "",
    verdict: Callable[[], None] | None = None,
) -> None:
    """One model's column in a comparison: header, preview or code, verdict, warnings, metrics, downloads.

    `verdict` draws the render check in place of the stored one (a page's live verdict: ui.checking).
    """
    with st.container(border=True):
        # One row however long the name: the name is clipped (whole on hover), the buttons never wrap below it.
        head = st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False)
        head.html(header_html(run, sample), width="stretch")
        head.button(
            "",
            icon=":material/refresh:",
            key=f"reload-{run['id']}",
            help="Reload the preview",
            type="tertiary",
            on_click=state.bump_reload,
            args=(run["id"],),
        )
        head.button(
            "",
            icon=":material/fullscreen:",
            key=f"full-{run['id']}",
            help="Full screen",
            type="tertiary",
            on_click=open_full,
            args=(run["id"],),
        )
        with head.popover(
            "",
            icon=":material/download:",
            type="tertiary",
            help="Download the page or the response; check the render again",
            key=files_key(run["id"]),
        ):
            views.downloads(run)
        st.markdown(run_badge(run))
        said = views.run_view(run, view, height=height)  # whether the preview already said what happened
        if not left_no_page(run):  # without a page there was nothing to check
            if verdict is not None:
                verdict()
            else:
                views.verdict_badge(run.get("check"))
        if not said:
            views.warnings(run)
        views.metrics_card(run)
