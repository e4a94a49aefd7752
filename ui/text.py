"""Untrusted text (titles, model ids, model output) isolated from the app's own: bidi-isolated, clipped, escaped."""

from __future__ import annotations

import html
import re

import streamlit as st

from ui.format import md, one_line

# Isolate controls inside the text could close our isolate early and let an override (U+202E) run on
# over the app's own text; removing them keeps the text's own embeddings inside our isolate.
_ISOLATES = re.compile("[\u2066\u2067\u2068\u2069]")
FSI, PDI = "\u2068", "\u2069"


def isolate(text: object) -> str:
    """Text wrapped in first-strong-isolate … pop-directional-isolate, so its direction never leaks out."""
    return FSI + _ISOLATES.sub("", "" if text is None else str(text)) + PDI


def md_iso(text: object, limit: int | None = None) -> str:
    """Markdown-escaped, bidi-isolated text, optionally shortened to one line of `limit` characters."""
    value = one_line(text, limit) if limit else ("" if text is None else str(text))
    return isolate(md(value))


def clipped_html(
    text: object,
    *,
    tag: str = "div",
    style: str = "",
    strong: bool = False,
    hover: str | None = None,
    suffix: str = "",
) -> str:
    """HTML for one line of untrusted text: isolated, cut with an ellipsis, the full text (or `hover`) on hover.

    `suffix` is the app's own text after it (e.g. " · sample 2 of 3"), kept outside the isolate.
    """
    full = " ".join(("" if text is None else str(text)).split())
    body = html.escape(_ISOLATES.sub("", full))
    if strong:
        body = f"<strong>{body}</strong>"
    tip = html.escape(_ISOLATES.sub("", hover if hover is not None else full), quote=True)
    return (
        f'<{tag} title="{tip}" style="white-space:nowrap;'
        f'overflow:hidden;text-overflow:ellipsis;max-width:100%;min-width:0;{style}">'
        f'<bdi style="unicode-bidi:isolate">{body}</bdi>{html.escape(suffix)}</{tag}>'
    )


def clipped(text: object, *, size: str = "1rem", strong: bool = False, suffix: str = "") -> None:
    """Show one line of untrusted text: isolated, clipped to its column, the full text on hover."""
    st.html(clipped_html(text, style=f"font-size:{size};line-height:1.4", strong=strong, suffix=suffix))


_BYLINE = '<div style="font-size:0.875rem;opacity:0.65;line-height:1.6;padding-bottom:0.25rem">{}</div>'


def title_html(text: object, *, byline: str = "") -> str:
    """HTML of a page heading from untrusted text (one line, clipped, whole on hover) and `byline`, escaped HTML."""
    heading = clipped_html(text, tag="h1", style="font-size:2rem;font-weight:700;padding:0.6rem 0 0.4rem 0;margin:0")
    return heading + (_BYLINE.format(byline) if byline else "")


def isolated_html(text: object) -> str:
    """Untrusted text as escaped HTML in its own bidi isolate (for a line of HTML the app builds)."""
    body = html.escape(_ISOLATES.sub("", "" if text is None else str(text)))
    return f'<bdi style="unicode-bidi:isolate">{body}</bdi>'


_LITERAL = (
    '<pre style="margin:0;padding:0.5rem 0.75rem;background:rgba(151,166,195,0.15);border-radius:0.5rem;'
    'font-size:0.8rem;line-height:1.45;white-space:pre-wrap;overflow-wrap:anywhere;{extra}">{body}</pre>'
)


def literal(text: object, *, max_height: int | None = None) -> None:
    """Text shown exactly as written in a monospace box (paths, prompts): no markdown, no code highlighter.

    st.code would load the syntax highlighter (about 0.5–1 s of browser work per page load) for plain text.
    """
    st.html(literal_html(text, max_height=max_height))


def literal_html(text: object, *, max_height: int | None = None) -> str:
    """The HTML of `literal`, to put in a block with other HTML (one element, where several were)."""
    extra = f"max-height:{max_height}px;overflow-y:auto" if max_height else ""
    return _LITERAL.format(extra=extra, body=isolated_html(text))
