"""A comparison's repair rounds as steps: per contestant its rounds, the round shown, what it took to be acceptable."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from canvasbench.run.acceptable import Acceptance, parse_accept
from canvasbench.run.attempts import Attempt, attempts, describe
from canvasbench.status import Status
from canvasbench.store import reads
from ui import code_viewer, data, text
from ui.format import md

DIFF_HEIGHT = 420


def contestants(runs: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The runs grouped by contestant (a round keeps its first answer's position), each in round order."""
    by_position: dict[Any, list[dict[str, Any]]] = {}
    for run in runs:
        by_position.setdefault(run.get("position"), []).append(run)
    return [sorted(chain, key=lambda r: r.get("round") or 0) for chain in by_position.values()]


def settings(options: str | None) -> tuple[Acceptance, int]:
    """What the comparison counts as acceptable and how many repair rounds it allowed (the default when unreadable)."""
    try:
        stored = json.loads(options or "{}")
        return parse_accept(stored.get("accept")), int(stored.get("repair") or 0)
    except (ValueError, TypeError, AttributeError):  # an option this version cannot read: count as the default
        return Acceptance(), 0


def attempts_of(comparison_id: str) -> dict[str, Attempt]:
    """Per contestant's first-answer run id: its Attempt, counted as the attempts export counts it."""
    rows = reads.round_rows(data.store(), comparison_id)
    if not rows:
        return {}
    accept, repair = settings(rows[0].get("options"))
    checks = {r["id"]: {"verdict": r.get("verdict"), "checked_at": r.get("checked_at")} for r in rows}
    return {found.run_id: found for found in attempts(rows, checks, accept, repair=repair)}


def step_label(run: dict[str, Any]) -> str:
    """`round 1 · renders`: a round and how it ended (its verdict once checked, else its status)."""
    verdict = (run.get("check") or {}).get("verdict")
    status = run.get("status") or Status.QUEUED
    return f"round {run.get('round') or 0} · {verdict if status == Status.DONE and verdict else status}"


def steps_line(chain: Sequence[dict[str, Any]]) -> str:
    """`round 0 · crashed → round 1 · renders`: the contestant's rounds at a glance."""
    return " → ".join(step_label(run) for run in chain)


def _details(chain: Sequence[dict[str, Any]], shown: dict[str, Any], name: str) -> None:
    """The repair message the shown round was sent and its code's diff from the round before."""
    index = chain.index(shown)
    if not index:
        return
    previous = chain[index - 1]
    with st.expander(f"Repair message sent in round {shown.get('round')}", icon=":material/build:"):
        text.literal(shown.get("turn_text") or "(not stored)", max_height=260)
    # A toggle, not an expander: a closed expander would still build the diff on every visit.
    both = bool(previous.get("artifact") and shown.get("artifact"))
    if both and st.toggle(f"Diff from round {previous.get('round') or 0}", key=f"round-diff-{shown['id']}"):
        titles = (f"{name} · round {previous.get('round') or 0}", f"{name} · round {shown.get('round')}")
        code_viewer.diff(previous, shown, titles, height=DIFF_HEIGHT)


def column(chain: list[dict[str, Any]], found: Attempt | None, draw: Callable[[dict[str, Any]], None]) -> None:
    """One contestant: with rounds, its steps and rounds to acceptable above the chosen round (the last by default)."""
    if len(chain) == 1 and (found is None or not found.repair):  # no rounds asked for: the plain column
        draw(chain[0])
        return
    first = chain[0]
    if found is not None:
        st.caption(md(describe(found)))
    st.caption(md(steps_line(chain)))
    by_round = {int(run.get("round") or 0): run for run in chain}
    picked = st.segmented_control(
        "Round shown",
        list(by_round),
        format_func=lambda n: f"round {n}",  # short: the line above says how each ended; 6 rounds fit a column
        default=list(by_round)[-1],
        key=f"round-step-{first['id']}",
        label_visibility="collapsed",
    )
    shown = by_round.get(picked if isinstance(picked, int) else -1) or chain[-1]
    _details(chain, shown, first["model_id"])
    draw(shown)
