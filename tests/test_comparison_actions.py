"""Everyday actions: delete, re-run, repeated models, the pre-launch estimate, in-band reasoning, the code page."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.errors import UsageError
from canvasbench.liveness import worker_token
from canvasbench.measure.estimate import DEFAULT_OUTPUT_TOKENS, estimate, prompt_tokens, typical_output
from canvasbench.measure.pricing import load_prices
from canvasbench.measure.reasoning import inband_reasoning
from canvasbench.present.code_page import diff_page, diff_rows, viewer_page
from canvasbench.run.comparisons import delete_comparison, repeat_models, rerun_request, sample_labels
from canvasbench.run.prompt_suite import custom_prompt
from canvasbench.run.runner import RunOptions
from canvasbench.store import RunStore, reads, writes
from tests.browser_helpers import seed_comparison
from tests.fakes import fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


def cli(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def _count(store: RunStore, sql: str, *params: str) -> int:
    return int(store.db.execute(sql, params).fetchone()[0])


def test_delete_removes_the_comparison_its_runs_and_render_checks() -> None:
    store = RunStore()
    keep_id, _ = seed_comparison(store, title="Keep me")
    gone_id, gone_runs = seed_comparison(store, title="Delete me")
    with store.write():
        for run_id in gone_runs:
            store.table("render_checks").insert({"run_id": run_id, "verdict": "renders", "checked_at": "x"})
    result = cli("delete", gone_id, "--yes")
    assert result.exit_code == 0, result.output
    assert f"Deleted comparison {gone_id} and its 3 run(s)." in result.output
    assert reads.get_comparison(store, gone_id) is None
    assert _count(store, "SELECT count(*) FROM runs WHERE comparison_id = ?", gone_id) == 0
    assert _count(store, "SELECT count(*) FROM render_checks") == 0
    assert reads.get_comparison(store, keep_id) is not None and len(reads.runs_of(store, keep_id)) == 3


def test_a_vote_that_arrives_after_its_comparison_was_deleted_is_refused_and_stores_nothing() -> None:
    store = RunStore()
    keep_id, keep_runs = seed_comparison(store, title="Keep me")
    gone_id, gone_runs = seed_comparison(store, title="Delete me")
    delete_comparison(store, gone_id)  # in another window, between the arena's checks and its insert
    with pytest.raises(UsageError, match=f"Comparison '{gone_id}' or one of its two runs was deleted"):
        writes.insert_vote(store, gone_id, gone_runs[0], gone_runs[1], "left", None)
    assert _count(store, "SELECT count(*) FROM votes") == 0
    writes.insert_vote(store, keep_id, keep_runs[0], keep_runs[1], "left", None)
    assert _count(store, "SELECT count(*) FROM votes WHERE comparison_id = ?", keep_id) == 1


def test_a_voted_judged_comparison_is_deleted_with_everything_that_refers_to_it() -> None:
    store = RunStore()
    keep_id, keep_runs = seed_comparison(store, title="Keep me")
    gone_id, gone_runs = seed_comparison(store, title="Delete me")
    for cid, runs in ((keep_id, keep_runs), (gone_id, gone_runs)):
        writes.insert_vote(store, cid, runs[0], runs[1], "left", None)
        writes.save_checklist(store, cid, ["draws"], "suite", None)
        writes.insert_judgment(store, {"id": f"j-{cid}", "comparison_id": cid, "mode": "score", "run_id": runs[0],
                                       "judge_model": "openai:judge", "prompt_version": "1", "status": "ok",
                                       "created_at": "2026-12-06T00:00:00Z"})  # fmt: skip
        with store.write():
            store.table("run_chunks").insert({"run_id": runs[2], "seq": 0, "response": "<html>", "reasoning": ""})
    result = cli("delete", gone_id, "--yes")
    assert result.exit_code == 0, result.output
    assert f"Deleted comparison {gone_id} and its 3 run(s)." in result.output
    for table in ("votes", "judgments", "checklists"):
        assert _count(store, f"SELECT count(*) FROM {table} WHERE comparison_id = ?", gone_id) == 0, table
        assert _count(store, f"SELECT count(*) FROM {table} WHERE comparison_id = ?", keep_id) == 1, table
    assert _count(store, "SELECT count(*) FROM run_chunks") == 1  # the kept comparison's piece
    assert reads.get_comparison(store, gone_id) is None and len(reads.runs_of(store, keep_id)) == 3


def test_delete_asks_first_and_refuses_unknown_or_running_comparisons() -> None:
    store = RunStore()
    cid, run_ids = seed_comparison(store)
    assert cli("delete", cid, input="n\n").exit_code == 0
    assert reads.get_comparison(store, cid) is not None  # answered no: kept
    missing = cli("delete", "no-such-id", "--yes")
    assert missing.exit_code == 2 and "No comparison with id no-such-id" in missing.output
    writes.update_run(store, run_ids[0], status="running", worker=worker_token())  # a live process streams it
    with pytest.raises(UsageError, match="cancel them first"):
        delete_comparison(store, cid)
    assert len(reads.runs_of(store, cid)) == 3


def test_a_repeated_model_yields_n_runs_shown_as_samples(fake_env_vars: dict[str, str]) -> None:
    result = cli("run", "--prompt", "Draw", "--model", "openai:fake", "--model", "gemini:fake", "--repeat", "3",
                 "--no-check", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [r["model"] for r in payload["runs"]] == ["openai:fake"] * 3 + ["gemini:fake"] * 3
    runs = reads.runs_of(RunStore(), payload["comparison_id"])
    assert len({r["id"] for r in runs}) == 6 and all(r["status"] == "done" for r in runs)
    labels = sample_labels(runs)
    assert [labels[r["id"]] for r in runs[:3]] == [" · sample 1 of 3", " · sample 2 of 3", " · sample 3 of 3"]
    assert cli("run", "--prompt", "x", "--model", "openai:fake", "--repeat", "0").exit_code == 2


def test_rerun_starts_the_same_prompt_models_and_options_again(fake_env_vars: dict[str, str]) -> None:
    first = cli("run", "--prompt", "Draw a canvas", "--model", "openai:fake", "--model", "anthropic:fake",
                "--repeat", "2", "--max-output-tokens", "900", "--no-check", "--json")  # fmt: skip
    assert first.exit_code == 0, first.output
    old_id = json.loads(first.stdout)["comparison_id"]
    again = cli("rerun", old_id, "--no-check", "--json")
    assert again.exit_code == 0, again.output
    payload = json.loads(again.stdout)
    assert payload["rerun_of"] == old_id and payload["comparison_id"] != old_id
    store = RunStore()
    old, new = reads.get_comparison(store, old_id), reads.get_comparison(store, payload["comparison_id"])
    assert new["prompt_text"] == old["prompt_text"] == "Draw a canvas"
    assert json.loads(new["models"]) == json.loads(old["models"]) == ["openai:fake"] * 2 + ["anthropic:fake"] * 2
    assert json.loads(new["options"])["max_output_tokens"] == 900
    assert cli("rerun", "nope").exit_code == 2


def test_rerun_carries_the_deadline_and_every_other_option(fake_env_vars: dict[str, str]) -> None:
    first = cli("run", "--prompt", "Draw", "--model", "openai:fake", "--deadline", "120", "--thinking", "high",
                "--max-output-tokens", "900", "--no-check", "--json")  # fmt: skip
    assert first.exit_code == 0, first.output
    again = cli("rerun", json.loads(first.stdout)["comparison_id"], "--no-check", "--json")
    assert again.exit_code == 0, again.output
    options = json.loads(reads.get_comparison(RunStore(), json.loads(again.stdout)["comparison_id"])["options"])
    assert (options["deadline_s"], options["thinking"], options["max_output_tokens"]) == (120.0, "high", 900)


def test_rerun_request_adds_up_every_field_of_the_run_options() -> None:
    # One value unlike the default for every field: a new option must be added here, and is then carried.
    chosen = {
        "max_output_tokens": 900, "thinking": "high", "temperature": 0.3, "deadline_s": 120.0, "repair": 2,
        "accept": "judge>=7", "judge_model": "gemini:judge", "recipes": ("build=openai:b,repair=1,name=b+1 repair",),
        "plan_message": "plan-v1",
    }
    assert set(chosen) == {f.name for f in dataclasses.fields(RunOptions)}
    assert all(chosen[f.name] != f.default for f in dataclasses.fields(RunOptions))
    store = RunStore()
    options = RunOptions(**chosen)
    cid, _ = writes.create_comparison(
        store, prompt=custom_prompt("Draw"), model_ids=["openai:a"], options=dataclasses.asdict(options)
    )
    assert rerun_request(store, cid).options == options


def test_rerun_keeps_the_text_it_ran_with_when_the_prompt_changed_since() -> None:
    store = RunStore()
    cid, _ = seed_comparison(store, prompt_id="suite-a", prompt_text="Old text")
    writes.save_prompt(store, {"id": "suite-a", "title": "A", "category": "canvas", "kind": "html", "text": "New text"})
    request = rerun_request(store, cid)
    assert request.prompt["text"] == "Old text" and request.prompt["id"] != "suite-a"


def test_repeat_models_groups_samples_and_checks_the_count() -> None:
    assert repeat_models(["a:x", "b:y"], 2) == ["a:x", "a:x", "b:y", "b:y"]
    with pytest.raises(UsageError):
        repeat_models(["a:x"], 11)


def test_estimate_uses_history_prices_and_warns_near_the_context_window() -> None:
    store = RunStore()
    prices = load_prices()
    assert typical_output(store, "gemini:gemini-3-flash-preview") is None
    fresh = estimate("gemini:gemini-3-flash-preview", "x" * 4000, prices, None)
    assert fresh.input_tokens == 1000 and fresh.output_tokens == DEFAULT_OUTPUT_TOKENS and not fresh.output_from_history
    price = prices["gemini-3-flash-preview"]
    expected = (1000 * price.input_per_m + DEFAULT_OUTPUT_TOKENS * price.output_per_m) / 1e6
    assert fresh.cost_usd == pytest.approx(expected)
    seed_comparison(store)  # finished runs with output and thinking tokens
    assert typical_output(store, "gemini:gemini-3-flash-preview")
    # A 1.1 MB prompt: 280,000 tokens are over Claude's window and most of GPT-5.2's.
    big = "y" * 1_120_032
    assert prompt_tokens(big) == 280_008
    claude = estimate("anthropic:claude-opus-4-6", big, prices, None)
    assert claude.warning and "more than" in claude.warning and "refuse" in claude.warning
    gpt = estimate("openai:gpt-5.2", "y" * 1_300_000, prices, None)
    assert gpt.warning and "81%" in gpt.warning
    assert estimate("gemini:gemini-3-flash-preview", big, prices, None).warning is None
    assert estimate("openai:unknown-model", "x", prices, None).cost_usd is None


def test_inband_reasoning_is_returned_for_the_reasoning_tab() -> None:
    assert inband_reasoning("<think>plan the page</think>\n```html\n<p>x</p>\n```") == "plan the page"
    assert inband_reasoning("weighing options</think>```html\n<p>x</p>\n```") == "weighing options"
    assert inband_reasoning("<think>still thinking when cut") == "still thinking when cut"
    harmony = "<|channel|>analysis<|message|>draft it<|end|><|start|>assistant<|channel|>final<|message|>done"
    assert inband_reasoning(harmony) == "draft it"
    assert inband_reasoning("```html\n<p>no reasoning</p>\n```") == ""


def test_code_page_carries_hostile_text_as_data_only() -> None:
    hostile = "</script><script>parent.alert(1)</script><!-- \u2028 <img src=x onerror=alert(2)>"
    page = viewer_page(hostile + "\nline 2")
    data = re.search(r"<script type='application/json' id='data'>(.*?)</script>", page, re.S)
    assert data is not None and json.loads(data.group(1))["text"] == hostile + "\nline 2"
    assert page.count("<script") == 2  # the data block and our own script, nothing from the text
    assert "<img" not in page
    rows = diff_rows("a\nb\nc", "a\nB\nc\nd")
    assert [r[0] for r in rows] == ["eq", "chg", "eq", "ins"]
    assert "<script>parent" not in diff_page(hostile, "x", "left <b>", "right")


def test_long_unchanged_stretches_fold_in_a_diff() -> None:
    left = "\n".join(f"line {i}" for i in range(100))
    right = left.replace("line 50", "line fifty")
    rows = diff_rows(left, right)
    assert [r[0] for r in rows].count("fold") == 2 and len(rows) < 20
