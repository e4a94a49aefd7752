"""A hostile review of build recipes: what a demanding user would hit (figures, errors) on real SQLite and the CLI."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from canvasbench.arena.leaderboard import model_stats
from canvasbench.cli import main
from canvasbench.contestants import PLAN_ROUND, PLAN_VERSION
from canvasbench.errors import UsageError
from canvasbench.present.model_summary import summarise
from canvasbench.present.report import build_report
from canvasbench.present.share import comparison_html
from canvasbench.render.processes import chromium_path
from canvasbench.run.acceptable import parse_accept
from canvasbench.run.attempts import attempt_rows, attempts
from canvasbench.run.comparisons import delete_comparison
from canvasbench.run.recipes import parse_recipes
from canvasbench.store import RunStore, reads, writes
from tests.chart_specs import chart
from tests.fakes import FakeServer, fixtures
from tests.html_tables import html_table
from tests.recipe_seed import FLASH, PRO, RECIPE, seed_recipe

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _planner_failed(store: RunStore) -> str:
    """A comparison where the recipe's planner failed at the provider (HTTP 500): no round was ever built."""
    seeded = seed_recipe(store, build=False)
    writes.update_run(store, seeded.plan, status="failed", error="HTTP 500: server error", finish_reason="error",
                      response="", cost_usd=None, output_tokens=None)  # fmt: skip
    return seeded.comparison_id


def test_a_recipe_whose_planner_failed_is_a_failed_run_in_the_metrics_summary_not_missing() -> None:
    store = RunStore()
    comparison_id = _planner_failed(store)
    rows = {row["model_id"]: row for row in summarise(reads.runs_summary(store, [comparison_id])[comparison_id])}
    # A model that got an HTTP 500 shows as one run, one failure: the recipe that got one must too.
    assert set(rows) == {RECIPE, FLASH}
    assert rows[RECIPE]["runs"] == 1 and rows[RECIPE]["failures"] == 1
    assert rows[FLASH]["failures"] == 0


def test_a_recipe_whose_planner_failed_counts_as_a_run_on_the_leaderboard() -> None:
    store = RunStore()
    _planner_failed(store)
    stats = model_stats(store)
    assert set(stats) == {RECIPE, FLASH} and stats[RECIPE]["runs"] == 1


def test_the_attempts_export_names_the_builder_of_a_recipe_whose_planner_failed() -> None:
    store = RunStore()
    _planner_failed(store)
    rows = {row["model"]: row for row in attempt_rows(reads.round_rows(store))}
    assert rows[RECIPE]["build_model"] == FLASH  # its builder, never its planner
    assert rows[RECIPE]["acceptable"] is False and rows[RECIPE]["stopped"].startswith("the planner failed")


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_recipes_repairs_without_checks_are_refused_naming_the_recipe_not_repair(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "fake-key")
    result = CliRunner().invoke(main, [
        command, "--prompt-id", "canvas-boids-ecosystem", "--no-check", "--db", str(tmp_path / "x.db"),
        "--recipe", "build=openai:fake,repair=2,name=fixes twice",
    ])  # fmt: skip
    assert result.exit_code != 0
    # The user gave no --repair: the message names what they did give, and what to do.
    assert "Recipe 'fixes twice' has repair=2" in result.output and "drop --no-check" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.db").exists()  # refused before anything ran


def test_the_gallery_card_counts_a_recipes_rounds_as_runs_not_its_planner() -> None:
    seed_recipe(RunStore())  # the recipe: planner + 2 rounds; Flash alone: 1 round
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/gallery_page.py").run()
    assert not at.exception
    # The card is one HTML block now: its line under the title, as a user reads it.
    (meta,) = re.findall(r'<div style="font-size:0.875rem;opacity:0.6[^"]*">(.*?)</div>', at.get("html")[0].proto.body)
    # 3 runs, as the metrics page counts them (the recipe's 2 rounds, Flash's 1); the planner's $0.03 is in the cost.
    assert "· 3 runs · $0.06" in meta, meta


def test_the_metrics_cost_chart_counts_a_recipes_planner_in_its_round_not_as_a_run() -> None:
    seed_recipe(RunStore())  # the recipe: planner $0.03, rounds $0.01 + $0.01; Flash alone: $0.01
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/metrics_page.py").run()
    at.radio(key="chart").set_value("Cost").run()  # picked in the chart menu
    assert not at.exception
    bars = chart(at, "Cost per run").rows("measure")
    per_run = {row["model"]: row["cost"] for row in bars.to_dict("records") if row["measure"] == "per run (mean)"}
    # Two runs ($0.04 with its planner, then $0.01), not three runs of $0.05 / 3: the planner wrote no page.
    assert per_run == {RECIPE: "$0.025", FLASH: "$0.010"}


def test_a_recipe_named_like_any_model_id_is_refused_as_it_would_merge_with_that_models_runs() -> None:
    # Every page groups runs by contestant name: a recipe named `openai:gpt-5.2` would pool with that model's
    # runs from every other comparison (leaderboard, metrics, matrix), not only with this comparison's models.
    with pytest.raises(UsageError, match="spelled like a model id; give the recipe a name of its own"):
        parse_recipes(["build=gemini:gemini-3-flash-preview,name=openai:gpt-5.2"], ["gemini:gemini-3-pro-preview"],
                      check_keys=False)  # fmt: skip
    # A colon alone is no model id: names people write stay free.
    (fine,) = parse_recipes(["build=gemini:gemini-3-flash-preview,name=v2: flash alone"], check_keys=False)
    assert fine.name == "v2: flash alone"


def test_the_reports_cost_per_run_counts_a_recipes_planner_in_its_round_not_as_a_run() -> None:
    store = RunStore()
    seed_recipe(store)  # the recipe: planner $0.03, rounds $0.01 + $0.01; Flash alone: $0.01
    figure = build_report(store).figures["cost"]
    means = {bar.name: bar.y[0] for bar in figure.data}
    assert means == pytest.approx({RECIPE: 0.025, FLASH: 0.01})  # ($0.04 + $0.01) / 2 rounds, not $0.05 / 3


def test_checking_a_planner_by_id_is_refused_and_stores_no_verdict_for_it(tmp_path: Path) -> None:
    db = tmp_path / "cb.db"
    seeded = seed_recipe(RunStore(db))
    result = CliRunner().invoke(main, ["check", "--db", str(db), seeded.plan])
    assert result.exit_code == 2 and "a build recipe's planner: it wrote a design, not a page" in result.output
    assert "Traceback" not in result.output
    assert reads.latest_check(RunStore(db), seeded.plan) is None  # never a render check of a design


def test_a_planner_that_answered_with_no_design_is_said_in_words_not_as_a_status() -> None:
    row = {"comparison_id": "c", "prompt_id": None, "model_id": "gemini:pro", "started_at": None, "id": "p",
           "round": PLAN_ROUND, "parent_run_id": None, "repair_version": PLAN_VERSION, "recipe": "pro plans",
           "status": "done", "error": None, "cost_usd": 0.01, "output_tokens": 0}  # fmt: skip
    (found,) = attempts([row], {}, parse_accept("renders"), repair=0)
    assert found.stopped == "the planner gave no design to build from"  # not "the planner done: ..."


fake_server = fixtures.fake_server
fake_env = fixtures.fake_env


@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")
def test_the_cli_evidence_names_a_recipes_page_by_the_recipe_not_as_its_builder_alone(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    # The same model alone and as a recipe's builder, both crashing: which line is whose?
    throws = "openai:fake;rounds=throws"
    result = CliRunner().invoke(main, [
        "run", "--db", str(tmp_path / "cb.db"), "--prompt", "Draw a solar system on a canvas.", "--model", throws,
        "--recipe", f"build={throws},name=twin",
    ])  # fmt: skip
    evidence = [line for line in result.stdout.splitlines() if ": crashed - " in line]
    assert sorted(line.split(": crashed - ")[0] for line in evidence) == [throws, f"twin · build ({throws})"]


def test_a_comparison_whose_process_died_while_planning_can_be_deleted_by_a_dashboard_open_since_before(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cb.db"
    seeded = seed_recipe(RunStore(db), build=False)
    dead = f"999999999:1@{socket.gethostname()}"  # a process of this machine that is not running any more
    writes.update_run(RunStore(db), seeded.plan, status="running", worker=dead, response=None)
    dashboard = RunStore(db, recover=False)  # opened before the crash: nothing rewrote the planner's row
    assert reads.get_run(dashboard, seeded.plan)["status"] == "interrupted"  # what every page shows
    # Nothing is left to cancel, so "cancel them first" would leave the comparison stuck until a restart.
    assert delete_comparison(dashboard, seeded.comparison_id) == 2  # the planner and Flash's round
    assert reads.get_comparison(dashboard, seeded.comparison_id) is None


def test_the_launch_form_says_where_to_name_two_recipes_given_one_name(fake_env: FakeServer) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["more"] = "true"  # "More options" open: the recipe builder
    at.run().switch_page("pages/new_comparison_page.py").run()
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input("Draw a bouncing ball on a canvas.").run()
    for build in ("gemini:gemini-3-flash-preview", "gemini:gemini-2.5-flash"):
        at.selectbox(key="new.recipe_build").set_value(build).run()
        at.text_input(key="new.recipe_name").input("mine").run()  # one name for two different recipes
        at.button(key="add-recipe").click().run()
    at.button(key="launch").click().run()
    assert not at.exception
    errors = " ".join(str(e.value) for e in at.error)
    # The form has no --recipe: the message says where on the form to give the name.
    assert "both named 'mine'" in errors and "the Name field of the launch form's recipe builder" in errors
    assert "new.launched" not in at.session_state  # nothing was started


def test_two_recipes_whose_default_names_clash_are_told_apart_not_refused() -> None:
    # Gemini 3 Flash and 2.5 Flash are both `flash`: comparing them is the common case, not a mistake.
    specs = ["build=gemini:gemini-3-flash-preview,repair=2", "build=gemini:gemini-2.5-flash,repair=2"]
    names = [r.name for r in parse_recipes([*specs, specs[0]], check_keys=False)]  # the first one twice: a repeat
    assert names == ["gemini-3-flash-preview+2 repairs", "gemini-2.5-flash+2 repairs",
                     "gemini-3-flash-preview+2 repairs"]  # fmt: skip
    # A name the user gave is theirs: two different recipes under it are still refused.
    with pytest.raises(UsageError, match="both named 'mine'"):
        parse_recipes([f"{s},name=mine" for s in specs], check_keys=False)


def test_a_shared_comparison_shows_a_recipe_whose_planner_failed_with_the_reason() -> None:
    store = RunStore()
    comparison_id = _planner_failed(store)
    page = comparison_html(store, comparison_id).html
    # Not missing from the contestants: its card says who planned and why nothing was built.
    assert page.count('<section class="card">') == 2
    assert f"<h3>{RECIPE} <span class='muted'>planned by {PRO}</span>" in page and "HTTP 500: server error" in page


def test_the_metrics_ttft_chart_has_no_point_for_a_recipes_planner_as_its_summary_table_has_none() -> None:
    store = RunStore()
    seeded = seed_recipe(store)
    for run_id in [*seeded.recipe_rounds, *seeded.flash_rounds]:
        writes.update_run(store, run_id, ttft_s=1.0)
    writes.update_run(store, seeded.plan, ttft_s=30.0)  # a slow planner: its design is no page of the recipe's
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/metrics_page.py").run()
    at.radio(key="chart").set_value("Time to first token").run()  # picked in the chart menu
    assert not at.exception
    dots = chart(at, "Time to first token").rows("seconds")  # each run's dot, its TTFT in its tooltip
    points = dots[dots["model"] == RECIPE]["seconds"].tolist()
    assert len(points) == 2 and "30.00" not in points  # its two rounds, as the table's median counts them


def test_the_launch_form_names_and_prices_two_recipes_with_one_default_name_apart() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["more"] = "true"  # "More options" open: the recipe builder
    at.run().switch_page("pages/new_comparison_page.py").run()
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input("Draw a bouncing ball on a canvas. " * 20).run()
    for build in ("gemini:gemini-3-flash-preview", "gemini:gemini-2.5-flash"):  # both `flash` by default
        at.selectbox(key="new.recipe_build").set_value(build).run()
        at.button(key="add-recipe").click().run()
    assert not at.exception and not at.error
    rows = {row["model"]: row for row in html_table(at, "estimate")}
    assert set(rows) == {"gemini-3-flash-preview (recipe)", "gemini-2.5-flash (recipe)"}
    total = next(str(e.label) for e in at.expander if str(e.label).startswith("Estimated cost"))
    each = [float(re.search(r"\$([0-9.]+)", r["cost ≈"]).group(1)) for r in rows.values()]  # type: ignore[union-attr]
    # Both recipes are paid for: the total is their sum, not one of them.
    assert float(re.search(r"\$([0-9.]+)", total).group(1)) == pytest.approx(sum(each), rel=0.02)  # type: ignore[union-attr]


def test_a_planner_of_unknown_price_leaves_the_recipes_cost_per_generation_unknown_not_smaller() -> None:
    store = RunStore()
    seed_recipe(store, plan_cost=None)  # rounds $0.01 + $0.01 (round 0 built on the unpriced design)
    stats = model_stats(store)
    assert stats[RECIPE]["median_cost_usd"] is None  # not $0.01, the repair round's alone
    assert stats[FLASH]["median_cost_usd"] == pytest.approx(0.01)
    (row,) = [r for r in attempt_rows(reads.round_rows(store)) if r["model"] == RECIPE]
    assert row["cost_usd"] is None  # the attempt's total too


def test_a_planner_of_unknown_price_leaves_the_metrics_summarys_median_cost_unknown() -> None:
    store = RunStore()
    seeded = seed_recipe(store, plan_cost=None)
    runs = reads.runs_summary(store, [seeded.comparison_id])[seeded.comparison_id]
    rows = {r["model_id"]: r for r in summarise(runs)}
    assert rows[RECIPE]["median_cost_usd"] is None and rows[FLASH]["median_cost_usd"] == pytest.approx(0.01)
