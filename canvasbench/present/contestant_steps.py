"""A contestant's steps as the pages show them: its chain of rows (plan, rounds), its final round, its steps' models.

A contestant is a model on its own or a build recipe (canvasbench.contestants): a recipe's planner row comes
before its round 0 and writes a design, never a page, so it is a step of the chain but never its tile, cell or
arena entry; its cost, tokens and time count in the contestant's totals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from canvasbench.contestants import PLAN_ROUND, contestant, is_plan
from canvasbench.run.attempts import Attempt, attempt_rows


def chains(runs: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The runs grouped by contestant (a chain of `parent_run_id`: plan, round 0, its repairs), in round order.

    Chains come in the order their first row appears; a row whose parent is not among `runs` starts a chain, so
    repeats of one model (samples) stay apart.
    """
    runs = list(runs)
    by_id = {str(r["id"]): r for r in runs}

    def root(row: dict[str, Any]) -> str:
        seen: set[str] = set()
        while str(row.get("parent_run_id")) in by_id and str(row["id"]) not in seen:
            seen.add(str(row["id"]))
            row = by_id[str(row["parent_run_id"])]
        return str(row["id"])

    grouped: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        grouped.setdefault(root(run), []).append(run)
    return [sorted(chain, key=_round) for chain in grouped.values()]


def _round(run: Mapping[str, Any]) -> int:
    return PLAN_ROUND if is_plan(run) else int(run.get("round") or 0)


def plan_of(chain: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The chain's planner row, if it is a recipe's."""
    return next((run for run in chain if is_plan(run)), None)


def rounds_of(chain: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chain's rounds that answer with a page (round 0 and its repairs): the planner's row left out."""
    return [run for run in chain if not is_plan(run)]


def final(chain: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the contestant is shown as: its last round, or its planner's row while no round exists yet."""
    rounds = rounds_of(chain)
    return rounds[-1] if rounds else chain[-1]


def steps(chain: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """A recipe's steps and their models: ("plan", m), ("build", m), then ("fix", m) when repairs went elsewhere.

    Empty for a model on its own.
    """
    if not any(run.get("recipe") for run in chain):
        return []
    out: list[tuple[str, str]] = []
    builder = None
    for run in sorted(chain, key=_round):
        model = str(run.get("model_id") or "")
        if is_plan(run):
            out.append(("plan", model))
        elif builder is None:
            builder = model
            out.append(("build", model))
        elif model != builder and ("fix", model) not in out:
            out.append(("fix", model))
    return out


def hover(chain: Sequence[Mapping[str, Any]]) -> str:
    """Who the contestant is in full: `name — plan m · build m` for a recipe, else the model id and its provider."""
    first = chain[0]
    found = steps(chain)
    if found:
        return f"{contestant(first)} — " + " · ".join(f"{step} {model}" for step, model in found)
    model_id = str(first["model_id"])
    return f"{model_id} · provider {model_id.split(':', 1)[0]}"


# Attempts (rounds, time and cost to an acceptable page): run.attempts counts a chain of rounds; a recipe's
# planner row is folded in here as a cost, a time and a start before its round 0, never as a round.


def _when(stamp: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(stamp)) if stamp else None
    except ValueError:
        return None


def _plus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else float(a) + float(b)


def _folded(
    cost: float | None, generation: float | None, wall: float | None, plan: Mapping[str, Any], first: Mapping[str, Any]
) -> tuple[float | None, float | None, float | None]:
    """An attempt's cost, generation time and wall time with its planner's step counted before round 0."""
    planned = plan.get("latency_s")
    if generation is None or planned is None:
        generation = generation if planned is None else float(planned)
    else:
        generation = float(generation) + float(planned)
    start, later = _when(plan.get("started_at")), _when(first.get("started_at"))
    if wall is not None and start and later:
        wall = float(wall) + (later - start).total_seconds()
    return _plus(cost, plan.get("cost_usd")), generation, wall


def split_plans(rows: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], dict[str, Mapping[str, Any]]]:
    """The rows that are rounds, and each planner row by the id of the round 0 built on its design."""
    plans = {str(r["id"]): r for r in rows if is_plan(r)}
    by_child = {str(r["id"]): plans[str(r["parent_run_id"])] for r in rows if str(r.get("parent_run_id")) in plans}
    return [r for r in rows if not is_plan(r)], by_child


def with_plan(attempt: Attempt, plan: Mapping[str, Any] | None, first: Mapping[str, Any]) -> Attempt:
    """The Attempt with its recipe's planner step added to its cost and times (itself without a planner)."""
    if plan is None:
        return attempt
    cost, generation, wall = _folded(attempt.cost_usd, attempt.generation_s, attempt.wall_s, plan, first)
    return dataclasses.replace(attempt, cost_usd=cost, generation_s=generation, wall_s=wall)


def contestant_attempt_rows(
    rows: Sequence[Mapping[str, Any]], recipes: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The attempts table (`run.attempts.attempt_rows`) per contestant: `model` is the recipe's name for a recipe,
    and its planner's cost and time are in its totals.

    `rows`: `reads.round_rows`; `recipes`: each recipe row's recipe by run id, where the rows do not carry it.
    """
    recipes = recipes or {}
    named = [{**r, "recipe": r.get("recipe") or recipes.get(str(r["id"]))} for r in rows]
    rounds, plans = split_plans(named)
    by_id = {str(r["id"]): r for r in rounds}
    out = []
    for found in attempt_rows(rounds):
        first = by_id.get(str(found["run_id"]), {})
        plan = plans.get(str(found["run_id"]))
        if plan is not None:
            found["cost_usd"], found["generation_s"], found["wall_s"] = _folded(
                found.get("cost_usd"), found.get("generation_s"), found.get("wall_s"), plan, first
            )
        if first:
            found["model"] = contestant(first)
        out.append(found)
    return out
