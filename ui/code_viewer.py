"""The comparison's Code view: one model's artifact in the full-width viewer, or two side by side as a diff."""

from __future__ import annotations

from typing import Any

import streamlit as st

from canvasbench.contestants import contestant, is_plan
from canvasbench.present.code_page import diff_page, too_big_to_diff, viewer_page
from canvasbench.run.comparisons import sample_labels
from canvasbench.sandbox.document import sandbox_document
from ui import data
from ui.format import md

HEIGHT = 760


# Highlighting 10,000 lines takes pygments about half a second: done once per version of a run's row in a
# database (the key), never per rerun, and without hashing the code itself.
@st.cache_data(show_spinner=False, max_entries=16)
def _viewer(database: str, run_id: str, updated_at: str | None, kind: str, _code: str) -> str:
    return sandbox_document(viewer_page(_code, kind), "html", height=HEIGHT, title="code viewer")


@st.cache_data(show_spinner=False, max_entries=16)
def _diff(key: tuple[str, str | None, str, str | None], _left: str, _right: str, titles: tuple[str, str]) -> str:
    return sandbox_document(diff_page(_left, _right, *titles), "html", height=HEIGHT, title="code diff")


def comparison_code(runs: list[dict[str, Any]]) -> None:
    """Pick a model (and optionally a second one to compare with) and read its code at full width."""
    # Per contestant (a recipe by its name, the model that wrote the round beside it); its planner left no code.
    labels = sample_labels([{**r, "model_id": contestant(r)} for r in runs if not is_plan(r)])
    names = {
        r["id"]: contestant(r) + (f" ({r['model_id']})" if r.get("recipe") else "") + labels.get(r["id"], "")
        for r in runs
    }
    with_code = [r for r in runs if r.get("artifact")]
    if not with_code:
        st.info("No model's response contained code to show; see the raw responses.")
        return
    by_id = {r["id"]: r for r in with_code}
    left, right = st.columns(2)
    chosen = left.selectbox("Code of", list(by_id), format_func=names.__getitem__, key="code.run")
    other = right.selectbox(
        "Compare with",
        [rid for rid in by_id if rid != chosen],
        index=None,
        format_func=names.__getitem__,
        placeholder="Nobody: show one model's code",
        key="code.other",
    )
    run = by_id[chosen]
    if other is None:
        page = _viewer(
            str(data.store().path), run["id"], run.get("updated_at"), run.get("artifact_kind") or "", run["artifact"]
        )
        st.iframe(page, height=HEIGHT)
        return
    peer = by_id[other]
    diff(run, peer, (names[run["id"]], names[peer["id"]]))


def diff(run: dict[str, Any], peer: dict[str, Any], titles: tuple[str, str], *, height: int = HEIGHT) -> None:
    """Two runs' artifacts side by side, changed lines marked (the Code view's diff; also a round's repair)."""
    if too_big_to_diff(run["artifact"], peer["artifact"]):
        st.warning("These artifacts are too long to compare line by line quickly; read them one at a time.")
        return
    key = (run["id"], run.get("updated_at"), peer["id"], peer.get("updated_at"))
    st.caption(f"Left: {md(titles[0])} · right: {md(titles[1])}")
    st.iframe(_diff(key, run["artifact"], peer["artifact"], titles), height=height)
