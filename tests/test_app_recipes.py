"""The launch form's recipe builder (AppTest): recipes added beside models, priced with their planner, launched."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from canvasbench.contestants import PLAN_ROUND
from canvasbench.status import FINAL_STATUSES
from canvasbench.store import RunStore, reads
from tests.fakes.fixtures import fake_env, fake_server  # noqa: F401  (pytest fixtures)
from tests.fakes.plans import DESIGN_MARK
from tests.fakes.server import FakeServer
from tests.html_tables import html_table

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PRO, FLASH = "gemini:gemini-3-pro-preview", "gemini:gemini-3-flash-preview"


def _add(at: AppTest, build: str, plan: str | None = None, name: str = "") -> AppTest:
    if plan:
        at.selectbox(key="new.recipe_plan").set_value(plan).run()
    at.selectbox(key="new.recipe_build").set_value(build).run()
    at.text_input(key="new.recipe_name").input(name).run()
    return at.button(key="add-recipe").click().run()


def _cost(text: str) -> float:
    match = re.search(r"\$([0-9.]+)", text)
    assert match, text
    return float(match.group(1))


def test_the_form_adds_a_recipe_beside_a_model_prices_its_planner_and_launches_it(
    fake_env: FakeServer,  # noqa: F811
) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["more"] = "true"  # "More options" open: the recipe builder
    at.run().switch_page("pages/new_comparison_page.py").run()
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input("Draw a bouncing ball on a canvas. " * 20).run()

    # A recipe with no builder is refused on the form, saying what is missing.
    at.button(key="add-recipe").click().run()
    assert "Choose the Builder" in at.error[0].value and not at.session_state.get("new.recipes")

    # Pro plans, Flash builds, beside Flash on its own: the estimate counts the planner's step.
    at.multiselect(key="new.models").select(FLASH).run()
    _add(at, FLASH, plan=PRO)
    assert not at.exception and not at.error
    said = "\n".join(str(m.value) for m in at.markdown).replace("\\", "")
    assert f"**pro plans, flash builds**: plan: {PRO} → build: {FLASH}" in said
    rows = {row["model"]: row for row in html_table(at, "estimate")}
    alone, recipe = rows[FLASH], rows["pro plans, flash builds (recipe)"]
    tokens = [int(row["prompt tokens ≈"].replace(",", "")) for row in (alone, recipe)]
    assert tokens[1] > tokens[0]  # the design is in the builder's prompt too
    assert _cost(recipe["cost ≈"]) > _cost(alone["cost ≈"])  # the planner's answer is paid for

    # A recipe added by mistake is removed with its button.
    _add(at, "anthropic:claude-haiku-4-5", name="haiku")
    assert at.session_state["new.recipes"][-1].endswith("name=haiku")
    at.button(key=f"remove-recipe-{at.session_state['new.recipes'][-1]}").click().run()
    assert [s.rsplit("name=", 1)[1] for s in at.session_state["new.recipes"]] == ["pro plans, flash builds"]

    # Launched (against the fakes): the planner's design is what the builder is sent.
    at.button(key="launch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (comparison_id,) = at.session_state["new.launched"]
    store, deadline = RunStore(), time.monotonic() + 60
    while time.monotonic() < deadline:  # the runner works in the background: wait for its rows to settle
        rows_now = reads.runs_of(store, comparison_id)
        if len(rows_now) == 3 and all(r["status"] in FINAL_STATUSES for r in rows_now):
            break
        time.sleep(0.2)
    stored = reads.get_comparison(store, comparison_id)
    assert stored is not None and json.loads(stored["options"])["recipes"] == [
        f"plan={PRO},build={FLASH},repair=0,name=pro plans, flash builds"
    ]
    runs = reads.runs_of(store, comparison_id)
    assert [(r["model_id"], r["round"], r["recipe"]) for r in runs] == [
        (FLASH, 0, None), (PRO, PLAN_ROUND, "pro plans, flash builds"), (FLASH, 0, "pro plans, flash builds"),
    ]  # fmt: skip
    assert DESIGN_MARK in runs[2]["turn_text"] and runs[2]["parent_run_id"] == runs[1]["id"]
