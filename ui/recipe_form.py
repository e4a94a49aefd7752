"""The launch form's recipe builder: build recipes (planner, builder, fixer, repairs, name) added as contestants."""

from __future__ import annotations

from typing import Any

import streamlit as st

from canvasbench.errors import UsageError
from canvasbench.providers.catalogue import known_models
from canvasbench.run.acceptable import MAX_REPAIR
from canvasbench.run.plan_message import build_turn, plan_turn
from canvasbench.run.recipes import Recipe, RecipeError, parse_recipe, told_apart
from ui import data, state
from ui.format import md


def _spec(plan: str | None, build: str | None, fix: str | None, repair: int, name: str) -> str:
    parts = [f"plan={plan}" if plan else "", f"build={build or ''}", f"fix={fix}" if fix else "", f"repair={repair}"]
    if name.strip():
        parts.append(f"name={name.strip()}")
    return ",".join(p for p in parts if p)


def _added() -> list[str]:
    return list(st.session_state.get(state.NEW_RECIPES, []))


def _remove(spec: str) -> None:
    st.session_state[state.NEW_RECIPES] = [s for s in _added() if s != spec]


def _pick(column: Any, label: str, choices: list[str], key: str, placeholder: str) -> str | None:
    """A model chosen from the list or typed (provider:model), or None."""
    chosen = column.selectbox(
        label, choices, index=None, key=key, placeholder=placeholder, accept_new_options=True
    )
    return str(chosen) if chosen else None


def added_recipes() -> list[Recipe]:
    """The recipes added so far, each once, named as the launch will name them (two under one default name get
    their models spelled out)."""
    return told_apart([parse_recipe(spec, check_keys=False) for spec in dict.fromkeys(_added())])


def recipes_section(model_ids: list[str]) -> list[Recipe]:
    """The recipe builder and the recipes added so far (each once; the form's repeats apply to them too)."""
    st.subheader("Build recipes", anchor=False)
    st.caption(
        "A recipe competes like a model: an optional planner writes a design (no code), the builder writes the "
        "page from the prompt and that design, and repairs go to the builder or a fixer. Its time, tokens and "
        "cost add every step, the planner's included."
    )
    choices = list(dict.fromkeys([*model_ids, *(m.model_id for m in known_models())]))
    left, middle, right = st.columns(3)
    plan = _pick(left, "Planner (optional)", choices, state.NEW_RECIPE_PLAN, "no planner")
    build = _pick(middle, "Builder", choices, state.NEW_RECIPE_BUILD, "the model that writes the page")
    fix = _pick(right, "Fixer (optional)", choices, state.NEW_RECIPE_FIX, "the builder fixes")
    rounds, named, add = st.columns([1, 3, 1], vertical_alignment="bottom")
    repair = int(rounds.number_input("Repairs", min_value=0, max_value=MAX_REPAIR, key=state.NEW_RECIPE_REPAIR))
    name = named.text_input("Name (optional)", key=state.NEW_RECIPE_NAME,
                            placeholder="e.g. pro plans, flash builds")  # fmt: skip
    if add.button("Add recipe", key="add-recipe", icon=":material/add:"):
        try:
            if not build:
                raise UsageError("Choose the Builder: the model that writes the page (build=MODEL is required).")
            recipe = parse_recipe(_spec(plan, build, fix, repair, name), check_keys=False)
        except RecipeError as exc:
            st.error(md(f"This recipe cannot run: {exc.why}."))
        except UsageError as exc:
            st.error(md(exc))
        else:
            st.session_state[state.NEW_RECIPES] = [*_added(), recipe.spec]
    recipes = added_recipes()
    for recipe in recipes:
        text, button = st.columns([6, 1], vertical_alignment="center")
        text.markdown(f"**{md(recipe.name)}**: {md(recipe.steps())}")
        button.button("Remove", key=f"remove-recipe-{recipe.spec}", on_click=_remove, args=(recipe.spec,))
    return recipes


def recipe_estimate(recipe: Recipe, text: str) -> dict[str, Any]:
    """About what a recipe's first answer costs: the planner's design, then the build from prompt and design."""
    cost: float | None = 0.0
    tokens_in = tokens_out = 0
    builder_text = text
    if recipe.plan:
        planned = data.estimate(recipe.plan, plan_turn(text))
        tokens_in, tokens_out = planned.input_tokens, planned.output_tokens
        cost = planned.cost_usd
        builder_text = build_turn(text, "x" * 4 * planned.output_tokens)  # its design goes to the builder
    built = data.estimate(recipe.build, builder_text)
    tokens_in, tokens_out = tokens_in + built.input_tokens, tokens_out + built.output_tokens
    cost = None if cost is None or built.cost_usd is None else cost + built.cost_usd
    return {"input_tokens": tokens_in, "output_tokens": tokens_out, "cost_usd": cost}
