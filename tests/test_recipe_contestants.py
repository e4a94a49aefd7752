"""A build recipe competes under its name on every read page: gallery, comparison, arena, leaderboard, metrics, matrix.

The recipe's rows are written as the contract in canvasbench/contestants.py lays them out (tests/recipe_seed.py):
its planner row (round -1, a design, no page) and the rounds built on it. Figures are counted by hand.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from canvasbench.arena.leaderboard import leaderboard
from canvasbench.arena.pairing import arena_comparisons, next_pair
from canvasbench.arena.votes import record_vote
from canvasbench.errors import UsageError
from canvasbench.ids import new_id
from canvasbench.present.replay import replay_data
from canvasbench.present.share import comparison_html
from canvasbench.store import RunStore, reads, writes
from tests.chart_specs import Chart, charts_of
from tests.html_tables import html_table
from tests.recipe_seed import DESIGN, FLASH, PRO, RECIPE, seed_recipe

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _said(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption]).replace("\\", "")


def _tiles(at: AppTest) -> list[str]:
    (card,) = [e.proto.body for e in at.get("html") if 'class="cb-tile"' in e.proto.body]
    return card.split('class="cb-tile"')[1:]


def test_gallery_tile_is_named_by_the_recipe_shows_its_final_round_and_the_planner_has_none() -> None:
    store = RunStore()
    seed_recipe(store)  # planner $0.03; rounds: crashed, renders (3 lines each); flash alone: renders (3 lines)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/gallery_page.py").run()
    assert not at.exception
    tiles = _tiles(at)
    assert len(tiles) == 2  # the recipe and the model: no tile for the planner, none for round 0
    (recipe,) = [t for t in tiles if RECIPE in t]
    assert f"{RECIPE} — plan {PRO} · build {FLASH}" in recipe  # the steps' models on hover
    assert ">renders<" in recipe and "2 rounds" in recipe  # its final round, not round 0 (crashed)
    (alone,) = [t for t in tiles if t is not recipe]
    assert "Gemini 3 Flash" in alone and "sample" not in alone  # the recipe built by Flash is no repeat of it
    assert "Gemini 3 Pro" not in "".join(tiles) and "plan done" not in "".join(tiles)
    # The card's lines are the final rounds' (3 + 3), not every round's (3 + 3 + 3).
    (cards,) = [e.proto.body for e in at.get("html") if 'class="cb-card"' in e.proto.body]
    assert "· 6 lines" in cards

    # The model filter offers the recipe by its name.
    assert RECIPE in at.selectbox(key="gallery.model").options
    at.selectbox(key="gallery.model").set_value(RECIPE).run()
    assert not at.exception and len(_tiles(at)) == 2


def test_comparison_page_shows_the_plan_as_a_step_with_its_design_and_counts_its_cost() -> None:
    store = RunStore()
    seeded = seed_recipe(store)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/comparison_page.py")
    at.query_params["comparison"] = seeded.comparison_id
    at.run()
    assert not at.exception
    said = _said(at)
    assert "plan · gemini-3-pro-preview → round 0 · crashed → round 1 · renders" in said
    # Rounds to acceptable count from round 0; the cost adds the planner's $0.03 to the rounds' $0.02.
    assert "acceptable after 1 repair round (" in said and "$0.0500" in said
    assert DESIGN in "\n".join(e.proto.body for e in at.get("html"))  # the design, one click away
    assert len(at.get("iframe")) == 2  # a preview per contestant, none for the planner
    assert at.segmented_control(key=f"round-step-{seeded.recipe_rounds[0]}").options == ["round 0", "round 1"]

    # The planner's row opened on its own: its design as text, no preview and no render verdict.
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/comparison_page.py")
    at.query_params["run"] = seeded.plan
    at.run()
    assert not at.exception
    assert [c.value for c in at.code] == [DESIGN] and not at.get("iframe")
    head = "\n".join(e.proto.body for e in at.get("html"))  # the run's name is in the page's head
    assert RECIPE in head and "not checked" not in _said(at)


def test_arena_pairs_the_recipes_final_round_and_never_shows_a_planner() -> None:
    store = RunStore()
    seeded = seed_recipe(store)
    # A planner that finished before any build: even with a page in its answer it is no contestant's page.
    lone_plan = seed_recipe(store, prompt_id="p-plan-only", build=False)
    writes.update_run(store, lone_plan.plan, artifact_kind="html", artifact="<canvas></canvas>", lines=1)
    pairs = {row["id"]: row["pairs"] for row in arena_comparisons(store)}
    assert pairs == {seeded.comparison_id: 1}  # the plan-only comparison has one contestant's page: no pair
    pair = next_pair(store, seeded.comparison_id, random.Random(7))
    assert pair is not None
    assert {pair.left["id"], pair.right["id"]} == {seeded.recipe_rounds[-1], seeded.flash_rounds[-1]}
    assert {pair.left["contestant"], pair.right["contestant"]} == {RECIPE, FLASH}
    assert seeded.plan not in {r["id"] for r in reads.votable_runs(store, seeded.comparison_id)}
    with pytest.raises(UsageError, match="a recipe's design, not a page"):
        record_vote(store, seeded.comparison_id, seeded.plan, seeded.flash_rounds[-1], "left")


def test_leaderboard_rates_a_recipe_as_one_contestant_its_planner_in_its_cost() -> None:
    store = RunStore()
    seeded = seed_recipe(store)
    final, alone = seeded.recipe_rounds[-1], seeded.flash_rounds[-1]
    for outcome in ("left", "left", "right"):
        record_vote(store, seeded.comparison_id, final, alone, outcome)
    board = leaderboard(store, rounds=20)
    rows = {row["model"]: row for row in board.rows}
    assert set(rows) == {RECIPE, FLASH} and board.outcomes == 3  # the planner's model is not a contestant
    assert rows[RECIPE]["rank"] == 1 and rows[RECIPE]["votes"] == 3
    # Per generation: round 0 with its planner ($0.01 + $0.03) and round 1 ($0.01); the planner is no run.
    assert rows[RECIPE]["runs"] == 2 and rows[RECIPE]["median_cost_usd"] == pytest.approx(0.025)
    assert rows[RECIPE]["render_share"] == pytest.approx(0.5)

    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/leaderboard_page.py").run()
    assert not at.exception
    shown = "\n".join(str(row) for row in html_table(at, "leaderboard-human"))
    assert RECIPE in shown and PRO not in shown


# Comparison one ("canvas"): the recipe crashes, then renders in round 1 (planner $0.03 + $0.01 + $0.01); Flash
# renders at once ($0.01). Comparison two ("svg"): the recipe renders at once ($0.03 + $0.01); Flash stays blank
# for its one repair round ($0.01 + $0.01).
# By hand, the recipe: within k = 0, 1 rounds 1 then 2 of 2; spent $0.09 for 2 pages = $0.045 per page.
# Flash: 1 then 1 of 2; spent $0.03 for 1 page. Only "svg": the recipe 1 of 1 ($0.04 / page), Flash 0 of 1.
def _two(store: RunStore) -> None:
    seed_recipe(store, prompt_id="p-one", category="canvas", repair=1)
    seed_recipe(store, prompt_id="p-two", category="svg", repair=1, recipe=(("renders", 0.01),),
                flash=(("blank", 0.01), ("blank", 0.01)))  # fmt: skip


def _round_charts(at: AppTest) -> dict[str, Chart]:
    return {c.title: c for c in charts_of(at)}


def _curve_counts(at: AppTest) -> dict[str, list[str]]:
    # Each point's tooltip says how many attempts were acceptable within its k rounds.
    curve = _round_charts(at)["pass@round: acceptable pages within k repair rounds"].rows("within rounds")
    return {m: list(curve[curve["model"] == m].sort_values("within rounds")["acceptable"]) for m in set(curve["model"])}


def _per_page(at: AppTest) -> dict[str, float]:
    bars = _round_charts(at)["Cost per acceptable page (all spending, failures included)"].rows("per acceptable page")
    return {m: float(v.lstrip("$")) for m, v in zip(bars["model"], bars["per acceptable page"], strict=True)}


def test_pass_at_round_and_cost_per_acceptable_page_count_the_recipe_with_its_planner() -> None:
    _two(RunStore())
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/metrics_page.py").run()
    assert not at.exception
    assert _curve_counts(at) == {RECIPE: ["1 of 2", "2 of 2"], FLASH: ["1 of 2", "1 of 2"]}  # PRO: none
    assert _per_page(at) == pytest.approx({RECIPE: 0.09 / 2, FLASH: 0.03 / 1})

    # The round charts follow the page's filters, like its other charts.
    at.multiselect(key="metrics.categories").set_value(["svg"]).run()
    assert not at.exception
    assert _curve_counts(at) == {RECIPE: ["1 of 1", "1 of 1"], FLASH: ["0 of 1", "0 of 1"]}
    assert _per_page(at) == pytest.approx({RECIPE: 0.04})


def test_metrics_summary_has_one_row_per_contestant_and_no_planner_failure() -> None:
    seed_recipe(RunStore())
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/metrics_page.py").run()
    assert not at.exception
    rows = {row["Contestant"]: row for row in html_table(at, "per-model")}
    assert set(rows) == {RECIPE, FLASH}
    assert rows[RECIPE]["Runs"] == "2" and rows[RECIPE]["Failures"] == "0"  # its two rounds; the planner is no run


def test_matrix_column_is_named_by_the_recipe_and_its_cell_is_the_final_round_costed_whole() -> None:
    store = RunStore()
    sweep = new_id()
    seeded = seed_recipe(store, sweep_id=sweep)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/matrix_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    body = "".join(e.proto.body for e in at.get("html"))
    heads = body.split('class="cb-contestant"')[1:]
    (recipe,) = [h for h in heads if RECIPE in h]
    assert len(heads) == 2 and f"plan {PRO} · build {FLASH}" in recipe
    assert body.count('class="cb-cell"') == 2 and 'data-runs="1"' in body  # one entry each: the final round
    assert "$0.05" in body  # the recipe's cell: planner $0.03 + rounds $0.02
    assert f"comparison?comparison={seeded.comparison_id}" in body


def test_a_recipes_replay_lane_plays_its_plan_then_its_rounds_under_its_name() -> None:
    store = RunStore()
    seeded = seed_recipe(store)
    data = replay_data(reads.runs_of(store, seeded.comparison_id))
    lanes = {lane["name"]: lane for lane in data["lanes"]}
    assert set(lanes) == {RECIPE, FLASH}
    assert [s["round"] for s in lanes[RECIPE]["segments"]] == [-1, 0, 1]  # the design first, then the build
    assert lanes[RECIPE]["segments"][0]["text"] == DESIGN
    assert "recipe round 1" in lanes[RECIPE]["preview"]  # the lane ends on the final round's page


def test_a_share_file_has_a_card_per_contestant_and_none_for_the_planner() -> None:
    store = RunStore()
    seeded = seed_recipe(store)
    page = comparison_html(store, seeded.comparison_id, libs=False).html
    cards = re.findall(r"<h3>(.*?)</h3>", page)
    # Round 0 and round 1 of the recipe, and Flash alone: cards for pages, none for the planner's design.
    assert len(cards) == 3 and all(c.startswith(RECIPE) or c == FLASH for c in cards), cards
    assert "2 contestants" in page and f"<h3>{PRO}" not in page


def test_each_contestant_gets_its_own_colour_a_recipe_too() -> None:
    store = RunStore()
    seed_recipe(store)
    assert sorted(reads.models_by_first_run(store)) == [FLASH, RECIPE]  # whom colours are handed out to
