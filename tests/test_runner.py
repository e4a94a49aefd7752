"""The runner against the fake provider servers: concurrency, checkpoints, cancel, crash recovery, limits."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from canvasbench.errors import MissingKeyError, UsageError
from canvasbench.run.progress import MIN_CHECKPOINT_S
from canvasbench.run.prompt_suite import custom_prompt
from canvasbench.run.runner import Runner, RunOptions, shared_runner
from canvasbench.store import RunStore, reads, writes
from tests.fakes import FakeServer, fixtures, parse_model_name

PROJECT = Path(__file__).resolve().parent.parent
PROMPT = custom_prompt("Write a single-file HTML page that draws on a canvas.")

fake_server = fixtures.fake_server  # shared fixtures: one fake server, SDK env pointing at it
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


@pytest.fixture
def make_runner(fake_env_vars: dict[str, str]) -> Iterator[Callable[..., Runner]]:
    runners: list[Runner] = []

    def make(**kwargs: Any) -> Runner:
        runner = Runner(**kwargs)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.shutdown()


def full_text(model: str) -> str:
    """What the fake streams for this model name when nothing goes wrong."""
    return parse_model_name(model).answer_text()


def wait_until(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def run_by_model(store: RunStore, comparison_id: str, model_id: str) -> dict[str, Any]:
    return next(r for r in reads.runs_of(store, comparison_id) if r["model_id"] == model_id)


def test_fast_run_is_saved_done_while_slow_one_still_streams(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner()
    fast, slow = "openai:fake;chunks=5", "anthropic:fake;chunks=150;interval_ms=20"
    comparison_id = runner.submit(PROMPT, [fast, slow])
    # submit() returns at once; the runs go on in the background. The fast one may be done already (it was, under
    # load); the slow one cannot be, its fake paces 150 pieces 20 ms apart.
    assert run_by_model(runner.store, comparison_id, slow)["status"] in {"queued", "running"}

    def fast_done_slow_partial() -> bool:
        rows = {r["model_id"]: r for r in reads.runs_of(runner.store, comparison_id)}
        return rows[fast]["status"] == "done" and rows[slow]["status"] == "running" and bool(rows[slow]["response"])

    wait_until(fast_done_slow_partial, what="fast run done while the slow one has a checkpoint")
    partial = run_by_model(runner.store, comparison_id, slow)
    assert 0 < partial["chars"] < len(full_text(slow.split(":", 1)[1]))
    assert partial["lines"] >= 1 and partial["ttft_s"] is not None
    assert comparison_id in runner.active_comparisons()

    rows = runner.wait(comparison_id, timeout=30)
    assert [r["status"] for r in rows] == ["done", "done"]
    assert comparison_id not in runner.active_comparisons()
    for row in rows:
        assert row["response"] == full_text(row["model"])
        assert row["artifact_kind"] == "html" and row["lines"] > 10 and row["code_lines"] > 0
        assert row["finish_reason"] == "stop" and row["output_tokens"] > 0
        assert row["latency_s"] >= row["ttft_s"] > 0
    timeline = json.loads(run_by_model(runner.store, comparison_id, slow)["timeline"])
    assert len(timeline) >= 3
    assert [t for t, _, _ in timeline] == sorted(t for t, _, _ in timeline)
    assert timeline[-1][1] == len(rows[1]["response"])


def test_final_row_has_cost_and_price_only_when_the_price_is_known(
    make_runner: Callable[..., Runner], isolated_paths: Path
) -> None:
    (isolated_paths / "prices.toml").write_text(
        '[models."openai:fake"]\ninput_per_m = 1.0\noutput_per_m = 2.0\nas_of = "2026-11-01"\nsource = "test"\n'
    )
    runner = make_runner()
    comparison_id = runner.submit(PROMPT, ["openai:fake", "gemini:fake"])
    priced, unpriced = runner.wait(comparison_id, timeout=30)
    expected = (priced["input_tokens"] * 1.0 + priced["output_tokens"] * 2.0) / 1_000_000
    assert priced["cost_usd"] == pytest.approx(expected)
    assert json.loads(priced["price"])["output_per_m"] == 2.0
    assert unpriced["status"] == "done" and unpriced["cost_usd"] is None and unpriced["price"] is None


def test_options_reach_the_provider_and_the_comparison(
    make_runner: Callable[..., Runner], fake_server: FakeServer
) -> None:
    runner = make_runner()
    model = "openai:fake;chunks=3;lines=999"
    comparison_id = runner.submit(PROMPT, [model], RunOptions(max_output_tokens=1234, thinking="high"))
    runner.wait(comparison_id, timeout=30)
    body = fake_server.requests_for("fake;chunks=3;lines=999")[-1].body
    assert body["max_completion_tokens"] == 1234
    assert json.loads(reads.get_comparison(runner.store, comparison_id)["options"])["thinking"] == "high"


def test_a_temperature_is_sent_only_to_models_that_accept_it(
    make_runner: Callable[..., Runner], fake_server: FakeServer
) -> None:
    runner = make_runner()
    models = ["openai:gpt-5.2", "anthropic:claude-sonnet-4-6", "gemini:gemini-3-flash-preview", "openai:fake"]
    comparison_id = runner.submit(PROMPT, models, RunOptions(temperature=0.7))
    rows = runner.wait(comparison_id, timeout=30)
    assert [r["status"] for r in rows] == ["done"] * 4
    assert "temperature" not in fake_server.requests_for("gpt-5.2")[-1].body
    assert "temperature" not in fake_server.requests_for("claude-sonnet-4-6")[-1].body
    assert fake_server.requests_for("gemini-3-flash-preview")[-1].body["generationConfig"]["temperature"] == 0.7
    assert fake_server.requests_for("fake")[-1].body["temperature"] == 0.7  # a model we do not know: as asked
    assert json.loads(reads.get_comparison(runner.store, comparison_id)["options"])["temperature"] == 0.7


def test_cancel_a_streaming_run_keeps_its_partial_output(make_runner: Callable[..., Runner]) -> None:
    finished: list[tuple[str, str]] = []
    also: list[tuple[str, str]] = []
    runner = make_runner()
    runner.add_run_finished_hook(lambda *args: finished.append(args))
    runner.add_run_finished_hook(lambda run_id, status: 1 / 0)  # a broken hook does not stop the others
    runner.add_run_finished_hook(lambda *args: also.append(args))
    slow, fast = "openai:fake;chunks=2000;interval_ms=5", "gemini:fake;chunks=3"
    comparison_id = runner.submit(PROMPT, [slow, fast])
    wait_until(lambda: run_by_model(runner.store, comparison_id, slow)["response"], what="a checkpoint")
    slow_id = run_by_model(runner.store, comparison_id, slow)["id"]
    runner.cancel_run(slow_id)
    rows = runner.wait(comparison_id, timeout=10)
    cancelled = next(r for r in rows if r["id"] == slow_id)
    assert cancelled["status"] == "cancelled"
    assert 0 < len(cancelled["response"]) < len(full_text(slow.split(":", 1)[1]))
    assert full_text(slow.split(":", 1)[1]).startswith(cancelled["response"])
    assert cancelled["finished_at"] and cancelled["chars"] is not None
    assert next(r for r in rows if r["id"] != slow_id)["status"] == "done"  # the other run was not touched
    wait_until(lambda: len(finished) == 2 and len(also) == 2, what="the after-run hooks for both runs")
    assert set(finished) == set(also) == {(r["id"], r["status"]) for r in rows}  # each hook hears the status


def test_shutdown_returns_after_every_saved_runs_hooks(make_runner: Callable[..., Runner]) -> None:
    # The CLI shuts its render checks down right after the runner: a hook still queued then would be lost.
    heard: list[str] = []
    runner = make_runner()
    runner.add_run_finished_hook(lambda run_id, _status: heard.append(run_id))
    comparison_id = runner.submit(PROMPT, ["gemini:fake;chunks=3", "openai:fake;chunks=3", "anthropic:fake;chunks=3"])
    rows = runner.wait(comparison_id, timeout=30)
    runner.shutdown()
    assert sorted(heard) == sorted(r["id"] for r in rows)


def test_cancel_a_comparison_with_a_queued_run(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner(concurrency={"openai": 1})
    first, second = "openai:fake;chunks=2000;interval_ms=5;lines=401", "openai:fake;chunks=2000;interval_ms=5;lines=402"
    comparison_id = runner.submit(PROMPT, [first, second])
    wait_until(lambda: run_by_model(runner.store, comparison_id, first)["response"], what="a checkpoint")
    assert run_by_model(runner.store, comparison_id, second)["status"] == "queued"
    runner.cancel_comparison(comparison_id)
    rows = runner.wait(comparison_id, timeout=10)
    assert [r["status"] for r in rows] == ["cancelled", "cancelled"]
    assert rows[0]["response"] and not rows[1]["response"]
    assert rows[1]["started_at"] is None


def test_per_provider_limit_is_never_exceeded(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner(concurrency={"openai": 2}, default_concurrency=3)
    models = [f"openai:fake;chunks=20;interval_ms=10;lines={400 + i}" for i in range(6)]
    models += [f"anthropic:fake;chunks=20;interval_ms=10;lines={400 + i}" for i in range(5)]
    comparison_id = runner.submit(PROMPT, models)
    seen_running: dict[str, int] = {"openai": 0, "anthropic": 0}

    def observe() -> bool:
        rows = reads.run_metrics(runner.store, comparison_id)
        for provider in seen_running:
            running = sum(r["status"] == "running" and r["provider"] == provider for r in rows)
            seen_running[provider] = max(seen_running[provider], running)
        return all(r["status"] not in ("queued", "running") for r in rows)

    wait_until(observe, timeout=60, what="all runs to finish")
    rows = runner.wait(comparison_id)
    assert all(r["status"] == "done" for r in rows)
    assert seen_running["openai"] <= 2 and seen_running["anthropic"] <= 3
    # The saved start/finish times show the same: never more than the limit in flight at once.
    for provider, limit in (("openai", 2), ("anthropic", 3)):
        events = []
        for r in rows:
            if r["provider"] == provider:
                events += [(r["started_at"], 1), (r["finished_at"], -1)]
        in_flight = peak = 0
        for _, step in sorted(events, key=lambda e: (e[0], e[1])):  # an end sorts before a start at a tie
            in_flight += step
            peak = max(peak, in_flight)
        assert peak == limit  # reached, and never more


def test_sixteen_concurrent_runs_write_without_lock_errors(
    make_runner: Callable[..., Runner], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    runner = make_runner(default_concurrency=16)
    providers = ("openai", "anthropic", "gemini", "openai")
    models = [f"{providers[i % 4]}:fake;chunks=200;interval_ms=15;lines={400 + i}" for i in range(16)]
    comparison_id = runner.submit(PROMPT, models)
    rows = runner.wait(comparison_id, timeout=90)
    assert [r["status"] for r in rows] == ["done"] * 16, [r["error"] for r in rows]
    for row in rows:
        assert row["response"] == full_text(row["model"])
    stats = runner.writer_stats()
    assert stats.checkpoints > 0 and stats.finals == 16, stats  # progress was written while they all streamed
    problems = [r for r in caplog.records if r.name.startswith("canvasbench") and r.levelno >= logging.WARNING]
    assert not problems, caplog.text
    assert "locked" not in caplog.text


def _cli(*args: str, env: dict[str, str], **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from canvasbench.cli import main; main()", *args],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_two_processes_share_one_database(make_runner: Callable[..., Runner], fake_env_vars: dict[str, str]) -> None:
    db = os.environ["CANVASBENCH_DB"]
    runner = make_runner(default_concurrency=8)
    models = [f"openai:fake;chunks=60;interval_ms=15;lines={500 + i}" for i in range(8)]
    other = _cli(
        "run", "--prompt", "two processes", "--json", "--no-check", "--db", db,
        *[arg for i in range(8) for arg in ("--model", f"gemini:fake;chunks=60;interval_ms=15;lines={600 + i}")],
        env={**os.environ, **fake_env_vars},
    )  # fmt: skip
    comparison_id = runner.submit(PROMPT, models)
    rows = runner.wait(comparison_id, timeout=90)
    out, err = other.communicate(timeout=120)
    assert other.returncode == 0, err
    assert all(r["status"] == "done" for r in rows)
    theirs = json.loads(out)
    assert [r["status"] for r in theirs["runs"]] == ["done"] * 8
    store = RunStore(db)
    assert [r["status"] for r in reads.runs_of(store, theirs["comparison_id"])] == ["done"] * 8


def test_killed_process_leaves_interrupted_runs_with_their_text(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    slow = "openai:fake;chunks=3000;interval_ms=5"
    other = "gemini:fake;chunks=3000;interval_ms=5"
    args = ["run", "--prompt", "survive a crash", "--model", slow, "--model", other, "--db", str(db), "--no-check"]
    proc = _cli(*args, env={**os.environ, **fake_env_vars})
    try:

        def checkpointed() -> list[tuple[str, str]] | None:
            if not db.exists():
                return None
            try:  # read with plain sqlite3: the test must not take part in what it observes
                with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                    # A streaming run's checkpointed text is in run_chunks until its final row is written.
                    rows = conn.execute(
                        "SELECT status, (SELECT count(*) FROM run_chunks c WHERE c.run_id = r.id) FROM runs r"
                    ).fetchall()
            except sqlite3.Error:  # the CLI may still be creating the schema
                return None
            return rows if len(rows) == 2 and all(pieces for _, pieces in rows) else None

        wait_until(checkpointed, timeout=60, what="the CLI to checkpoint both runs")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    store = RunStore(db)  # opening the store recovers what the dead process left running
    rows = list(store.db.query("SELECT * FROM runs ORDER BY position"))
    assert [r["status"] for r in rows] == ["interrupted", "interrupted"]
    for row in rows:
        assert row["response"] and full_text(row["model"]).startswith(row["response"])
        assert "stopped before it finished" in row["error"]
        assert row["finished_at"]


def test_a_script_without_a_main_guard_runs_once(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    # Large pages are analysed in worker processes; those must never import (and so re-run) the user's script.
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from canvasbench.run.prompt_suite import custom_prompt\n"
        "from canvasbench.run.runner import Runner\n"
        f"runner = Runner({str(tmp_path / 'script.db')!r})\n"
        "model = 'openai:fake;text=long;lines=2000;chunks=20'\n"
        "rows = runner.wait(runner.submit(custom_prompt('x'), [model, model]), timeout=60)\n"
        "print('SCRIPT RAN', [(r['status'], r['lines']) for r in rows], flush=True)\n"
        "runner.shutdown()\n"
    )
    done = subprocess.run([sys.executable, str(script)], env={**os.environ, **fake_env_vars},
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("SCRIPT RAN") == 1
    assert "SCRIPT RAN [('done', 2000), ('done', 2000)]" in done.stdout


def test_runs_of_a_live_runner_are_not_marked_interrupted(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner()
    comparison_id = runner.submit(PROMPT, ["openai:fake;chunks=300;interval_ms=10"])
    wait_until(lambda: reads.runs_of(runner.store, comparison_id)[0]["status"] == "running", what="running")
    assert writes.recover_interrupted(RunStore(runner.store.path)) == 0  # another store opened in this process
    assert runner.wait(comparison_id, timeout=30)[0]["status"] == "done"


def test_failed_and_incomplete_runs_keep_text_and_error(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner()
    cut, ended = "anthropic:fake;chunks=20;fault=cut:5", "openai:fake;chunks=20;fault=end:5"
    rows = runner.wait(runner.submit(PROMPT, [cut, ended]), timeout=30)
    assert [r["status"] for r in rows] == ["failed", "incomplete"]
    for row in rows:
        assert row["response"] and row["error"] and row["finished_at"]
        assert row["truncated"] == 1 and row["cost_usd"] is None


def test_submit_rejects_bad_input_before_recording_anything(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner()
    with pytest.raises(UsageError, match="provider:model"):
        runner.submit(PROMPT, ["no-colon"])
    with pytest.raises(UsageError, match="empty"):
        runner.submit({**PROMPT, "text": "  "}, ["openai:fake"])
    with pytest.raises(UsageError):
        runner.submit(PROMPT, [])
    os.environ.pop("ANTHROPIC_API_KEY")
    with pytest.raises(MissingKeyError, match="ANTHROPIC_API_KEY"):
        runner.submit(PROMPT, ["openai:fake", "anthropic:fake"])
    assert list(runner.store.db.query("SELECT id FROM comparisons")) == []


def test_shared_runner_is_one_per_database(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    first = shared_runner()
    try:
        assert shared_runner() is first
        other = shared_runner(tmp_path / "other.db")
        assert other is not first
        other.shutdown()
    finally:
        first.shutdown()
    assert shared_runner() is not first
    shared_runner().shutdown()


def test_shutdown_cancels_and_saves_what_runs(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner()
    comparison_id = runner.submit(PROMPT, ["openai:fake;chunks=3000;interval_ms=5"])
    wait_until(lambda: reads.runs_of(runner.store, comparison_id)[0]["response"], what="a checkpoint")
    done = threading.Event()
    threading.Thread(target=lambda: (runner.shutdown(), done.set()), daemon=True).start()
    assert done.wait(15)
    row = reads.runs_of(RunStore(runner.store.path), comparison_id)[0]
    assert row["status"] == "cancelled" and row["response"]


def test_checkpoints_are_rate_limited_and_keep_coming_through_a_stall(make_runner: Callable[..., Runner]) -> None:
    """A page watching a run sees progress during a stall, and streaming never writes more than twice a second.

    Only what holds on any machine is asserted: the count of checkpoints is bounded by the run's own length
    (the runner measures intervals on the monotonic clock, so load can only lower the count), and a 4 s stall
    is three times the stall checkpoint's 1.5 s period, so at least one lands in it however slow the machine.
    """
    runner = make_runner()
    # 2 s of text, then 4 s of silence on an open connection: progress must still be written during the stall.
    model = "openai:fake;chunks=100;interval_ms=20;fault=stall:100;stall_s=4"
    comparison_id = runner.submit(PROMPT, [model])
    seen: dict[str, int] = {}  # each running checkpoint's updated_at -> the characters it had

    def observe() -> bool:
        row = reads.run_metrics(runner.store, comparison_id)[0]
        if row["status"] == "running" and row["updated_at"] not in seen:
            seen[row["updated_at"]] = row["chars"] or 0
        return row["status"] not in ("queued", "running")

    wait_until(observe, timeout=60, what="the stalled run to end")
    row = reads.runs_of(runner.store, comparison_id)[0]
    stalled_at = max(seen.values())  # the text so far when the stream went silent
    during_stall = [stamp for stamp, chars in seen.items() if chars == stalled_at]
    assert len(during_stall) >= 2, seen  # the text's last checkpoint, then at least one with nothing new
    assert len(seen) <= row["latency_s"] / MIN_CHECKPOINT_S + 2, (len(seen), row["latency_s"])
    timeline = json.loads(row["timeline"])
    assert timeline[-1][0] - timeline[0][0] >= 4  # the flat stretch of the stall is in the timeline


def test_large_pages_ending_together_are_measured_like_any_other(make_runner: Callable[..., Runner]) -> None:
    # Pages this large are analysed in worker processes; the numbers must be the ones analyse_response gives.
    from canvasbench.measure.analysis import analyse_response
    from canvasbench.measure.analysis_pool import IN_THREAD_CHARS

    runner = make_runner()
    models = [f"openai:fake;text=long;lines={1500 + i};chunks=20;interval_ms=1" for i in range(3)]
    comparison_id = runner.submit(PROMPT, models)
    rows = runner.wait(comparison_id, timeout=60)
    assert [r["status"] for r in rows] == ["done"] * 3
    for row in rows:
        assert len(row["response"]) >= IN_THREAD_CHARS
        expected = analyse_response(row["response"])
        assert (row["lines"], row["code_lines"], row["artifact_kind"]) == (
            expected.lines,
            expected.code_lines,
            expected.kind,
        )
        assert row["lines"] >= 1500 and row["artifact"] == expected.code
