"""Repair rounds: a page that is not acceptable goes back to its model with the check's findings, round by round.

Through the real SDKs against the fakes, a real SQLite file and real Chromium checks (one browser for the module).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.providers.base import GenerationResult
from canvasbench.render import RenderCheck, RenderCheckPool, RenderEngine
from canvasbench.render.check import CheckLimits
from canvasbench.render.processes import chromium_path
from canvasbench.run.acceptable import parse_accept
from canvasbench.run.attempts import attempts, describe
from canvasbench.run.comparisons import rerun_request, sample_labels
from canvasbench.run.prompt_suite import custom_prompt
from canvasbench.run.repair_message import REPAIR_VERSION, Evidence, repair_text
from canvasbench.run.repairs import next_round
from canvasbench.run.runner import Runner, RunOptions
from canvasbench.store import RunStore, reads, writes
from canvasbench.store.reads import export_rows
from tests.fakes import FakeServer, fixtures

FAST = CheckLimits(load_timeout_s=15.0, sample_s=1.5, step_timeout_s=10.0)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env

PROMPT = "Draw a solar system on a canvas."


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    """One browser shared by every test in this file."""
    eng = RenderEngine(max_concurrent=2)
    yield eng
    eng.close()


def _priced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A price for one of the fakes' model names, so each round has a cost."""
    path = tmp_path / "prices.toml"
    path.write_text(
        f'[models."{name}"]\ninput_per_m = 1.0\noutput_per_m = 2.0\nas_of = "2026-12"\nsource = "test"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CANVASBENCH_PRICES", str(path))


def _run(
    models: list[str], repair: int, engine: RenderEngine, *, cancel_after_check: bool = False,
    delete_after_check: bool = False,
) -> tuple[RunStore, list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """One comparison with repair rounds, checked in the module's browser; its stored rows and their checks."""
    store = RunStore()
    runner = Runner(store.path)
    comparison: list[str] = []

    def cancel(_run_id: str, _check: RenderCheck) -> None:
        runner.cancel_comparison(comparison[0])  # reaches the loop before the check's result does

    def delete(_run_id: str, _check: RenderCheck) -> None:
        writes.delete_comparison(store, comparison[0])  # the user deletes it between two rounds

    hook = cancel if cancel_after_check else delete if delete_after_check else None
    pool = RenderCheckPool(store.path, workers=2, limits=FAST, engine=engine, on_checked=hook)
    runner.use_checks(pool)
    try:
        comparison.append(runner.submit(custom_prompt(PROMPT), models, RunOptions(repair=repair)))
        rows = runner.wait(comparison[0], timeout=300)
    finally:
        runner.shutdown()
        pool.shutdown()
    rows = reads.run_metrics(store, comparison[0])
    return store, rows, reads.latest_checks(store, [r["id"] for r in rows])


@needs_chromium
def test_a_model_that_fixes_on_round_1_is_sent_its_answer_and_the_evidence_on_each_protocol(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _priced(tmp_path, monkeypatch, "fake;rounds=throws,good")
    models = [f"{p}:fake;rounds=throws,good" for p in ("gemini", "openai", "anthropic")]
    store, rows, checks = _run(models, 2, engine)

    for model_id in models:
        protocol, _, name = model_id.partition(":")
        requests = [r for r in fake_env.requests_for(name) if r.protocol == protocol]
        assert [r.round for r in requests] == [0, 1], model_id  # fixed on round 1: no third request
        repair = requests[1]
        user, answer, message = repair.turns
        assert (user.role, answer.role, message.role) == ("user", "model", "user")
        assert user.text == PROMPT
        assert "drawScene(ctx);" in answer.text and not answer.thinking  # its own answer, no thinking sent back
        assert "crashed" in message.text
        assert "ReferenceError: drawScene is not defined (line 16" in message.text  # the artifact's own line
        assert "complete corrected file" in message.text
        assert message.images and all(png.startswith(PNG_MAGIC) for _, png in message.images)

        first, second = [r for r in rows if r["model_id"] == model_id]
        assert (first["round"], second["round"]) == (0, 1)
        assert second["parent_run_id"] == first["id"] and second["repair_version"] == REPAIR_VERSION
        assert second["turn_text"] == message.text
        assert checks[first["id"]]["verdict"] == "crashed" and checks[second["id"]]["verdict"] == "renders"
        assert first["cost_usd"] > 0 and second["cost_usd"] > 0
        assert second["input_tokens"] > first["input_tokens"]  # the whole conversation was sent again

    found = attempts(rows, checks, parse_accept("renders"), repair=2)
    assert [(a.model_id, a.rounds) for a in found] == [(m, 1) for m in models]
    assert all(a.cost_usd == pytest.approx(sum(r["cost_usd"] for r in rows if r["model_id"] == a.model_id))
               for a in found)
    finals = {r["id"] for r in rows if r["round"] == 1}
    assert {r["id"] for r in reads.votable_runs(store, rows[0]["comparison_id"])} == finals  # the arena's contestants
    exported = export_rows(store)
    assert [(e["round"], e["parent_run_id"] is None) for e in exported][:2] == [(0, True), (1, False)]


@needs_chromium
def test_cancelling_between_rounds_starts_no_other(fake_env: FakeServer, engine: RenderEngine) -> None:
    _store, rows, _checks = _run(["openai:fake;rounds=throws"], 3, engine, cancel_after_check=True)
    assert [r.round for r in fake_env.requests] == [0]
    assert [(r["round"], r["status"]) for r in rows] == [(0, "done")]


@needs_chromium
def test_a_comparison_deleted_between_rounds_starts_no_other_and_is_no_error(
    fake_env: FakeServer, engine: RenderEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        _store, rows, _checks = _run(["openai:fake;rounds=throws"], 3, engine, delete_after_check=True)
    assert [r.round for r in fake_env.requests] == [0]
    assert rows == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [r.getMessage() for r in caplog.records]


def test_cli_repairs_until_n_and_stops_at_a_provider_failure_keeping_its_text(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "cli.db"
    never, failing = "openai:fake;rounds=blank", "gemini:fake;rounds=throws,fail"
    result = CliRunner().invoke(
        main, ["run", "--db", str(db), "--prompt", PROMPT, "--model", never, "--model", failing, "--repair", "1"]
    )
    assert "Repair rounds (acceptable: renders, at most 1):" in result.stdout
    assert f"  {never}: not within 1 round (" in result.stdout  # never fixed: stops after N repair rounds
    assert f"  {failing}: round 1 failed: " in result.stdout  # a provider failure ends the loop, reason stated
    store = RunStore(db)
    (comparison,) = [row["id"] for row in store.db.query("SELECT id FROM comparisons")]
    rows = reads.run_metrics(store, comparison)
    assert [(r["model_id"], r["round"], r["status"]) for r in rows] == [
        (never, 0, "done"), (never, 1, "done"), (failing, 0, "done"), (failing, 1, "failed")
    ]
    failed = reads.get_run(store, rows[-1]["id"])
    assert failed is not None and failed["response"] and "in-stream" in failed["error"]  # the partial text is kept
    exported = CliRunner().invoke(main, ["export", "--db", str(db), "--table", "attempts", "--format", "json"])
    table = {row["model"]: row for row in json.loads(exported.stdout)}
    assert (table[never]["rounds_run"], table[never]["acceptable"], table[never]["stopped"]) == (
        2, False, "not within 1 round"
    )
    assert table[failing]["rounds_to_acceptable"] is None and table[failing]["stopped"].startswith("round 1 failed")
    assert table[never]["generation_s"] == pytest.approx(sum(r["latency_s"] for r in rows if r["model_id"] == never))
    # Stored with the comparison, so `rerun` repairs the same way unless told otherwise.
    options = rerun_request(store, comparison).options
    assert (options.repair, options.accept) == (1, "renders")


def test_with_a_judges_bar_every_round_is_judged_and_its_weak_items_are_quoted(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "judged.db"
    result = CliRunner().invoke(main, [
        "run", "--db", str(db), "--prompt", PROMPT, "--model", "openai:fake", "--repair", "1",
        "--accept", "judge>=8", "--judge-model", "gemini:judge;judge=json",
    ])  # fmt: skip
    assert "openai:fake: not within 1 round (" in result.stdout  # the page renders, but the judge gives it 7
    store = RunStore(db)
    rounds = [r for r in store.db.query("SELECT id, round, turn_text FROM runs ORDER BY round")]
    judged = store.db.query("SELECT run_id, overall FROM judgments WHERE mode = 'score'")
    scores = {r["run_id"]: r["overall"] for r in judged}
    assert [scores.get(r["id"]) for r in rounds] == [7.0, 7.0]  # the last round is judged too
    (checklist,) = [json.loads(r["items"]) for r in store.db.query("SELECT items FROM checklists")]
    message = rounds[1]["turn_text"]
    assert "A reviewer scored it 7/10." in message and f"Not done yet: {checklist[0]}" in message
    repair = [r for r in fake_env.requests if r.protocol == "openai" and r.round == 1]
    assert repair and repair[0].turns[-1].text == message


@pytest.mark.parametrize(
    "args, message",
    [
        (["--repair", "6"], "0<=x<=5"),
        (["--repair", "1", "--no-check"], "--repair needs render checks"),
        (["--repair", "1", "--accept", "judge>=7"], "needs the judge: give --judge-model"),
        (["--accept", "pretty"], "--accept takes 'renders' or 'judge>=K'"),
    ],
)
def test_repair_settings_that_cannot_work_are_refused_before_any_model_is_paid(
    fake_env: FakeServer, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(main, ["run", "--prompt", PROMPT, "--model", "openai:fake", *args])
    assert result.exit_code == 2 and message in result.output
    assert fake_env.requests == []


def test_the_repair_message_quotes_every_kind_of_evidence() -> None:
    check = RenderCheck(
        verdict="renders with errors", evidence="Drew a 2D canvas; 2 requests blocked.", loaded=True, drawn=True,
        js_errors=4, errors=("Uncaught TypeError: x is null (line 40, column 2)", "second", "third", "fourth"),
        blocked_requests=("https://example.com/a.js",), missing_files=("sprites.png",), limit_hit="time",
        responds_to_input=False, moments=(PNG_MAGIC, None, PNG_MAGIC),
    )
    text = repair_text(Evidence(check, cut_off=True), shots=["after loading"])
    for quoted in ("renders with errors", "4 JavaScript error(s)", "x is null (line 40, column 2)", "third",
                   "https://example.com/a.js", "sprites.png", "stopped responding", "did not respond to input",
                   "cut off at the output limit", "attached screenshot(s) show the page after loading",
                   "complete corrected file"):
        assert quoted in text
    assert "fourth" not in text  # only the first few errors; the count covers all
    blank = RenderCheck(verdict="blank", evidence="Nothing.", loaded=True)
    assert "Nothing was drawn" in repair_text(Evidence(blank))
    # A model behind an endpoint whose models may not take images gets the text alone.
    from canvasbench.providers.base import GenerationRequest

    result = GenerationResult(status="done", text="<html></html>")
    request = GenerationRequest(model="m", prompt=PROMPT)
    plain = next_round("ollama:llava", request, result, check, parse_accept(None))
    seen = next_round("gemini:gemini-3-flash-preview", request, result, check, parse_accept(None))
    assert plain is not None and seen is not None and not plain.request.images and len(seen.request.images) == 2
    ok = RenderCheck(verdict="renders", evidence="Drew.", loaded=True, drawn=True)
    assert next_round("gemini:x", request, result, ok, parse_accept(None)) is None


def test_rounds_time_and_cost_to_acceptable_by_hand() -> None:
    def row(rid: str, rnd: int, parent: str | None, status: str, start: str, cost: float | None) -> dict[str, Any]:
        return {"id": rid, "comparison_id": "c", "model_id": "m:x", "round": rnd, "parent_run_id": parent,
                "status": status, "started_at": start, "finished_at": start, "latency_s": 2.0, "cost_usd": cost,
                "output_tokens": 10, "thinking_tokens": 5}

    rows = [row("a", 0, None, "done", "2026-12-05T10:00:00.000Z", 0.5),
            row("b", 1, "a", "done", "2026-12-05T10:00:10.000Z", 0.25),
            row("c", 2, "b", "done", "2026-12-05T10:00:20.000Z", 0.125)]
    checks = {"a": {"verdict": "crashed", "checked_at": "2026-12-05T10:00:05.000Z"},
              "b": {"verdict": "renders", "checked_at": "2026-12-05T10:00:14.500Z"},
              "c": {"verdict": "renders", "checked_at": "2026-12-05T10:00:30.000Z"}}
    (found,) = attempts(rows, checks, parse_accept("renders"), repair=3)
    assert (found.rounds, found.wall_s, found.generation_s, found.cost_usd) == (1, 14.5, 4.0, 0.75)
    assert found.tokens == (15, 15, 15) and found.rounds_run == 3
    (never,) = attempts(rows[:1], checks, parse_accept("renders"), repair=0)
    assert never.rounds is None and describe(never).startswith("not within 0 rounds")


def test_rounds_are_labelled_as_rounds_not_as_samples() -> None:
    runs = [
        {"id": "a", "model_id": "m:x", "round": 0}, {"id": "b", "model_id": "m:x", "round": 0},
        {"id": "a1", "model_id": "m:x", "round": 1, "parent_run_id": "a"},
        {"id": "a2", "model_id": "m:x", "round": 2, "parent_run_id": "a1"},
        {"id": "c", "model_id": "m:y", "round": 0}, {"id": "c1", "model_id": "m:y", "round": 1, "parent_run_id": "c"},
    ]  # fmt: skip
    assert sample_labels(runs) == {
        "a": " · sample 1 of 2", "b": " · sample 2 of 2", "a1": " · sample 1 of 2 · round 1",
        "a2": " · sample 1 of 2 · round 2", "c": "", "c1": " · round 1",
    }  # fmt: skip
