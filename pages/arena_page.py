"""Arena: two pages built for the same prompt, models hidden until you vote; then the reveal and the next pair."""

from __future__ import annotations

import streamlit as st

from canvasbench.arena.pairing import arena_comparisons
from canvasbench.present import formatting
from canvasbench.store import reads
from ui import arena, data
from ui.format import md

store = data.store()
with st.sidebar:
    voter = st.text_input("Your name (saved with arena votes)", key=arena.VOTER, placeholder="optional")

st.title("Arena")
st.caption(
    "Two programs written for the same prompt. Which model wrote which stays hidden until you vote; "
    "runs still generating are never shown."
)

every = arena_comparisons(store)
categories = sorted({c["category"] for c in every if c["category"]})
c1, c2 = st.columns([1, 3])
category = c1.selectbox("Category", ["All", *categories], key=arena.CATEGORY)
chosen_category = None if category == "All" else category
comparisons = [c for c in every if chosen_category is None or c["category"] == chosen_category]
if not comparisons:
    st.info(
        "No finished comparison with pages from at least two models yet"
        + (f" in category {md(category)}" if chosen_category else "")
        + ". Run one on the New comparison page."
    )
    st.stop()
labels = {arena.NEXT: "Next unvoted pair (newest first)"}
labels |= {c["id"]: f"{c['title']} · {formatting.when(c['created_at'])} · {c['votes']} votes" for c in comparisons}
pick = c2.selectbox("Comparison", list(labels), format_func=lambda key: labels[key], key=arena.PICK)

pair = st.session_state.get(arena.PAIR)
shown = {c["id"] for c in comparisons}
# A new choice of comparison or category replaces the pair (and closes the undo window of the last vote).
if pair is None or pair["comparison_id"] not in shown or (pick != arena.NEXT and pair["comparison_id"] != pick):
    pair = arena.choose_pair(store, pick, chosen_category)
if pair is None:
    st.success("Every pair of models in these comparisons has a vote. Pick a comparison to vote on it again.")
    st.stop()

comparison = reads.get_comparison(store, pair["comparison_id"])
left, right = reads.get_run(store, pair["left"]), reads.get_run(store, pair["right"])
if comparison is None or left is None or right is None:  # deleted meanwhile
    st.session_state.pop(arena.PAIR, None)
    st.rerun()
    st.stop()
assert comparison is not None and left is not None and right is not None

with st.expander(f"Prompt: {comparison['title']}"):
    st.text(comparison["prompt_text"])

vote = st.session_state.get(arena.VOTE)
col_a, col_b = st.columns(2, gap="medium")
for col, run, label in ((col_a, left, "A"), (col_b, right, "B")):
    with col:
        st.subheader(label)
        arena.blind_preview(run, label)
        if vote:
            arena.reveal(store, run, label, vote)

if st.button("Restart both previews", key="arena.restart"):
    st.session_state[arena.RESTARTS] = int(st.session_state.get(arena.RESTARTS, 0)) + 1
    st.rerun()

if vote:
    arena.after_vote_actions(store, vote)
else:
    st.caption("Keys: A, B, T (tie), X (both bad). Click outside a preview first: inside one, keys go to the page.")
    arena.vote_buttons(store, pair, voter)
