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
from ui.text import md_iso

HEIGHT = 760
CODE_OF, COMPARE_WITH = "code.run", "code.other"  # the choices' session keys: they hold across reruns
# The model whose code is shown is a row of buttons (a widget kind the page has drawn already, for its view
# switch) while their names fit in one row beside the Compare button in a 1440 px window (measured in Chromium:
# a button is ~30 px and ~6.3 px a character); more models, or longer names, get a drop-down.
MAX_BUTTONS, ROW_PX, BUTTON_PX, CHAR_PX = 6, 814, 30, 6.5


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
    # One row: the model's buttons, and the diff's choice behind one click (a closed popover draws nothing).
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        chosen = _code_of(list(by_id), names)
        other = _compare_with([rid for rid in by_id if rid != chosen], names)
    run = by_id[chosen]
    if not other:
        page = _viewer(
            str(data.store().path), run["id"], run.get("updated_at"), run.get("artifact_kind") or "", run["artifact"]
        )
        st.iframe(page, height=HEIGHT)
        return
    peer = by_id[other]
    diff(run, peer, (names[run["id"]], names[peer["id"]]))


def _fits_in_buttons(names: list[str]) -> bool:
    return len(names) <= MAX_BUTTONS and sum(BUTTON_PX + CHAR_PX * len(name) for name in names) <= ROW_PX


def _code_of(ids: list[str], names: dict[str, str]) -> str:
    """Whose code: a row of buttons for a few models (their kind is on the page already), else a drop-down."""
    # The key outlives the comparison it was set on: another comparison's run falls back to the first one here.
    if st.session_state.get(CODE_OF) not in ids:
        st.session_state[CODE_OF] = ids[0]
    if _fits_in_buttons([names[rid] for rid in ids]):
        chosen = st.segmented_control(
            "Code of", ids, format_func=lambda rid: md_iso(names[rid]), key=CODE_OF, required=True, wrap=True
        )
    else:  # selectbox options are plain text (no markdown): the names go as they are
        chosen = st.selectbox("Code of", ids, format_func=names.__getitem__, key=CODE_OF)
    return chosen or ids[0]


def _compare_with(others: list[str], names: dict[str, str]) -> str:
    """The run to diff against ("" for none), chosen in a popover: one click away, and nothing drawn until then."""
    options = ["", *others]
    if st.session_state.get(COMPARE_WITH) not in options:  # not chosen yet, the run shown, another comparison's
        st.session_state[COMPARE_WITH] = ""
    with st.popover("Compare with…", icon=":material/difference:", disabled=not others):
        picked = st.radio(
            "Compare with",
            options,
            format_func=lambda rid: md_iso(names[rid]) if rid else "Nobody: show one model's code",
            key=COMPARE_WITH,
            label_visibility="collapsed",
        )
    return picked or ""


def diff(run: dict[str, Any], peer: dict[str, Any], titles: tuple[str, str], *, height: int = HEIGHT) -> None:
    """Two runs' artifacts side by side, changed lines marked (the Code view's diff; also a round's repair)."""
    if too_big_to_diff(run["artifact"], peer["artifact"]):
        st.warning("These artifacts are too long to compare line by line quickly; read them one at a time.")
        return
    key = (run["id"], run.get("updated_at"), peer["id"], peer.get("updated_at"))
    st.caption(f"Left: {md(titles[0])} · right: {md(titles[1])}")
    st.iframe(_diff(key, run["artifact"], peer["artifact"], titles), height=height)
