"""Follow-up turns by hand: one instruction sent to every contestant as the next turn of its own conversation."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from canvasbench.contestants import contestant as contestant_of
from canvasbench.contestants import is_plan
from canvasbench.errors import CanvasBenchError, UsageError
from canvasbench.providers.base import GenerationRequest
from canvasbench.providers.registry import ensure_ready, parse_model_id
from canvasbench.redact import redact
from canvasbench.run.attempts import FOLLOW_UP_VERSION, _chains, is_follow_up
from canvasbench.run.live_run import LiveRun, RunOptions
from canvasbench.run.recipes import Recipe, parse_recipe
from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store import RunStore, reads, writes

if TYPE_CHECKING:
    import asyncio

_STARTING = threading.Lock()  # one follow-up decided and recorded at a time: two clicks never start two
MAX_FOLLOW_UP_CHARS = 20_000


def follow_up_instructions(rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """The follow-up instructions a comparison's rounds were sent, in order, once each: (round, instruction)."""
    seen: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r.get("round") or 0):
        text = row.get("turn_text") or ""
        if is_follow_up(row) and text and text not in seen:
            seen[text] = int(row.get("round") or 0)
    return [(rnd, text) for text, rnd in seen.items()]


@dataclass(frozen=True)
class Contestant:
    """One contestant's last round and the request that continues its conversation with the instruction."""

    last: Mapping[str, Any]
    request: GenerationRequest


def stored_options(comparison: Mapping[str, Any]) -> RunOptions:
    """The options a comparison was started with (an option this version does not know is left out)."""
    try:
        stored = json.loads(comparison.get("options") or "{}")
    except ValueError:
        stored = {}
    known = {f.name for f in dataclasses.fields(RunOptions)}
    return RunOptions(**{k: v for k, v in stored.items() if k in known})


def conversations(
    rows: Sequence[Mapping[str, Any]], prompt: str, options: RunOptions, instruction: str
) -> tuple[list[Contestant], list[str]]:
    """Each contestant's whole conversation (prompt, answers, repair and follow-up turns) then `instruction`.

    Returns the contestants to follow up and, for people, why any other was left out (a last round
    with no answer has nothing to follow up). Images sent with earlier repair turns are not stored, so
    the history is text alone; thinking is never part of it.
    """
    ready: list[Contestant] = []
    skipped: list[str] = []
    for steps in _chains(rows):
        # A recipe's planner wrote a design, not a page: its builder's conversation starts with prompt + design.
        chain = [row for row in steps if not is_plan(row)]
        if not chain:
            skipped.append(f"{contestant_of(steps[-1])}: its planner gave no design, so nothing was built to follow up")
            continue
        last = chain[-1]
        request = GenerationRequest(
            model=parse_model_id(str(last["model_id"]))[1], prompt=str(chain[0].get("turn_text") or prompt),
            max_output_tokens=options.max_output_tokens, thinking=options.thinking, temperature=options.temperature,
        )  # fmt: skip
        for earlier, later in itertools.pairwise(chain):
            request = request.follow_up(earlier.get("response") or "", str(later.get("turn_text") or ""))
        if not (last.get("response") or "").strip():
            skipped.append(f"{last['model_id']} round {last.get('round') or 0}: it has no answer to follow up")
            continue
        ready.append(Contestant(last, request.follow_up(str(last["response"]), instruction)))
    return ready, skipped


def _stored_recipe(spec: str) -> Recipe | None:
    try:
        return parse_recipe(spec, check_keys=False)
    except UsageError:  # a spelling this version cannot read: its rounds follow the comparison's settings
        return None


def clean_instruction(text: str) -> str:
    """The instruction as sent, refused (UsageError) when empty or far too long."""
    text = (text or "").strip()
    if not text:
        raise UsageError("The follow-up is empty: write the instruction to send, e.g. 'add a pause button'.")
    if len(text) > MAX_FOLLOW_UP_CHARS:
        raise UsageError(f"The follow-up is {len(text):,} characters; keep it under {MAX_FOLLOW_UP_CHARS:,}.")
    return redact(text)  # stored with each round: a pasted key never reaches the database


def follow_up_inputs(
    store: RunStore, comparison_id: str, text: str, *, running: bool = False
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The instruction, the comparison and its runs, refused (UsageError) when there is nothing to follow up."""
    instruction = clean_instruction(text)
    comparison = reads.get_comparison(store, comparison_id)
    if comparison is None:
        raise UsageError(f"No comparison with id {comparison_id}: list them in the dashboard's gallery.")
    rows = reads.runs_of(store, comparison_id)
    if running or any(r["status"] in ACTIVE_STATUSES for r in rows):
        raise UsageError("This comparison is still running: wait for it to finish (or cancel it), then follow up.")
    if not rows:
        raise UsageError(f"Comparison {comparison_id} has no runs to follow up.")
    return instruction, comparison, rows


@dataclass(frozen=True)
class FollowUp:
    """What a follow-up started: its new rounds (run ids) and the contestants left out, with why."""

    comparison_id: str
    run_ids: list[str]
    skipped: list[str]


class FollowUps:
    """Mixed into Runner: start a follow-up round for every contestant of a finished comparison."""

    store: RunStore
    _closed: bool
    _lock: threading.Lock
    _loop: asyncio.AbstractEventLoop
    _runs: dict[str, LiveRun]
    _comparisons: dict[str, list[str]]
    _checks: object | None
    _judge: object | None

    def _active(self, comparison_id: str) -> bool:
        raise NotImplementedError

    def _start(self, runs: list[LiveRun]) -> None:
        raise NotImplementedError

    def follow_up(self, comparison_id: str, text: str) -> FollowUp:
        """Send `text` to every contestant as its next turn; each becomes a round, checked (and repaired) as usual.

        With the comparison's --repair N, a follow-up that is not acceptable gets up to N repair rounds of
        its own, counted from the follow-up, against the comparison's stored acceptance.
        """
        if self._closed:
            raise CanvasBenchError("This runner has been shut down; start a new one.")
        with _STARTING:
            return self._follow_up(comparison_id, text)

    def _follow_up(self, comparison_id: str, text: str) -> FollowUp:
        with self._lock:
            busy = self._active(comparison_id)
        instruction, comparison, rows = follow_up_inputs(self.store, comparison_id, text, running=busy)
        options = stored_options(comparison)
        repair, accept = options.repair_settings(checks=self._checks is not None, judge=self._judge)
        recipes = {r.name: r for r in map(_stored_recipe, options.recipes) if r is not None}
        ready, skipped = conversations(rows, str(comparison.get("prompt_text") or ""), options, instruction)
        if not ready:
            raise UsageError("No contestant has an answer to follow up: " + "; ".join(skipped))
        for contestant in ready:
            ensure_ready(str(contestant.last["model_id"]))
        from canvasbench.run.warm import warm

        warm(dict.fromkeys(parse_model_id(str(c.last["model_id"]))[0] for c in ready))
        runs = []
        for contestant in ready:
            last = contestant.last
            new_id = writes.add_round(
                self.store, str(last["id"]), turn_text=instruction, repair_version=FOLLOW_UP_VERSION
            )
            model_id = str(last["model_id"])
            run = LiveRun(
                new_id, comparison_id, model_id, parse_model_id(model_id)[0], contestant.request,
                deadline_s=options.deadline_s, round=int(last.get("round") or 0) + 1,
            )  # fmt: skip
            # Repairs after a follow-up: N more rounds from this one (a round's `repair` is its last round number);
            # a recipe's own N, to its fixer when it has one.
            recipe = recipes.get(str(last.get("recipe") or ""))
            own = recipe.repair if recipe else repair
            run.repair = run.round + own if own else 0
            run.recipe, run.fix_model = recipe, recipe.fix if recipe else None
            run.accept, run.judge_model = accept, options.judge_model
            runs.append(run)
        with self._lock:
            self._comparisons.setdefault(comparison_id, []).extend(run.run_id for run in runs)
            self._runs.update((run.run_id, run) for run in runs)
        self._loop.call_soon_threadsafe(functools.partial(self._start, runs))
        return FollowUp(comparison_id, [run.run_id for run in runs], skipped)
