"""A contestant's steps as the pages show them: its chain of rows (plan, rounds), its final round, its steps' models.

A contestant is a model on its own or a build recipe (canvasbench.contestants): a recipe's planner row comes
before its round 0 and writes a design, never a page, so it is a step of the chain but never its tile, cell or
arena entry; its cost, tokens and time count in the contestant's totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from canvasbench.contestants import PLAN_ROUND, contestant, is_plan


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
