"""The arena's key queue: our own component in the app's page, which sends keys and clicks in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from canvasbench.arena.session import ArenaSession

# Its state ({"epoch", "keys": [[seq, key], ...]}) is read at the top of the page, before anything is drawn.
WIDGET = "arena-keys"
_JS = Path(__file__).with_name("arena_keys.js").read_text(encoding="utf-8")
_HTML = "<div class='status' role='status' aria-live='polite'></div>"
_CSS = ".status{min-height:1.4rem;font-size:.9rem;color:var(--st-text-color);opacity:.8}"
_component = st.components.v2.component("canvasbench_arena_keys", html=_HTML, css=_CSS, js=_JS)


def queued() -> Any:
    """The keys the browser has sent (applied or not): `ArenaSession.apply_keys` takes the new ones."""
    state = st.session_state.get(WIDGET)
    return state.get("keys") if isinstance(state, dict) else None


def next_asked() -> bool:
    """Whether the browser has asked for the next pair to be prepared (it does once the pair on screen is drawn)."""
    state = st.session_state.get(WIDGET)
    return isinstance(state, dict) and bool(state.get("prepare"))


def _sent() -> None:
    """Keys arrived: the rerun they cause applies them (at the top of the page, not in a callback)."""


def mount(session: ArenaSession, *, next_drawn: bool) -> None:
    """The status line; tells the browser how far Python got, which pair is on screen, if the next is ready, and
    if one waits to be prepared (the browser asks for it once the pair on screen is drawn)."""
    data = {
        "epoch": session.epoch,
        "acked": session.applied,
        "pair": session.number if session.current else None,
        "voted": session.vote["outcome"] if session.vote else None,
        "next": session.upcoming is not None and next_drawn,
        "prepare": session.upcoming is not None and not next_drawn,
    }
    _component(key=WIDGET, data=data, on_keys_change=_sent, on_prepare_change=_sent)
