"""Live lanes of a comparison: one per model, streaming until that model finishes, then its preview at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from canvasbench.contestants import contestant, is_plan
from canvasbench.present import batch_words, formatting
from canvasbench.present.outcome import RunState, StallWatch, describe_run
from ui import data, views
from ui.format import md, state_badge
from ui.text import clipped

TAIL_LINES = 14


@st.cache_resource(show_spinner=False)
def stall_watch() -> StallWatch:
    """One watch for the process: seconds without data survive page switches and are shared by sessions."""
    return StallWatch()


def _stats(run: dict[str, Any], stalled_s: float | None) -> str:
    """Elapsed, lines so far and speed; a stalled stream shows no (stale) rate."""
    active = run.get("status") in views.ACTIVE
    if batch_words.is_batch(run):  # no stream: no speed, no first token; its time is the batch's turnaround
        if active:
            return "in a batch job · no stream to show"
        written = f"**{formatting.count(run.get('lines'))}** lines"
        return f"{md(batch_words.turnaround(run))} · {written} · {md(batch_words.NO_STREAM)}"
    took = run.get("latency_s") if not active else None
    if took is None:
        took = formatting.seconds_between(run.get("started_at"), run.get("finished_at"))
    lines = run.get("lines") if not active and run.get("lines") is not None else run.get("lines_so_far")
    bits = [formatting.duration(took), f"**{formatting.count(lines)}** lines"]
    state = describe_run(run, stalled_s=stalled_s)
    if state.key != "stalled":  # a quiet stream has no current rate; its notice says how long it has been quiet
        speed = run.get("tokens_per_s")
        if speed is None and active and took and run.get("chars_so_far"):
            start = run.get("ttft_s") or 0.0
            speed = run["chars_so_far"] / 4 / max(took - start, 0.001)  # ≈ tokens while streaming
            bits.append(f"≈{formatting.rate(speed)}")
        elif speed is not None:
            bits.append(formatting.rate(speed))
    if run.get("ttft_s") is not None:
        bits.append(f"TTFT {formatting.duration(run['ttft_s'])}")
    return " · ".join(bits)


def state_of(run: dict[str, Any]) -> tuple[RunState, float | None]:
    """A lane's state and seconds without new data, worked out once per read so its header can count the same."""
    stalled_s = stall_watch().stalled_s(run)
    return describe_run(run, stalled_s=stalled_s), stalled_s


def lane(
    run: dict[str, Any],
    *,
    on_cancel: Callable[[str], None] | None,
    height: int,
    sample: str = "",
    seen: tuple[RunState, float | None] | None = None,
    check: str = "",
) -> None:
    """One model's lane: the tail of its code while it streams, its preview the moment it has finished.

    `seen` is the run's `state_of` from the read the page's header counted; `check` its render check so far.
    """
    state, stalled_s = seen or state_of(run)
    with st.container(border=True):
        # A recipe's lane under its name, with the step streaming now (its plan, then its rounds).
        step = (" · plan" if is_plan(run) else f" · round {run.get('round') or 0}") if run.get("recipe") else ""
        clipped(contestant(run), strong=True, suffix=sample + step)
        st.markdown(f"{state_badge(state)} · {_stats(run, stalled_s)}")
        if state.active and batch_words.is_batch(run):  # a whole answer arrives later: nothing streams here
            st.info(md(batch_words.waiting(run)), icon=":material/schedule:")
            return
        if state.active:
            tail = "\n".join((run.get("tail") or "").splitlines()[-TAIL_LINES:])
            st.code(tail or " ", language="html", height=height)
            if state.message:
                st.caption(md(state.message))
            if on_cancel is not None:
                st.button(
                    "Cancel",
                    key=f"cancel-{run['id']}",
                    on_click=on_cancel,
                    args=(run["id"],),
                    icon=":material/stop_circle:",
                )
            return
        if is_plan(run):  # a design, not a page: nothing to preview or check
            st.caption(md(state.message or "Design written: the builder answers next."))
            return
        # The row as read with the header (a cached fuller copy must not bring back an older status).
        full = {**(data.full_run(run["id"], run.get("updated_at")) or run), **run}
        said = views.preview(full, height=height)
        if check:
            st.markdown(check)
        if not said:  # a run that failed without an answer: said once, there
            views.warnings(full)
