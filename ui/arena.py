"""The arena's session state and views: the blind pair, the vote buttons, and the reveal after the vote."""

from __future__ import annotations

import random
from typing import Any

import streamlit as st

from canvasbench.arena.pairing import ArenaPair, next_pair, next_unvoted
from canvasbench.arena.votes import OUTCOME_LABELS, record_vote
from canvasbench.errors import CanvasBenchError
from canvasbench.sandbox.document import sandbox_document
from canvasbench.store import RunStore
from canvasbench.store.reads import latest_checks, latest_scores
from canvasbench.store.writes import delete_vote
from ui import views
from ui.format import md, verdict_label
from ui.frame import preview_network

# Session-state keys. Widget keys never carry ids: Streamlit writes keys into the page as CSS classes.
PAIR = "arena.pair"  # {"comparison_id", "left", "right"}: run ids, A = left
VOTE = "arena.vote"  # {"id", "outcome"} of the vote just cast: the pair is revealed
RESTARTS = "arena.restarts"  # bumps both previews' document together
CATEGORY = "arena.category"
PICK = "arena.pick"
VOTER = "arena.voter"
NEXT = "next"  # PICK value: the newest comparison with a pair nobody voted on yet

PREVIEW_HEIGHT = 520
# Keyboard shortcuts (they work while focus is on the dashboard, not inside a preview).
KEYS = {"left": "a", "right": "b", "tie": "t", "both_bad": "x"}
LABELS = {"left": "A is better", "right": "B is better", "tie": "Tie", "both_bad": "Both are bad"}


def choose_pair(store: RunStore, pick: str, category: str | None) -> dict[str, str] | None:
    """A new pair for the current choice (next unvoted, or one comparison), stored in the session."""
    comparison_id = pick
    if pick == NEXT:
        comparison_id = next_unvoted(store, category=category) or ""
    if not comparison_id:
        return None
    pair: ArenaPair | None = next_pair(store, comparison_id, random.Random())
    if pair is None:
        return None
    chosen = {"comparison_id": pair.comparison_id, "left": pair.left["id"], "right": pair.right["id"]}
    st.session_state[PAIR] = chosen
    st.session_state.pop(VOTE, None)
    return chosen


def blind_preview(run: dict[str, Any], label: str) -> None:
    """A's or B's page in the sandbox: same size as the other, neutral title, nothing about the model."""
    restarts = int(st.session_state.get(RESTARTS, 0))
    document = sandbox_document(
        run["artifact"],
        run["artifact_kind"],
        height=PREVIEW_HEIGHT,
        revision=restarts,
        title=f"Program {label}",
        network=preview_network(),
    )
    st.iframe(document, height=PREVIEW_HEIGHT)


def vote_buttons(store: RunStore, pair: dict[str, str], voter: str) -> None:
    """A better / B better / tie / both bad, each with a keyboard shortcut."""
    cols = st.columns(4)
    for col, outcome in zip(cols, ("left", "right", "tie", "both_bad"), strict=True):
        if col.button(
            f"{LABELS[outcome]} ({KEYS[outcome].upper()})",
            key=f"arena.vote.{outcome}",
            shortcut=KEYS[outcome],
            type="primary" if outcome in ("left", "right") else "secondary",
            width="stretch",
        ):
            try:
                vote_id = record_vote(store, pair["comparison_id"], pair["left"], pair["right"], outcome, voter)
            except CanvasBenchError as exc:
                st.error(md(exc))
                return
            st.session_state[VOTE] = {"id": vote_id, "outcome": outcome}
            st.rerun()


def reveal(store: RunStore, run: dict[str, Any], label: str, vote: dict[str, str]) -> None:
    """After the vote: which model wrote this page, and its metrics."""
    side = "left" if label == "A" else "right"
    won = vote["outcome"] == side
    st.markdown(f"**{label}: {md(run['model_id'])}**" + (" — your pick" if won else ""))
    views.metrics_card(run)
    check = latest_checks(store, [run["id"]]).get(run["id"])
    if check:
        st.caption(f"Render check: {verdict_label(check['verdict'])}")
    score = latest_scores(store, [run["id"]]).get(run["id"])
    if score:
        st.caption(f"AI judge ({md(score['judge_model'])}): {score['overall']:g}/10 — {md(score['reason'] or '')}")


def after_vote_actions(store: RunStore, vote: dict[str, str]) -> None:
    """Undo (right after the vote) or go on to the next pair."""
    st.success(f"Vote saved: {OUTCOME_LABELS[vote['outcome']]}.")
    c1, c2, _ = st.columns([1, 1, 3])
    if c1.button("Undo vote (U)", key="arena.undo", shortcut="u", width="stretch"):
        delete_vote(store, vote["id"])
        st.session_state.pop(VOTE, None)
        st.rerun()
    if c2.button("Next pair (N)", key="arena.next", shortcut="n", type="primary", width="stretch"):
        st.session_state.pop(PAIR, None)
        st.session_state.pop(VOTE, None)
        st.rerun()
