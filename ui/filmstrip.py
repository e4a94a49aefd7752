"""The render check's three moments as a filmstrip (load → watch → input) with what happened between them."""

from __future__ import annotations

import io
from typing import Any

import streamlit as st

from canvasbench.store import shared_store
from canvasbench.store.reads import latest_check, moments_of
from ui import data
from ui.format import md

_WIDTH = 480  # each frame is shown at a third of a column; smaller JPEGs keep the page light


@st.cache_data(show_spinner=False, max_entries=64)
def _filmstrip(path: str, run_id: str, checked_at: str | None) -> tuple[list[tuple[str, bytes | None]], dict[str, Any]]:
    """The check's three screenshots scaled down as JPEGs, and its facts (cached per check)."""
    from PIL import Image

    store = shared_store(path)
    row = latest_check(store, run_id) or {}
    facts = {key: row.get(key) for key in ("animates", "responds_to_input", "interaction")}
    frames: list[tuple[str, bytes | None]] = []
    for label, png in moments_of(store, run_id):
        small: bytes | None = None
        if png:
            try:
                with Image.open(io.BytesIO(png)) as image:
                    rgb = image.convert("RGB")
                    rgb.thumbnail((_WIDTH, _WIDTH))
                    out = io.BytesIO()
                    rgb.save(out, format="JPEG", quality=85)
                    small = out.getvalue()
            except Exception:  # a damaged screenshot leaves its frame empty, never breaks the page
                small = None
        frames.append((label, small))
    return frames, facts


def _between_watch(check: dict[str, Any]) -> str:
    if check.get("animates") is None:
        return "watched"
    return "watched: it moved on its own" if check["animates"] else "watched: it stayed still"


def _between_input(check: dict[str, Any]) -> str:
    actions = [str(a) for a in check.get("interaction") or []]
    if not actions:
        return "no input was given"
    did = "; ".join(actions)
    responds = check.get("responds_to_input")
    if responds is None:
        return f"played: {did}"
    return f"played: {did} — {'it changed' if responds else 'nothing changed'}"


def filmstrip(check: dict[str, Any] | None) -> None:
    """Three screenshots of the run's latest check with what was done between them (nothing without one)."""
    if not check or not check.get("run_id"):
        return
    frames, facts = _filmstrip(str(data.store().path), check["run_id"], check.get("checked_at"))
    check = {**check, **facts}
    if not any(png for _, png in frames):
        return
    still = check.get("animates")
    captions = [
        "1 · after load",
        "2 · after watching" + ("" if still is None else " (moving)" if still else " (still)"),
        "3 · after input",
    ]
    columns = st.columns(3, gap="small")
    for column, (_, png), caption in zip(columns, frames, captions, strict=True):
        with column:
            if png:
                st.image(png, caption=caption, width="stretch")
            else:
                st.caption(f"{caption}: no screenshot (the page had stopped responding)")
    st.caption(md(f"1 → 2 {_between_watch(check)}. 2 → 3 {_between_input(check)}."))
