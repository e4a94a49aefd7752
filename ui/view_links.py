"""A page's views (preview, code, response, ...) as a row of plain links: ?view= in the URL, no widget to load.

A segmented control made the comparison's first load wait for its code and its skeleton (about 0.15x a one-line
app's load, `benchmarks/page_load.py`); a link is drawn with the HTML around it, and Back, a new tab and a copied
URL all keep the view.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from ui import state

_ROW = '<nav aria-label="Views" style="display:flex;flex-wrap:wrap;gap:6px;margin:0.5rem 0 0.25rem 0">{}</nav>'
_LINK = (
    '<a href="{href}"{current} style="padding:3px 12px;border:1px solid {border};border-radius:1rem;'
    'text-decoration:none;color:inherit;font-size:0.875rem{extra}">{label}</a>'
)
# The current view: marked for screen readers, and drawn with a solid border on a tint.
_CURRENT = {
    "current": ' aria-current="page"',
    "border": "currentColor",
    "extra": ";font-weight:600;background:rgba(128,128,128,0.15)",
}
_OTHER = {"current": "", "border": "rgba(128,128,128,0.4)", "extra": ""}


def current_view(choices: Mapping[str, str]) -> str:
    """The view the URL names (?view=), else the first one (a name the page does not have reads as the first)."""
    first = next(iter(choices))
    wanted = st.query_params.get(state.QP_VIEW) or first
    return wanted if wanted in choices else first


def view_links(params: Mapping[str, str], choices: Mapping[str, str], current: str) -> str:
    """HTML: one link per view, to this page's URL (`params`) with that view; the first view is the bare URL."""
    first = next(iter(choices))
    links = []
    for view, label in choices.items():
        query = dict(params) if view == first else {**params, state.QP_VIEW: view}
        look = _CURRENT if view == current else _OTHER
        links.append(
            _LINK.format(href=html.escape("?" + urlencode(query), quote=True), label=html.escape(label), **look)
        )
    return _ROW.format("".join(links))
