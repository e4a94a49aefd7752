"""Arena: two pages built for the same prompt, models hidden until you vote; then the reveal and the next pair."""

from __future__ import annotations

import streamlit as st

from canvasbench.arena.session import NEXT
from canvasbench.store import reads
from ui import arena, arena_keys, data
from ui.format import md

store = data.store()
if arena.VOTER not in st.session_state and st.session_state.get(arena.VOTER_KEPT):  # back from another page
    st.session_state[arena.VOTER] = st.session_state[arena.VOTER_KEPT]
voter = st.session_state.get(arena.VOTER)

# Keys queued in the browser are applied first, in order, to the pairs they were pressed on.
session = arena.session()
session.apply_keys(store, arena_keys.queued(), voter)

st.title("Arena")
st.caption(
    "Two programs written for the same prompt. Which model wrote which stays hidden until you vote; "
    "runs still generating are never shown."
)

every = arena.choices(store)
if not every:
    st.info("No finished comparison with pages from at least two models yet. Run one on the New comparison page.")
    st.stop()
categories = sorted({c["category"] for c in every if c["category"]})
labels = {NEXT: "Next unvoted pair (newest first)"} | {c["id"]: arena.entry(c) for c in every}
# The pickers and the name change rarely: each sits behind one click (a closed popover draws nothing, so its
# widgets cost the page load nothing), its label saying what is chosen. The comparison picker is drawn only
# while its menu is open: at thousands of comparisons its list was 46 kB of every arena page's first load.
row = st.container(horizontal=True, gap="small")
# A change in the open menu reruns the page: the choice is in session state here already.
category, comparisons, pick = arena.chosen(categories, every)
chosen_category = None if category == "All" else category
label = arena.choice_label(comparisons, category, pick)
menu = row.popover(label, icon=":material/tune:", key=arena.MENU, on_change="rerun")
if menu.open:
    with menu:
        st.selectbox("Category", ["All", *categories], key=arena.CATEGORY)
        options = [NEXT, *(c["id"] for c in comparisons)]
        st.selectbox("Comparison", options, format_func=lambda key: labels[key], key=arena.PICK)
with row.popover(arena.voter_label(voter), icon=":material/person:"):
    voter = st.text_input("Your name (saved with arena votes)", key=arena.VOTER, placeholder="optional")
    st.session_state[arena.VOTER_KEPT] = voter
if not comparisons:
    st.info(f"No finished comparison with pages from at least two models in category {md(category)} yet.")
    st.stop()

# A new choice of comparison or category replaces the pair (and closes the undo window of the last vote).
pair = session.show(store, pick, chosen_category)
if pair is None:
    st.success("Every pair of models in these comparisons has a vote. Pick a comparison to vote on it again.")
    st.stop()
if reads.get_comparison(store, pair.comparison_id) is None or arena.pair_runs(store, pair) is None:
    session.forget()  # deleted meanwhile
    st.rerun()

arena.vote_bars(session)
# A visit's first draw holds the next pair back until the browser, with the pair on screen loaded, asks for it.
next_drawn = arena_keys.next_asked()
# After the bars: the browser learns a vote is stored once "Vote saved" is already in the page, so the vote
# never blinks out between "saving…" and "saved". Before anything conditional: a moved element remounts.
arena_keys.mount(session, next_drawn=next_drawn)
if session.error:
    st.error(md(session.error))
arena.pairs(store, session, draw_next=next_drawn)

if st.button("Restart both previews", key="arena.restart"):
    session.restarts += 1
    st.rerun()
