"""A build recipe's steps on the runner: its first run (planner, else builder) and the build after a plan."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from canvasbench.contestants import PLAN_ROUND, PLAN_VERSION
from canvasbench.providers.base import GenerationRequest
from canvasbench.providers.registry import parse_model_id
from canvasbench.redact import redact
from canvasbench.run.live_run import LiveRun
from canvasbench.run.plan_message import build_turn, plan_turn
from canvasbench.run.recipes import Recipe
from canvasbench.status import Status


def first_step(recipe: Recipe, prompt: str) -> dict[str, Any]:
    """The stored columns of a recipe's first run: its planner's (round PLAN_ROUND), else its builder's round 0."""
    if recipe.plan:
        return {
            "model_id": recipe.plan, "recipe": recipe.name, "round": PLAN_ROUND, "repair_version": PLAN_VERSION,
            "turn_text": plan_turn(prompt),
        }  # fmt: skip
    return {"model_id": recipe.build, "recipe": recipe.name, "round": 0, "repair_version": None, "turn_text": None}


def first_run(run: LiveRun, recipe: Recipe, prompt: str) -> LiveRun:
    """`run` (made as for a model, with the comparison's settings) turned into the recipe's first step."""
    run.recipe, run.prompt = recipe, prompt
    if recipe.plan:
        run.round, run.repair = PLAN_ROUND, 0
        run.request = replace(run.request, prompt=plan_turn(prompt))
    else:
        run.repair, run.fix_model = recipe.repair, recipe.fix
    return run


def builds_next(run: LiveRun) -> bool:
    """Whether a finished planner's build follows (it answered in full, nothing was cancelled)."""
    return run.is_plan and design_of(run) is not None


def design_of(plan: LiveRun) -> str | None:
    """The planner's design when it answered in full and nothing was cancelled; None ends the contestant."""
    result = plan.result
    if result is None or result.status != Status.DONE or plan.chain is None or plan.chain.cancelled:
        return None
    return result.text if result.text.strip() else None


def build_request(plan: LiveRun, design: str) -> tuple[str, GenerationRequest]:
    """The builder's user turn (prompt + design) and its request, with the comparison's settings."""
    assert plan.recipe is not None
    text = redact(build_turn(plan.prompt, design))  # stored with the round: a key in the design never lands there
    return text, replace(plan.request, model=parse_model_id(plan.recipe.build)[1], prompt=text, images=(), history=())


def build_run(plan: LiveRun, run_id: str, request: GenerationRequest) -> LiveRun:
    """The recipe's round 0 after its plan: the builder, the recipe's repairs (to its fixer, if any)."""
    assert plan.recipe is not None
    recipe = plan.recipe
    return LiveRun(
        run_id, plan.comparison_id, recipe.build, parse_model_id(recipe.build)[0], request,
        deadline_s=plan.deadline_s, round=0, repair=recipe.repair, accept=plan.accept, judge_model=plan.judge_model,
        chain=plan.chain, task=plan.task, recipe=recipe, fix_model=recipe.fix,
    )  # fmt: skip
