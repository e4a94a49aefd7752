"""A comparison's repair rounds as steps: per contestant its rounds, the round shown, what it took to be acceptable."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from canvasbench.contestants import contestant, is_plan
from canvasbench.present import contestant_steps as steps
from canvasbench.run.acceptable import Acceptance, parse_accept
from canvasbench.run.attempts import Attempt, attempts, describe
from canvasbench.run.recipes import recipe_repairs
from canvasbench.status import Status
from canvasbench.store import reads
from ui import code_viewer, data, text
from ui.format import md

DIFF_HEIGHT = 420


def contestants(runs: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The runs grouped by contestant (its chain of rounds), each in round order: a recipe's planner row first."""
    return steps.chains(runs)


def attempt_for(chain: Sequence[dict[str, Any]], found: dict[str, Attempt]) -> Attempt | None:
    """The contestant's Attempt (keyed by its round 0, which a recipe's planner row comes before)."""
    first = (steps.rounds_of(chain) or list(chain))[0]
    return found.get(first["id"])


def settings(options: str | None) -> tuple[Acceptance, int]:
    """What the comparison counts as acceptable and how many repair rounds it allowed (the default when unreadable)."""
    try:
        stored = json.loads(options or "{}")
        return parse_accept(stored.get("accept")), int(stored.get("repair") or 0)
    except (ValueError, TypeError, AttributeError):  # an option this version cannot read: count as the default
        return Acceptance(), 0


def attempts_of(comparison_id: str) -> dict[str, Attempt]:
    """Per contestant's first-answer run id: its Attempt, counted as the attempts export counts it (a recipe's
    planner is no round, its cost and time are in the totals; a recipe allows its own repair rounds)."""
    rows = reads.round_rows(data.store(), comparison_id)
    if not rows:
        return {}
    accept, repair = settings(rows[0].get("options"))
    checks = {r["id"]: {"verdict": r.get("verdict"), "checked_at": r.get("checked_at")} for r in rows}
    own = recipe_settings(rows[0].get("options"))
    return {found.run_id: found for found in attempts(rows, checks, accept, repair=repair, recipe_repair=own)}


def recipe_settings(options: str | None) -> dict[str, int]:
    """Each recipe's own repair rounds by name, as stored with the comparison ({} when unreadable)."""
    try:
        return recipe_repairs(json.loads(options or "{}").get("recipes") or ())
    except (ValueError, TypeError, AttributeError):
        return {}


def step_label(run: dict[str, Any]) -> str:
    """`round 1 · renders`: a round and how it ended (its verdict once checked, else its status); a recipe's
    planner step is `plan · MODEL` (a design: no verdict)."""
    status = run.get("status") or Status.QUEUED
    if is_plan(run):
        model = str(run.get("model_id") or "").split(":", 1)[-1]
        return f"plan · {model}" + ("" if status == Status.DONE else f" · {status}")
    verdict = (run.get("check") or {}).get("verdict")
    return f"round {run.get('round') or 0} · {verdict if status == Status.DONE and verdict else status}"


def steps_line(chain: Sequence[dict[str, Any]]) -> str:
    """`round 0 · crashed → round 1 · renders`: the contestant's rounds at a glance."""
    return " → ".join(step_label(run) for run in chain)


def _details(chain: Sequence[dict[str, Any]], shown: dict[str, Any], name: str) -> None:
    """The repair message the shown round was sent and its code's diff from the round before."""
    index = chain.index(shown)
    if not index or is_plan(chain[index - 1]):  # round 0 (a recipe's was sent the design, shown above)
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
    """One contestant: with rounds, its steps and rounds to acceptable above the chosen round (the last by default);
    a recipe's planner step first, its design one click away (it has no page: no preview, no verdict)."""
    plan, built = steps.plan_of(chain), steps.rounds_of(chain)
    if plan is None and len(chain) == 1 and (found is None or not found.repair):  # no rounds: the plain column
        draw(chain[0])
        return
    first = built[0] if built else chain[0]
    if found is not None:
        st.caption(md(describe(found)))
    st.caption(md(steps_line(chain)))
    if plan is not None:
        _design(plan)
    if not built:  # the planner is still at work, or ended before a build started
        return
    by_round = {int(run.get("round") or 0): run for run in built}
    picked = st.segmented_control(
        "Round shown",
        list(by_round),
        format_func=lambda n: f"round {n}",  # short: the line above says how each ended; 6 rounds fit a column
        default=list(by_round)[-1],
        key=f"round-step-{first['id']}",
        label_visibility="collapsed",
    )
    shown = by_round.get(picked if isinstance(picked, int) else -1) or built[-1]
    _details(chain, shown, contestant(first))
    draw(shown)


def _design(plan: dict[str, Any]) -> None:
    """The planner's design (its raw answer), one click away; why it has none when it failed."""
    with st.expander(f"Design by the planner, {md(plan.get('model_id'))}", icon=":material/architecture:"):
        design = plan.get("response") or ""
        if design.strip():
            text.literal(design, max_height=360)
        else:
            st.caption(md(plan.get("error") or "No design text stored."))
