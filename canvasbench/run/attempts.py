"""Per contestant and comparison: rounds, wall time and cost to an acceptable page (the one computation)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canvasbench.contestants import contestant, is_plan
from canvasbench.run.acceptable import Acceptance, parse_accept
from canvasbench.run.recipes import stored_recipes
from canvasbench.status import Status

FOLLOW_UP_VERSION = "followup"  # stored in a round's repair_version: the user's instruction, not a repair message


def is_follow_up(row: Mapping[str, Any]) -> bool:
    """Whether a stored round was a follow-up instruction (not round 0, not a repair)."""
    return row.get("repair_version") == FOLLOW_UP_VERSION


@dataclass(frozen=True)
class Attempt:
    """One contestant's rounds in one comparison, counted up to the first acceptable one (else all of them).

    A recipe's planner step is in its totals (time, tokens, cost) but is no round; follow-up turns (and the
    repairs after them) are a new question, left out of the rounds and totals and only counted.
    """

    comparison_id: str
    prompt_id: str | None
    model_id: str  # round 0's model (a recipe's builder)
    run_id: str  # round 0's run
    rounds_run: int  # how many rounds ran (1 = the first answer only), follow-ups not included
    rounds: int | None  # rounds to acceptable: 0 = the first answer was; None = not within the rounds run
    repair: int  # the repair rounds allowed
    wall_s: float | None  # first step's start (a batch's: submitted) to the counted last round's verdict
    generation_s: float | None  # the counted steps' generation time alone (a planner's included)
    cost_usd: float | None  # the counted steps' cost, a planner's included (None when a price is unknown)
    tokens: tuple[int, ...]  # output + thinking tokens per round (the planner's are in tokens_total only)
    stopped: str  # why the rounds ended: acceptable / not within N / the failure / cancelled
    contestant: str = ""  # the name it competes under: its recipe's name, else its model id
    recipe: str | None = None
    tokens_total: int = 0  # output + thinking tokens of every counted step, the planner's included
    followup_rounds: int = 0  # follow-up turns sent after its rounds (not counted above)
    batch: bool = False  # its rounds went through a batch engine: generation_s is their turnarounds, no stream

    @property
    def acceptable(self) -> bool:
        """Whether a round was acceptable."""
        return self.rounds is not None


def _when(stamp: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(stamp)) if stamp else None
    except ValueError:
        return None


def _chains(rows: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """The runs grouped by contestant (a planner, round 0 and its repairs), each in round order, in the rows' order."""
    by_id = {row["id"]: row for row in rows}

    def root(row: Mapping[str, Any]) -> str:
        seen = set()
        while row.get("parent_run_id") in by_id and row["id"] not in seen:
            seen.add(row["id"])
            row = by_id[row["parent_run_id"]]
        return str(row["id"])

    chains: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        chains.setdefault(root(row), []).append(row)
    return [sorted(chain, key=lambda r: r.get("round") or 0) for chain in chains.values()]


def _tokens(row: Mapping[str, Any]) -> int:
    return int(row.get("output_tokens") or 0) + int(row.get("thinking_tokens") or 0)


def attempt_of(
    chain: Sequence[Mapping[str, Any]], verdicts: Mapping[str, Mapping[str, Any]], accept: Acceptance, repair: int
) -> Attempt:
    """One contestant's Attempt from its steps (round order) and their latest render checks."""
    plans = [row for row in chain if is_plan(row)]
    rounds_seen = [row for row in chain if not is_plan(row)]
    first_follow = next((i for i, row in enumerate(rounds_seen) if is_follow_up(row)), len(rounds_seen))
    own = rounds_seen[:first_follow]  # round 0 and its repairs: a follow-up asks something new
    counted: list[Mapping[str, Any]] = []
    rounds: int | None = None
    for index, row in enumerate(own):
        counted.append(row)
        verdict = (verdicts.get(row["id"]) or {}).get("verdict")
        if row["status"] == Status.DONE and accept.accepts(verdict, row.get("judge_score")):
            rounds = index
            break
    steps = [*plans, *counted]
    last = steps[-1]
    if rounds is not None:
        stopped = "acceptable"
    elif not counted and last["status"] == Status.CANCELLED:
        stopped = "cancelled while planning"
    elif not counted and last["status"] == Status.DONE:  # it answered, yet no build followed (an empty design)
        stopped = "the planner gave no design to build from"
    elif not counted:
        stopped = f"the planner {last['status']}: {last.get('error') or 'no design to build from'}"
    elif last["status"] == Status.CANCELLED:
        stopped = f"cancelled in round {len(counted) - 1}"
    elif last["status"] != Status.DONE:
        stopped = f"round {len(counted) - 1} {last['status']}: {last.get('error') or 'no reason given'}"
    else:
        stopped = f"not within {repair} round{'s' if repair != 1 else ''}"
    # A batch round never "starts" here: its clock runs from being submitted (created), as its latency does.
    start = _when(steps[0].get("started_at") or steps[0].get("created_at"))
    end = _when((verdicts.get(last["id"]) or {}).get("checked_at")) or _when(last.get("finished_at"))
    costs = [row.get("cost_usd") for row in steps]
    latencies = [row.get("latency_s") for row in steps]
    head = own[0] if own else chain[0]
    return Attempt(
        comparison_id=str(head["comparison_id"]),
        prompt_id=head.get("prompt_id"),
        model_id=str(head["model_id"]),
        run_id=str(head["id"]),
        rounds_run=len(own),
        rounds=rounds,
        repair=repair,
        wall_s=(end - start).total_seconds() if start and end else None,
        generation_s=sum(x for x in latencies if x is not None) if any(x is not None for x in latencies) else None,
        cost_usd=None if any(c is None for c in costs) else sum(float(c) for c in costs if c is not None),
        tokens=tuple(_tokens(row) for row in own),
        stopped=stopped,
        contestant=contestant(head),
        recipe=head.get("recipe"),
        tokens_total=sum(_tokens(row) for row in steps),
        followup_rounds=sum(1 for row in rounds_seen if is_follow_up(row)),
        batch=any(row.get("batch_id") for row in chain),
    )


def attempts(
    rows: Sequence[Mapping[str, Any]],
    verdicts: Mapping[str, Mapping[str, Any]],
    accept: Acceptance,
    *,
    repair: int,
    recipe_repair: Mapping[str, int] | None = None,
) -> list[Attempt]:
    """Every contestant's Attempt, per comparison, in the rows' order (rows: stored runs with their round columns).

    `repair` is the comparison's (for models on their own); a recipe's own comes from `recipe_repair` by name.
    """
    found = []
    for chain in _chains(rows):
        name = next((row.get("recipe") for row in chain if row.get("recipe")), None)
        allowed = (recipe_repair or {}).get(name, 0) if name else repair
        found.append(attempt_of(chain, verdicts, accept, allowed))
    return found


def describe(attempt: Attempt) -> str:
    """One line for people: rounds to acceptable (or why not), wall time, generation time, tokens, cost."""
    if attempt.rounds == 0:
        head = "acceptable on the first answer (round 0)"
    elif attempt.rounds is not None:
        head = f"acceptable after {attempt.rounds} repair round{'s' if attempt.rounds != 1 else ''}"
    else:
        head = attempt.stopped
    bits = []
    if attempt.wall_s is not None:
        bits.append(f"{attempt.wall_s:.1f} s wall clock")
    if attempt.generation_s is not None:
        bits.append(f"{attempt.generation_s:.1f} s {'in batch turnarounds' if attempt.batch else 'generating'}")
    bits.append(f"{attempt.tokens_total:,} tokens out")
    bits.append("cost unknown" if attempt.cost_usd is None else f"${attempt.cost_usd:.4f}")
    return f"{head} ({', '.join(bits)}; {attempt.rounds_run} round{'s' if attempt.rounds_run != 1 else ''} run)"


# The attempts export: one row per contestant and comparison; columns are only ever appended.
# `model` is the name the contestant competes under (a recipe's name, else its model id), as every page groups by.
ATTEMPT_COLUMNS: tuple[str, ...] = (
    "comparison_id", "prompt_id", "model", "run_id", "accept", "repair", "rounds_run", "acceptable",
    "rounds_to_acceptable", "wall_s", "generation_s", "cost_usd", "tokens_per_round", "stopped", "recipe",
    "build_model", "tokens_total", "followup_rounds",
)  # fmt: skip


def attempt_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The attempts table from `reads.round_rows`: each comparison counted with its own repair and accept options."""
    by_comparison: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_comparison.setdefault(str(row["comparison_id"]), []).append(row)
    out = []
    for runs in by_comparison.values():
        try:
            options = json.loads(runs[0].get("options") or "{}")
            accept = parse_accept(options.get("accept"))
        except ValueError:  # an option this version cannot read: count against the default
            options, accept = {}, Acceptance()
        checks = {r["id"]: {"verdict": r.get("verdict"), "checked_at": r.get("checked_at")} for r in runs}
        recipes = stored_recipes(options.get("recipes") or ())
        own = {name: recipe.repair for name, recipe in recipes.items()}
        for found in attempts(runs, checks, accept, repair=int(options.get("repair") or 0), recipe_repair=own):
            # A recipe that never reached round 0 (its planner failed) still names its builder, not its planner.
            builder = recipes[found.recipe].build if found.recipe in recipes else found.model_id
            out.append({
                "comparison_id": found.comparison_id, "prompt_id": found.prompt_id, "model": found.contestant,
                "run_id": found.run_id, "accept": accept.spec, "repair": found.repair,
                "rounds_run": found.rounds_run, "acceptable": found.acceptable, "rounds_to_acceptable": found.rounds,
                "wall_s": found.wall_s, "generation_s": found.generation_s, "cost_usd": found.cost_usd,
                "tokens_per_round": json.dumps(list(found.tokens)), "stopped": found.stopped,
                "recipe": found.recipe, "build_model": builder, "tokens_total": found.tokens_total,
                "followup_rounds": found.followup_rounds,
            })  # fmt: skip
    return out
