"""One contestant's column on a finished comparison: its name and a link in one row, badge, preview, verdict, metrics.

Every Streamlit element costs the browser time on each page load (a comparison draws four to ten of these columns),
and a widget more (its code is loaded on first use, a skeleton drawn meanwhile): the header is one HTML element, and
the downloads and the render-check button, used rarely, are on the run's own page and under the page's Actions.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from canvasbench.contestants import contestant
from canvasbench.present.outcome import left_no_page
from ui import state, views
from ui.format import run_badge
from ui.text import clipped_html

_BUILT_BY = '<div style="font-size:0.875rem;opacity:0.7;{clip}">built by {model}</div>'
_CLIP = "white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:100%;min-width:0"


def header_html(
    run: dict[str, Any], sample: str = "", *, tag: str = "div", style: str = "font-size:1rem;line-height:1.4"
) -> str:
    """The contestant's name (one line, clipped, isolated) and, for a recipe's round, the model that built it."""
    name = clipped_html(contestant(run), tag=tag, style=style, strong=True, suffix=sample)
    if not run.get("recipe"):
        return name
    model = clipped_html(run["model_id"], tag="span")
    return name + _BUILT_BY.format(clip=_CLIP, model=model)


_FULL_SIZE = (
    '<a href="?{query}" title="Open at full size, with its downloads and render check" aria-label="Open at full size" '
    'style="flex:none;text-decoration:none;color:inherit;opacity:0.75;font-size:1.1rem;line-height:1">⤢</a>'
)
_HEAD = (
    '<div style="display:flex;align-items:center;gap:0.5rem;min-width:0">'
    '<div style="flex:1;min-width:0">{}</div>{}</div>'
)


def run_column(
    run: dict[str, Any],
    *,
    view: str,
    height: int,
    sample: str = "",
    verdict: Callable[[], None] | None = None,
) -> None:
    """One model's column in a comparison: header, preview or code, verdict, warnings, metrics.

    The header is one HTML element with a link to the run at full size (its downloads and render check are there
    and under the page's Actions); a preview reloads and goes full screen with its own buttons, in its frame.
    `verdict` draws the render check in place of the stored one (a page's live verdict: ui.checking).
    """
    with st.container(border=True):
        link = _FULL_SIZE.format(query=html.escape(urlencode({state.QP_RUN: run["id"]}), quote=True))
        # One row however long the name: the name is clipped (whole on hover), the link never wraps below it.
        st.html(_HEAD.format(header_html(run, sample), link))
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
