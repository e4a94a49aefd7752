"""A batch answer ends as the same answer streamed would: the same status and message for each finish reason.

Real SDKs against the fakes' batch APIs, a real SQLite file; no browser.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from canvasbench.arena.leaderboard import model_stats
from canvasbench.cli import main
from canvasbench.run.prompt_suite import load_suite
from canvasbench.store import RunStore
from tests.fakes import FakeServer, fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
PROMPT = load_suite()[0]


def test_a_batch_answer_the_provider_ended_with_an_error_or_paused_is_not_done(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    models = ["gemini:fake;finish=OTHER", "anthropic:fake;finish=pause_turn", "openai:fake"]
    args = ["sweep", "--batch", "--prompt-id", PROMPT.id, "--db", str(db)]
    assert CliRunner().invoke(main, [*args, *[a for m in models for a in ("--model", m)]]).exit_code == 0
    collected = CliRunner().invoke(main, ["batches", "--wait", "--no-check", "--db", str(db)])
    assert collected.exit_code == 0, collected.output
    got = {r["model_id"]: r for r in RunStore(db).db.query("SELECT model_id, status, error FROM runs")}
    ended = got["gemini:fake;finish=OTHER"]  # as a stream that ends this way: failed, with the provider's reason
    assert ended["status"] == "failed" and "OTHER" in str(ended["error"])
    paused = got["anthropic:fake;finish=pause_turn"]
    assert paused["status"] == "incomplete" and "pause_turn" in str(paused["error"])
    assert got["openai:fake"]["status"] == "done" and got["openai:fake"]["error"] is None


def test_the_leaderboards_median_latency_is_of_streamed_runs_never_a_batch_turnaround(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    args = ["sweep", "--prompt-id", PROMPT.id, "--model", "openai:fake", "--db", str(db)]
    assert CliRunner().invoke(main, [*args, "--batch"]).exit_code == 0
    assert CliRunner().invoke(main, ["batches", "--wait", "--no-check", "--db", str(db)]).exit_code == 0
    store = RunStore(db)
    with store.write() as conn:  # the batch's results were read a day after it was submitted
        conn.execute("UPDATE runs SET latency_s = 86400")
    assert model_stats(store)["openai:fake"]["median_latency_s"] is None  # a turnaround is not a latency
    streamed = CliRunner().invoke(main, [*args, "--no-check"])
    assert streamed.exit_code == 0, streamed.output
    (latency,) = [r["latency_s"] for r in store.db.query("SELECT latency_s FROM runs WHERE batch_id IS NULL")]
    assert model_stats(store)["openai:fake"]["median_latency_s"] == latency
