"""Comparisons where a build recipe competes beside a model, written with the store's own functions as the runner
writes recipe rows (canvasbench/contestants.py: the planner's row at round -1, round 0 built on it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from canvasbench.run.recipe_steps import first_step
from canvasbench.run.recipes import Recipe
from canvasbench.store import RunStore, writes
from tests.round_seed import START, _finish, _iso

PRO = "gemini:gemini-3-pro-preview"  # the recipe's planner
FLASH = "gemini:gemini-3-flash-preview"  # the recipe's builder, and a contestant on its own too
RECIPE = "pro plans, flash builds"
DESIGN = "Design: a dark canvas, the sun in the middle, eight planets on ellipses, a pause button."


@dataclass
class Seeded:
    """One comparison's ids: the recipe's planner row and rounds, and the lone model's rounds."""

    comparison_id: str
    plan: str
    recipe_rounds: list[str] = field(default_factory=list)
    flash_rounds: list[str] = field(default_factory=list)


def seed_recipe(
    store: RunStore,
    *,
    prompt_id: str = "p-recipe",
    category: str = "canvas",
    plan_cost: float | None = 0.03,
    recipe: Sequence[tuple[str, float]] = (("crashed", 0.01), ("renders", 0.01)),
    flash: Sequence[tuple[str, float]] = (("renders", 0.01),),
    repair: int = 2,
    sweep_id: str | None = None,
    build: bool = True,
) -> Seeded:
    """One comparison: RECIPE (its planner's design, then per round (verdict, cost)) beside FLASH on its own, both
    allowed `repair` rounds, stored as the runner stores them (recipe_steps.first_step, add_round to the builder).

    Without `build` the planner finished and no round was built on it (yet).
    """
    prompt = {"id": prompt_id, "title": f"Solar system {prompt_id}", "category": category, "kind": "html",
              "text": "Draw a solar system on a canvas.", "source": "suite"}  # fmt: skip
    spec = Recipe(build=FLASH, plan=PRO, repair=repair, name=RECIPE)
    comparison_id, (alone, plan) = writes.create_comparison(
        store, prompt=prompt, model_ids=[FLASH], sweep_id=sweep_id,
        options={"repair": repair, "accept": "renders", "recipes": [spec.spec]},
        recipe_runs=[first_step(spec, prompt["text"])],
    )  # fmt: skip
    writes.update_run(
        store, plan, status="done", started_at=_iso(START), finished_at=_iso(START + timedelta(seconds=5)),
        latency_s=5.0, cost_usd=plan_cost, output_tokens=300, thinking_tokens=0, finish_reason="stop", attempts=1,
        response=DESIGN, artifact_kind="none", worker=None,
    )  # fmt: skip
    seeded = Seeded(comparison_id, plan)
    chain = [plan]
    for index, (verdict, cost) in enumerate(recipe if build else ()):
        turn = "Build this design." if not index else f"Repair {index}: it {recipe[index - 1][0]}."
        version = None if not index else "r1"
        chain.append(writes.add_round(store, chain[-1], turn_text=turn, repair_version=version, model_id=FLASH))
        code = f"<!-- recipe round {index} -->\n<canvas id=c></canvas>\n<script>c.getContext('2d')</script>"
        _finish(store, chain[-1], at=10.0 + 30.0 * index, took=10.0, cost=cost, verdict=verdict, code=code)
    seeded.recipe_rounds = chain[1:]
    lone = [alone]
    for index, (verdict, cost) in enumerate(flash):
        if index:
            lone.append(writes.add_round(store, lone[-1], turn_text=f"Repair {index}.", repair_version="r1"))
        code = f"<!-- flash round {index} -->\n<canvas id=c></canvas>\n<script>c.getContext('2d')</script>"
        _finish(store, lone[-1], at=30.0 * index, took=10.0, cost=cost, verdict=verdict, code=code)
    seeded.flash_rounds = lone
    return seeded
