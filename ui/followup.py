"""The comparison page's "Follow up" box: one instruction to every model as the next turn of its conversation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from canvasbench.errors import CanvasBenchError
from canvasbench.run.followups import follow_up_instructions
from ui import actions, state
from ui.text import md_iso


def _key(comparison_id: str) -> str:
    return f"followup-{comparison_id}"


def _send(comparison_id: str) -> None:
    key = _key(comparison_id)
    try:
        started = actions.follow_up(comparison_id, st.session_state.get(key) or "")
    except CanvasBenchError as exc:
        st.session_state[state.ACTION_ERROR] = f"The follow-up was not sent: {exc}"
        return
    st.session_state[key] = ""  # sent: the box is ready for the next instruction
    note = f"Follow-up sent to {len(started.run_ids)} model(s) as their next round."
    if started.skipped:
        note += " Not followed up: " + "; ".join(started.skipped) + "."
    st.session_state[state.ACTION_NOTE] = note


def instructions(runs: Sequence[dict[str, Any]]) -> None:
    """The follow-up instructions sent so far, in order, each with the round it started (shown above the rounds)."""
    for rnd, text in follow_up_instructions(runs):
        st.caption(f"Follow-up, round {rnd}: {md_iso(text, 300)}")


def box(comparison_id: str, *, active: bool) -> None:
    """A text box and a button that send one instruction to every model of the comparison (in the Actions popover,
    which draws nothing until it is opened)."""
    st.text_input(
        "Follow up: an instruction for every model",
        key=_key(comparison_id),
        placeholder="make the planets clickable",
        disabled=active,
        help="Sent to each model as the next turn of its own conversation (the prompt, its answers, "
        "then this); each answer becomes a new round, checked like any run",
    )
    st.button(
        "Send follow-up",
        key=f"{_key(comparison_id)}-send",
        icon=":material/send:",
        disabled=active,
        help="Wait for the runs to finish first" if active else None,
        on_click=_send,
        args=(comparison_id,),
    )
