"""Build recipes: a planner's design reaches the builder, repairs go to the builder or the fixer, totals add every step.

Through the real SDKs against the fakes (which answer a planner's turn with a recognisable design), real SQLite;
one CLI test checks its pages in Chromium (the CLI's own browser).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.contestants import PLAN_ROUND, PLAN_VERSION
from canvasbench.render.processes import chromium_path
from canvasbench.run.acceptable import parse_accept
from canvasbench.run.attempts import FOLLOW_UP_VERSION, attempt_rows, attempts
from canvasbench.run.comparisons import rerun_request, sample_labels
from canvasbench.run.plan_message import PLAN_MESSAGE_VERSION
from canvasbench.run.prompt_suite import custom_prompt
from canvasbench.run.recipes import parse_recipe
from canvasbench.run.repair_message import REPAIR_VERSION
from canvasbench.run.runner import Runner, RunOptions
from canvasbench.store import RunStore, reads
from canvasbench.store.reads import export_rows, round_rows
from tests.fakes import FakeServer, fixtures
from tests.fakes.plans import DESIGN_MARK, PLAN_ASK
from tests.test_runner import wait_until

needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env

PROMPT = "Draw a solar system on a canvas."


def _prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """A price for each of these fake model names, so every step has a cost."""
    path = tmp_path / "prices.toml"
    path.write_text(
        "".join(
            f'[models."{name}"]\ninput_per_m = {1.0 + i}\noutput_per_m = {2.0 + i}\nas_of = "2026-12"\nsource = "t"\n'
            for i, name in enumerate(names)
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("CANVASBENCH_PRICES", str(path))


def _submit(recipes: list[str], models: tuple[str, ...] = (), **options: Any) -> tuple[RunStore, str]:
    """One comparison with these recipes (unchecked), run to the end; its store and id."""
    store = RunStore()
    runner = Runner(store.path)
    try:
        cid = runner.submit(custom_prompt(PROMPT), list(models), RunOptions(recipes=tuple(recipes), **options))
        runner.wait(cid, timeout=120)
    finally:
        runner.shutdown()
    return store, cid


def test_a_planners_design_reaches_the_builder_on_two_protocols_and_every_step_is_its_own_row(
    fake_env: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prices(tmp_path, monkeypatch, "planner", "fake")
    recipes = ["plan=gemini:planner,build=openai:fake,name=gemini plans", "plan=anthropic:planner,build=gemini:fake"]
    store, cid = _submit([r for r in recipes for _ in range(2)], ("openai:fake",))  # --repeat 2

    for planner, builder in (("gemini", "openai"), ("anthropic", "gemini")):
        plans = [r for r in fake_env.requests_for("planner") if r.protocol == planner]
        builds = [r for r in fake_env.requests_for("fake") if r.protocol == builder and DESIGN_MARK in r.text]
        assert len(plans) == 2 and len(builds) == 2, planner  # each sample planned and built once
        (ask,) = plans[0].turns
        assert ask.text.startswith(PROMPT) and PLAN_ASK in ask.text
        (turn,) = builds[0].turns  # one user turn: the prompt, then the design the planner wrote
        assert turn.text.startswith(PROMPT) and DESIGN_MARK in turn.text and PLAN_ASK not in turn.text
    (alone,) = [r for r in fake_env.requests_for("fake") if DESIGN_MARK not in r.text]
    assert (alone.protocol, alone.text) == ("openai", PROMPT)  # the model on its own got the prompt alone

    rows = reads.runs_of(store, cid)
    plain = [r for r in rows if r["recipe"] is None]
    assert [(r["model_id"], r["round"]) for r in plain] == [("openai:fake", 0)]
    by_id = {r["id"]: r for r in rows}
    builds = [r for r in rows if r["recipe"] and r["round"] == 0]
    assert len(builds) == 4
    for build in builds:
        plan = by_id[build["parent_run_id"]]  # each build's own planner (samples are not mixed)
        assert (plan["round"], plan["repair_version"], plan["parent_run_id"]) == (PLAN_ROUND, PLAN_VERSION, None)
        assert plan["recipe"] == build["recipe"] and plan["status"] == build["status"] == "done"
        assert plan["model_id"].endswith(":planner") and build["model_id"].endswith(":fake")
        assert DESIGN_MARK in plan["response"] and PLAN_ASK in plan["turn_text"]
        assert plan["artifact_kind"] is None and plan["artifact"] is None  # a design: no page to check or show
        assert build["turn_text"].startswith(PROMPT) and plan["response"].strip() in build["turn_text"]
        assert plan["cost_usd"] > 0 and build["cost_usd"] > 0
    assert {b["recipe"] for b in builds} == {"gemini plans", "planner plans, fake builds"}
    assert len({b["parent_run_id"] for b in builds}) == 4
    assert not reads.latest_checks(store, [r["id"] for r in rows])  # nothing checked: checks were off

    comparison = reads.get_comparison(store, cid)
    assert comparison is not None
    options = json.loads(comparison["options"])
    assert options["plan_message"] == PLAN_MESSAGE_VERSION
    assert json.loads(comparison["models"]) == ["openai:fake"]  # a recipe's steps are not models of their own
    # A re-run carries the recipes, names and repeats included.
    again = rerun_request(store, cid)
    assert again.model_ids == ["openai:fake"]
    assert [parse_recipe(s, check_keys=False).name for s in again.options.recipes] == [
        "gemini plans", "gemini plans", "planner plans, fake builds", "planner plans, fake builds",
    ]  # fmt: skip

    # Totals: every step added, the planner's included (unchecked: no round is acceptable, the sums still hold).
    table = {(r["model"], r["run_id"]): r for r in attempt_rows(round_rows(store, cid))}
    for build in builds:
        plan = by_id[build["parent_run_id"]]
        row = table[(build["recipe"], build["id"])]
        assert row["recipe"] == build["recipe"] and row["build_model"] == build["model_id"]
        assert row["cost_usd"] == pytest.approx(plan["cost_usd"] + build["cost_usd"])
        assert row["generation_s"] == pytest.approx(plan["latency_s"] + build["latency_s"])
        assert row["tokens_total"] == plan["output_tokens"] + build["output_tokens"]
        assert row["rounds_run"] == 1 and json.loads(row["tokens_per_round"]) == [build["output_tokens"]]
    exported = export_rows(store, comparison_id=cid)
    assert [e["recipe"] for e in exported] == [r["recipe"] for r in rows]
    assert list(exported[0])[-2:] == ["parent_run_id", "recipe"]


def test_a_follow_up_continues_the_builders_conversation_not_the_planners(fake_env: FakeServer) -> None:
    store, cid = _submit(["plan=gemini:planner,build=openai:fake"])
    runner = Runner(store.path)
    try:
        runner.follow_up(cid, "Add a pause button.")
        runner.wait(cid, timeout=120)
    finally:
        runner.shutdown()
    last = fake_env.requests[-1]
    assert (last.protocol, last.model) == ("openai", "fake")
    first, answer, ask = last.turns
    assert DESIGN_MARK in first.text and answer.role == "model" and ask.text == "Add a pause button."
    followed = reads.runs_of(store, cid)[-1]
    assert (followed["round"], followed["recipe"]) == (1, "planner plans, fake builds")


def test_a_planner_that_fails_ends_the_contestant_with_the_reason_and_no_build(fake_env: FakeServer) -> None:
    store, cid = _submit(["plan=gemini:planner;fault=error:2,build=openai:fake,name=doomed"])
    assert not fake_env.requests_for("fake")  # the build never started
    (plan,) = reads.runs_of(store, cid)
    assert (plan["round"], plan["status"], plan["recipe"]) == (PLAN_ROUND, "failed", "doomed")
    assert plan["response"] and "in-stream" in plan["error"]  # the partial design is kept, the reason stated
    (row,) = attempt_rows(round_rows(store, cid))
    assert row["model"] == "doomed" and row["acceptable"] is False and row["rounds_run"] == 0
    assert row["stopped"].startswith("the planner failed: ")


def test_cancelling_while_planning_starts_nothing_else(fake_env: FakeServer) -> None:
    store = RunStore()
    runner = Runner(store.path)
    try:
        cid = runner.submit(
            custom_prompt(PROMPT), [], RunOptions(recipes=("plan=gemini:planner;fault=stall:1,build=openai:fake",))
        )
        wait_until(lambda: fake_env.requests, 60, "the planner's request")  # it streams, then stalls
        runner.cancel_comparison(cid)
        runner.wait(cid, timeout=60)
    finally:
        runner.shutdown()
    assert [r.model for r in fake_env.requests] == ["planner;fault=stall:1"]
    (plan,) = reads.runs_of(store, cid)
    assert (plan["round"], plan["status"]) == (PLAN_ROUND, "cancelled")
    (row,) = attempt_rows(round_rows(store, cid))
    assert row["stopped"] == "cancelled while planning"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("plan=gemini:fake", "build=MODEL is required"),
        ("build=gemini:fake,repair=9", "repair= takes a number from 0 to 5"),
        ("build=gemini:fake,colour=red", "'colour=red' is not KEY=VALUE with a known key"),
        ("build=fake", "must look like provider:model"),
        ("build=nosuchprovider:x", "nosuchprovider"),
        ("build=gemini:fake,fix=openai:fake", "fix=MODEL needs repair=N"),
        ("build=gemini:fake,build=openai:fake", "build= is given twice"),
    ],
)
def test_a_bad_recipe_is_refused_before_anything_is_paid(
    fake_env: FakeServer, tmp_path: Path, spec: str, says: str
) -> None:
    db = tmp_path / "bad.db"
    result = CliRunner().invoke(main, ["run", "--db", str(db), "--prompt", PROMPT, "--recipe", spec, "--no-check"])
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert not fake_env.requests


def test_two_recipes_under_one_name_and_recipes_on_batch_engines_are_refused(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = str(tmp_path / "bad.db")
    same = ["--recipe", "build=gemini:fake,name=mine", "--recipe", "build=openai:fake,name=mine"]
    result = CliRunner().invoke(main, ["run", "--db", db, "--prompt", PROMPT, *same, "--no-check"])
    assert result.exit_code == 2 and "both named 'mine'" in result.output
    named_like_a_model = ["--model", "openai:fake", "--recipe", "build=gemini:fake,name=openai:fake"]
    result = CliRunner().invoke(main, ["run", "--db", db, "--prompt", PROMPT, *named_like_a_model, "--no-check"])
    assert result.exit_code == 2 and "like a model of the comparison" in result.output
    result = CliRunner().invoke(main, ["sweep", "--db", db, "--recipe", "build=gemini:fake", "--batch", "--no-check"])
    assert result.exit_code == 2 and "run it streamed" in result.output
    result = CliRunner().invoke(main, ["run", "--db", db, "--prompt", PROMPT])
    assert result.exit_code == 2 and "--recipe" in result.output  # neither a model nor a recipe
    # A recipe's own repair rounds need what --repair needs: checks, and a judge for judge>=K.
    repairs = ["--recipe", "build=gemini:fake,repair=1"]
    result = CliRunner().invoke(main, ["run", "--db", db, "--prompt", PROMPT, *repairs, "--no-check"])
    assert result.exit_code == 2 and "needs render checks" in result.output
    result = CliRunner().invoke(main, ["run", "--db", db, "--prompt", PROMPT, *repairs, "--accept", "judge>=7"])
    assert result.exit_code == 2 and "--judge-model" in result.output
    assert not fake_env.requests


@needs_chromium
def test_cli_repairs_go_to_the_fixer_and_the_summary_adds_every_step(
    fake_env: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prices(tmp_path, monkeypatch, "planner", "fake;rounds=throws,good")
    db = tmp_path / "cli.db"
    builder, fixer = "openai:fake;rounds=throws,good", "anthropic:fake;rounds=throws,good"
    spec = f"plan=gemini:planner,build={builder},fix={fixer},repair=2"
    result = CliRunner().invoke(main, ["run", "--db", str(db), "--prompt", PROMPT, "--recipe", spec])
    # Two models under one short name ("fake"): the default name says which is which.
    name = "planner plans, openai:fake builds, anthropic:fake fixes+2 repairs"
    assert parse_recipe(spec, check_keys=False).name == name
    assert result.exit_code == 0, result.output
    assert f"  {name}: plan: gemini:planner → build: {builder} → 2 repairs by {fixer}" in result.stdout

    store = RunStore(db)
    (cid,) = [row["id"] for row in store.db.query("SELECT id FROM comparisons")]
    rows = reads.runs_of(store, cid)
    assert [(r["model_id"], r["round"], r["repair_version"]) for r in rows] == [
        ("gemini:planner", PLAN_ROUND, PLAN_VERSION), (builder, 0, None), (fixer, 1, REPAIR_VERSION),
    ]  # fmt: skip
    assert all(r["recipe"] == name for r in rows)
    assert rows[2]["parent_run_id"] == rows[1]["id"] and rows[1]["parent_run_id"] == rows[0]["id"]
    checks = reads.latest_checks(store, [r["id"] for r in rows])
    assert rows[0]["id"] not in checks  # a design is never checked
    assert (checks[rows[1]["id"]]["verdict"], checks[rows[2]["id"]]["verdict"]) == ("crashed", "renders")

    (fix_request,) = [r for r in fake_env.requests if r.protocol == "anthropic"]
    first, answer, repair = fix_request.turns  # the builder's conversation, sent to the fixer
    assert DESIGN_MARK in first.text and "drawScene(ctx);" in answer.text and "crashed" in repair.text

    total = sum(r["cost_usd"] for r in rows)
    assert rows[0]["cost_usd"] > 0
    assert f"  {name}: acceptable after 1 repair round (" in result.stdout
    assert f"${total:.4f}" in result.stdout  # the planner's cost is in the total
    exported = CliRunner().invoke(main, ["export", "--db", str(db), "--table", "attempts", "--format", "json"])
    (row,) = json.loads(exported.stdout)
    assert (row["model"], row["rounds_to_acceptable"], row["repair"], row["rounds_run"]) == (name, 1, 2, 2)
    assert row["cost_usd"] == pytest.approx(total)


def test_a_follow_up_that_renders_is_not_counted_as_a_repair_round() -> None:
    """A contestant first made acceptable by a follow-up turn did not become acceptable after k repair rounds."""
    common = {"comparison_id": "c", "prompt_id": None, "model_id": "openai:x", "started_at": None}
    rows = [
        {**common, "id": "a", "round": 0, "parent_run_id": None, "repair_version": None, "status": "done",
         "cost_usd": 0.25, "output_tokens": 100},
        {**common, "id": "b", "round": 1, "parent_run_id": "a", "repair_version": FOLLOW_UP_VERSION, "status": "done",
         "cost_usd": 0.5, "output_tokens": 200},
    ]  # fmt: skip
    verdicts = {"a": {"verdict": "crashed"}, "b": {"verdict": "renders"}}
    (found,) = attempts(rows, verdicts, parse_accept("renders"), repair=0)
    assert (found.rounds, found.acceptable, found.rounds_run, found.followup_rounds) == (None, False, 1, 1)
    assert found.stopped == "not within 0 rounds" and found.cost_usd == 0.25 and found.tokens == (100,)


def test_a_recipes_samples_are_labelled_by_its_name_its_planner_as_the_plan() -> None:
    def row(rid: str, model: str, rnd: int = 0, parent: str | None = None, recipe: str | None = None) -> dict[str, Any]:
        version = PLAN_VERSION if rnd == PLAN_ROUND else None
        return {"id": rid, "model_id": model, "round": rnd, "parent_run_id": parent, "recipe": recipe,
                "repair_version": version}  # fmt: skip

    runs = [
        row("m", "openai:fake"), row("p1", "gemini:pro", PLAN_ROUND, recipe="r"),
        row("b1", "openai:fake", 0, "p1", "r"), row("f1", "openai:fake", 1, "b1", "r"),
        row("p2", "gemini:pro", PLAN_ROUND, recipe="r"), row("b2", "openai:fake", 0, "p2", "r"),
    ]  # fmt: skip
    assert sample_labels(runs) == {
        "m": "", "p1": " · sample 1 of 2 · plan", "b1": " · sample 1 of 2", "f1": " · sample 1 of 2 · round 1",
        "p2": " · sample 2 of 2 · plan", "b2": " · sample 2 of 2",
    }  # fmt: skip
