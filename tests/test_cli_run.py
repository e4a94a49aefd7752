"""`canvasbench run` and `canvasbench sweep` against the fake providers: output, exit codes, Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.run.prompt_suite import load_suite
from canvasbench.store import RunStore, reads
from tests.cli_process import AS_FROM_A_TERMINAL
from tests.fakes import fixtures

PROJECT = Path(__file__).resolve().parent.parent
RUN_KEYS = [
    "run_id",
    "model",
    "status",
    "finish_reason",
    "ttft_s",
    "latency_s",
    "output_tokens",
    "thinking_tokens",
    "lines",
    "code_lines",
    "cost_usd",
    "error",
    "round",
    "parent_run_id",
    "recipe",
]

fake_server = fixtures.fake_server  # shared fixtures: one fake server, SDK env pointing at it
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


def cli(*args: str) -> Result:
    """The CLI in-process; runs skip render checks unless a test asks for them (test_render_check covers them)."""
    if args[:1] in (("run",), ("sweep",)) and "--check" not in args and "--help" not in args:
        args = (*args, "--no-check")
    return CliRunner().invoke(main, list(args))


def test_run_json_has_exactly_the_documented_shape(fake_env_vars: dict[str, str]) -> None:
    result = cli("run", "--prompt", "Draw a canvas page", "--model", "openai:fake", "--model", "gemini:fake;thinking=1",
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)  # stdout is exactly one JSON object
    assert list(payload) == ["comparison_id", "runs"]
    assert [list(run) for run in payload["runs"]] == [RUN_KEYS, RUN_KEYS]
    first, second = payload["runs"]
    assert first["model"] == "openai:fake" and second["model"] == "gemini:fake;thinking=1"
    assert first["status"] == "done" and first["finish_reason"] == "stop"
    assert first["lines"] > 10 and first["output_tokens"] > 0 and first["cost_usd"] is None
    assert second["thinking_tokens"] > 0
    # The runs are in the store under the same ids.
    stored = reads.runs_of(RunStore(), payload["comparison_id"])
    assert [r["id"] for r in stored] == [first["run_id"], second["run_id"]]
    # Progress went to stderr, never into the JSON on stdout.
    assert "openai:fake" in result.stderr


def test_run_prints_a_summary_table_and_exits_1_when_a_run_fails(fake_env_vars: dict[str, str]) -> None:
    result = cli("run", "--prompt", "Draw", "--model", "openai:fake", "--model", "anthropic:fake;fault=cut:3")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["model", "status", "lines"]
    assert any(line.startswith("openai:fake") and " done " in line for line in lines)
    assert any(line.startswith("anthropic:fake;fault=cut:3") and " cut " in line for line in lines)
    assert "connection was cut mid-stream" in result.stdout  # the failure is spelled out under the table
    assert "unknown" in result.stdout  # no price for the fake model: unknown, not $0


def test_run_reads_the_prompt_from_a_file_or_the_suite(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("A page with a spinning cube.\n")
    result = cli("run", "--prompt-file", str(prompt_file), "--model", "openai:fake", "--json")
    assert result.exit_code == 0, result.stderr
    comparison = reads.get_comparison(RunStore(), json.loads(result.stdout)["comparison_id"])
    assert comparison["prompt_text"] == "A page with a spinning cube.\n"

    suite_prompt = load_suite()[0]
    result = cli("run", "--prompt-id", suite_prompt.id, "--model", "openai:fake", "--json")
    assert result.exit_code == 0, result.stderr
    comparison = reads.get_comparison(RunStore(), json.loads(result.stdout)["comparison_id"])
    assert comparison["prompt_id"] == suite_prompt.id and comparison["title"] == suite_prompt.title


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "openai:fake"], "Give the prompt"),
        (["--prompt", "x", "--prompt-id", "canvas-boids-ecosystem", "--model", "openai:fake"], "only one"),
        (["--prompt-id", "no-such-prompt", "--model", "openai:fake"], "Unknown prompt id"),
        (["--prompt", "x", "--model", "gpt-5.2"], "provider:model"),
        (["--prompt", "x", "--model", "nosuchprovider:model"], "nosuchprovider"),
        (["--prompt", "   ", "--model", "openai:fake"], "empty"),
        (["--prompt", "x"], "--model"),
        (["--prompt", "x", "--model", "openai:fake", "--thinking", "extreme"], "extreme"),
        (["--prompt", "x", "--model", "openai:fake", "--max-output-tokens", "0"], "0"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_message(
    fake_env_vars: dict[str, str], args: list[str], message: str
) -> None:
    result = cli("run", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert list(RunStore().db.query("SELECT id FROM runs")) == []


def test_missing_key_is_one_clear_message(fake_env_vars: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = cli("run", "--prompt", "x", "--model", "anthropic:fake")
    assert result.exit_code == 2  # a setup problem, like a bad database path
    assert "ANTHROPIC_API_KEY" in result.stderr and "Traceback" not in result.output


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_TERMINAL, *args],
        cwd=PROJECT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_text(db: Path, runs: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(sqlite3.Error),
            contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as c,
        ):
            # A streaming run's checkpointed text is in run_chunks until its final row is written.
            with_text = c.execute("SELECT count(DISTINCT run_id) FROM run_chunks").fetchone()[0]
            if with_text == runs:
                return
        time.sleep(0.05)
    raise AssertionError("the CLI never checkpointed its runs")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_cancels_cleanly_and_keeps_partial_output(
    fake_env_vars: dict[str, str], tmp_path: Path, sig: int
) -> None:
    db = tmp_path / "ctrl-c.db"
    slow = ["openai:fake;chunks=3000;interval_ms=5", "anthropic:fake;chunks=3000;interval_ms=5"]
    proc = _spawn(
        ["run", "--prompt", "x", "--db", str(db), "--json", *[a for m in slow for a in ("--model", m)]], fake_env_vars
    )
    try:
        _wait_for_text(db, runs=2)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Cancelling" in err and "Traceback" not in err
    payload = json.loads(out)
    assert [r["status"] for r in payload["runs"]] == ["cancelled", "cancelled"]
    for row in reads.runs_of(RunStore(db), payload["comparison_id"]):
        assert row["status"] == "cancelled" and row["response"] and row["finished_at"]


def test_sweep_runs_one_comparison_per_prompt(fake_env_vars: dict[str, str]) -> None:
    ids = [p.id for p in load_suite()[:2]]
    result = cli("sweep", "--model", "openai:fake", "--model", "gemini:fake", "--concurrency", "1", "--json",
                 *[a for pid in ids for a in ("--prompt-id", pid)])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [c["prompt_id"] for c in payload["comparisons"]] == ids
    for comparison in payload["comparisons"]:
        assert [r["model"] for r in comparison["runs"]] == ["openai:fake", "gemini:fake"]
        assert all(r["status"] == "done" for r in comparison["runs"])
        assert list(comparison["runs"][0]) == RUN_KEYS
    assert "4/4" in result.stderr  # the progress reached the end
    # The sweep is stored as one, so the dashboard's matrix can show it whole (and a `run` is part of none).
    store = RunStore(os.environ["CANVASBENCH_DB"])
    (sweep,) = reads.sweeps(store)
    assert (sweep["comparisons"], sweep["models"], sweep["runs"]) == (2, 2, 4)
    matrix = reads.matrix_runs(store, reads.MatrixFilter(sweep_id=sweep["sweep_id"]))
    assert {r["comparison_id"] for r in matrix.runs} == {c["comparison_id"] for c in payload["comparisons"]}
    assert cli("run", "--prompt", "Draw a canvas page", "--model", "openai:fake").exit_code == 0
    assert len(reads.sweeps(store)) == 1


def test_sweep_by_category_and_its_summary(fake_env_vars: dict[str, str]) -> None:
    suite = load_suite()
    category = suite[0].category
    expected = [p.id for p in suite if p.category == category]
    result = cli(
        "sweep", "--model", "openai:fake;chunks=2", "--model", "anthropic:fake;fault=cut:1", "--category", category
    )
    assert result.exit_code == 1  # one model always fails
    table = result.stdout
    assert table.splitlines()[0].split()[:3] == ["prompt", "model", "status"]
    for pid in expected:
        assert pid in table
    assert f"{len(expected)}/{2 * len(expected)} runs done" in table


def test_sweep_with_an_unknown_category_is_a_usage_error(fake_env_vars: dict[str, str]) -> None:
    result = cli("sweep", "--model", "openai:fake", "--category", "no-such-category")
    assert result.exit_code == 2
    assert "no-such-category" in result.stderr


def test_every_command_has_help() -> None:
    for command in ("run", "sweep", "export", "models"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and len(result.stdout) > 100
    assert "130" in cli("run", "--help").stdout  # the Ctrl-C exit status is documented


def test_run_checks_each_finished_artifact_in_the_browser(fake_env_vars: dict[str, str]) -> None:
    result = cli("run", "--prompt", "Draw a canvas page", "--model", "openai:fake", "--check")
    assert result.exit_code == 0, result.stderr
    assert "openai:fake: renders" in result.stdout
    store = RunStore()
    (run,) = store.db.query("SELECT id FROM runs")
    (check,) = store.db.query("SELECT verdict, screenshot FROM render_checks WHERE run_id = ?", [run["id"]])
    assert check["verdict"] == "renders" and check["screenshot"][:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_summary_shows_each_render_verdict_and_explains_the_bad_ones(fake_env_vars: dict[str, str]) -> None:
    cut, good = "openai:fake;fault=cut:2", "anthropic:fake;text=svg"
    result = cli("sweep", "--model", cut, "--model", good, "--prompt-id", "svg-ui-components", "--check")
    assert result.exit_code == 1  # the cut run failed
    header, _rule, *rows = result.stdout.splitlines()
    assert header.split()[:4] == ["prompt", "model", "status", "render"]
    assert rows[0].split()[1:4] == [cut, "cut", "blank"] and rows[1].split()[1:4] == [good, "done", "renders"]
    # The blank page is explained below the table; the clean one is not repeated.
    assert f"svg-ui-components × {cut}: blank - Loaded without errors but nothing was drawn" in result.stdout
    assert f"× {good}: renders" not in result.stdout


def test_run_and_sweep_stop_each_run_at_the_deadline_keeping_its_text(fake_env_vars: dict[str, str]) -> None:
    slow = "openai:fake;chunks=300;interval_ms=100"  # 30 s of steady text
    result = cli("run", "--prompt", "x", "--model", slow, "--deadline", "1", "--json")
    assert result.exit_code == 1, result.stderr
    (run,) = json.loads(result.stdout)["runs"]
    assert run["status"] == "incomplete" and "deadline" in run["error"]
    assert reads.get_run(RunStore(), run["run_id"])["response"]  # the text received is kept
    result = cli("sweep", "--model", slow, "--prompt-id", load_suite()[0].id, "--deadline", "1", "--json")
    assert result.exit_code == 1
    (comparison,) = json.loads(result.stdout)["comparisons"]
    assert [r["status"] for r in comparison["runs"]] == ["incomplete"]
    assert cli("run", "--prompt", "x", "--model", slow, "--deadline", "0").exit_code == 2
