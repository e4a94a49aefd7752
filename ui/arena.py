"""The arena's views: the blind pairs (the one on screen and the one prepared behind it), the vote bars, the reveal."""

from __future__ import annotations

from typing import Any

import streamlit as st

from canvasbench.arena.session import NEXT, VOTE_ACTIONS, ArenaSession, Shown
from canvasbench.arena.votes import OUTCOME_LABELS
from canvasbench.contestants import contestant
from canvasbench.present import formatting
from canvasbench.sandbox.document import sandbox_document
from canvasbench.store import RunStore, reads, shared_store
from canvasbench.store.reads import latest_checks, latest_scores
from ui import data, views
from ui.format import md, verdict_label
from ui.frame import preview_network
from ui.text import md_iso

# Session-state keys. Widget keys never carry ids: Streamlit writes keys into the page as CSS classes.
SESSION = "arena.session"  # the ArenaSession: pairs, vote, keys applied
CATEGORY = "arena.category"
PICK = "arena.pick"
VOTER = "arena.voter"
MENU = "arena.menu"  # the pickers' menu, open or closed
VOTER_KEPT = "arena.voter_kept"  # the name, kept across page switches (a widget's value is dropped)

# Keyboard shortcuts (they work while focus is on the dashboard, not inside a preview); ui/arena_keys.js
# turns them, and clicks on these buttons, into the queue Python applies in order.
KEYS = {"left": "a", "right": "b", "tie": "t", "both_bad": "x", "undo": "u", "next": "n"}
LABELS = {"left": "A is better", "right": "B is better", "tie": "Tie", "both_bad": "Both are bad"}


def session() -> ArenaSession:
    """This viewer's arena session (created on the first visit)."""
    found = st.session_state.get(SESSION)
    if not isinstance(found, ArenaSession):
        found = ArenaSession()
        st.session_state[SESSION] = found
    return found


@st.cache_data(show_spinner=False, max_entries=8)
def _choices(path: str, data_version: str) -> list[dict[str, Any]]:
    return reads.votable_comparisons(shared_store(path))


def choices(store: RunStore) -> list[dict[str, Any]]:
    """Every comparison the arena can show, newest first, with its votes (cached until the database changes).

    One read for the pickers: the arena shows one pair, so no comparison's runs are read to list them.
    """
    return _choices(str(store.path), reads.data_version(store))


def chosen(categories: list[str], every: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]], str]:
    """(category or "All", the comparisons in it, comparison id or NEXT) as last chosen; a choice no longer offered
    (deleted, or not in the category) is dropped before its picker is drawn, so the picker and the pair agree."""
    category = st.session_state.get(CATEGORY)
    if category not in categories:
        category = "All"
    comparisons = [c for c in every if category == "All" or c["category"] == category]
    pick = st.session_state.get(PICK)
    if pick not in {c["id"] for c in comparisons}:
        pick = NEXT
    st.session_state[CATEGORY], st.session_state[PICK] = category, pick
    return str(category), comparisons, str(pick)


def entry(row: dict[str, Any]) -> str:
    """A comparison as the picker lists it (plain text): title, when and its votes."""
    return f"{row['title']} · {_facts(row)}"


def _facts(row: dict[str, Any]) -> str:
    votes = int(row["votes"] or 0)
    return f"{formatting.when(row['created_at'])} · {votes} vote{'' if votes == 1 else 's'}"


def choice_label(comparisons: list[dict[str, Any]], category: str, pick: str) -> str:
    """The pickers' button: the comparison shown (or the next unvoted pair) and the category, if one is chosen.

    A label is markdown and one line: a title and a category are imported text, so each is escaped and isolated
    (a bidi override in one would reverse the rest)."""
    row = next((c for c in comparisons if c["id"] == pick), None)
    shown = "Next unvoted pair (newest first)" if row is None else f"{md_iso(row['title'], 50)} · {md(_facts(row))}"
    return f"Showing: {shown}" + (f" · in {md_iso(category, 30)}" if category != "All" else "")


def voter_label(voter: object) -> str:
    """The name button: who the votes are saved for (typed text: escaped and isolated)."""
    name = voter.strip() if isinstance(voter, str) else ""
    return f"Voting as {md_iso(name, 30)}" if name else "Your name (optional)"


def pair_runs(store: RunStore, pair: Shown) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The two runs of a pair, or None when either was deleted meanwhile."""
    left, right = reads.get_run(store, pair.left), reads.get_run(store, pair.right)
    return (left, right) if left is not None and right is not None else None


def _act(action: str) -> None:
    """A click without the browser's queue (the key script routes real clicks through it)."""
    session().act(data.store(), action, st.session_state.get(VOTER))


def vote_bars(arena: ArenaSession) -> None:
    """Both bars, always drawn: the browser shows the one for the state it sees, Python's or one ahead of it."""
    # Rows of buttons in one flex container each (no columns): fewer elements for the browser to draw.
    with st.container(key="arena-votebar"):
        row = st.container(horizontal=True, gap="small")
        for outcome in VOTE_ACTIONS:
            row.button(
                f"{LABELS[outcome]} ({KEYS[outcome].upper()})",
                key=f"arena-act-{KEYS[outcome]}",
                on_click=_act,
                args=(outcome,),
                type="primary" if outcome in ("left", "right") else "secondary",
                width="stretch",
            )
        st.caption(
            "Keys: A, B, T (tie), X (both bad); then U undoes, N shows the next pair. Keys pressed quickly "
            "are kept in order. Click outside a preview first: inside one, keys go to the page."
        )
    with st.container(key="arena-afterbar", horizontal=True, gap="small", vertical_alignment="center"):
        st.button("Undo vote (U)", key="arena-act-u", on_click=_act, args=("undo",))
        st.button("Next pair (N)", key="arena-act-n", on_click=_act, args=("next",), type="primary")
        with st.container(key="arena-saved"):
            if arena.vote:
                st.success(f"Vote saved: {OUTCOME_LABELS[arena.vote['outcome']]}.")


def pairs(store: RunStore, arena: ArenaSession, *, draw_next: bool = True) -> None:
    """Two fixed slots: the pair on screen, and the next one already loaded (hidden) in the other.

    Showing the next pair swaps the slots in the browser at once; the frames stay where they are, so
    nothing reloads, and the old pair's prompt and reveal go with its slot. Without `draw_next` (a visit's
    first draw, until the browser asks for it) the other slot stays empty: the pair on screen loads alone.
    """
    on_screen = arena.number % 2
    for slot in (0, 1):
        pair = arena.current if slot == on_screen else arena.upcoming
        runs = pair_runs(store, pair) if pair else None
        if pair is not None and runs is None and slot != on_screen:
            arena.upcoming = None  # deleted meanwhile: another is chosen on the next run
        comparison = reads.get_comparison(store, pair.comparison_id) if pair and runs else None
        with st.container(key=f"arena-slot-{slot}"):
            if runs is None or comparison is None or (slot != on_screen and not draw_next):
                continue
            with st.expander(f"Prompt: {md(comparison['title'])}"):  # a label is markdown
                st.text(comparison["prompt_text"])
            for col, run, label in zip(st.columns(2, gap="medium"), runs, ("A", "B"), strict=True):
                with col:
                    st.markdown(f"**{label}**")
                    blind_preview(run, label, arena.restarts if slot == on_screen else 0)
                    with st.container(key=f"arena-reveal-{slot}-{label.lower()}"):
                        if slot == on_screen and arena.vote:
                            reveal(store, run, label, arena.vote)


def blind_preview(run: dict[str, Any], label: str, revision: int) -> None:
    """A's or B's page in the sandbox, laid out at the comparison's desktop viewport and scaled whole."""
    document = sandbox_document(
        run["artifact"],
        run["artifact_kind"],
        revision=revision,
        title=f"Program {label}",
        network=preview_network(),
    )
    st.iframe(document, height="content")


def reveal(store: RunStore, run: dict[str, Any], label: str, vote: dict[str, str]) -> None:
    """After the vote: which contestant (a model, or a recipe and the model that built this round) wrote this page,
    and its metrics."""
    side = "left" if label == "A" else "right"
    won = vote["outcome"] == side
    built = f" (this round by {md(run['model_id'])})" if run.get("recipe") else ""
    st.markdown(f"**{label}: {md(contestant(run))}**{built}" + (" — your pick" if won else ""))
    views.metrics_card(run)
    check = latest_checks(store, [run["id"]]).get(run["id"])
    if check:
        st.caption(f"Render check: {verdict_label(check['verdict'])}")
    score = latest_scores(store, [run["id"]]).get(run["id"])
    if score:
        st.caption(f"AI judge ({md(score['judge_model'])}): {score['overall']:g}/10 — {md(score['reason'] or '')}")
