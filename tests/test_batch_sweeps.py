"""Batch sweeps: the three providers' batch engines through their SDKs, resumable, priced at the batch rate."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.render.processes import chromium_path
from canvasbench.run.batch_sweep import wait_for_jobs
from canvasbench.run.prompt_suite import load_suite
from canvasbench.store import RunStore, batches
from tests.fakes import FakeServer, fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env

PROMPTS = [p.id for p in load_suite()[:2]]


def cli(*args: str, db: Path) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(db)])


def sweep(db: Path, *models: str, extra: tuple[str, ...] = ()) -> Result:
    chosen = [a for pid in PROMPTS for a in ("--prompt-id", pid)]
    return cli("sweep", "--batch", *[a for m in models for a in ("--model", m)], *chosen, *extra, db=db)


def runs(db: Path) -> dict[str, dict[str, object]]:
    """model id -> the export row of its first run (the export is what users read)."""
    result = CliRunner().invoke(main, ["export", "--format", "json", "--output", "-", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    return {f"{r['provider']}:{r['model']}": r for r in json.loads(result.stdout)}


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_a_batch_sweep_is_submitted_at_once_survives_its_process_and_lands_priced_at_half(
    provider: str, fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    prices = tmp_path / "prices.toml"  # the conftest's price file: one priced fake model
    prices.write_text(
        '[models."fake"]\ninput_per_m = 1.0\noutput_per_m = 10.0\nbatch_factor = 0.5\nas_of = "2026-12"\n'
        'source = "test"\n'
    )
    submitted = sweep(db, f"{provider}:fake", extra=("--json",))
    assert submitted.exit_code == 0, submitted.output
    payload = json.loads(submitted.stdout)
    assert len(payload["comparisons"]) == 2 and len(payload["jobs"]) == 1
    # The submitting process is gone; a later one (this store, recovering) still sees them waiting, not dead.
    store = RunStore(db)
    assert {r["status"] for r in runs(db).values()} == {"queued"}
    assert [j["provider"] for j in batches.jobs(store)] == [provider]
    sent = [r for r in fake_env.requests if r.method == "POST" and "batch" in r.path.lower()]
    assert sent, "the batch went through the provider's SDK to its batch endpoint"

    collected = cli("batches", "--wait", "--no-check", db=db)
    assert collected.exit_code == 0, collected.output
    rows = json.loads(CliRunner().invoke(main, ["export", "--format", "json", "--db", str(db)]).stdout)
    assert [r["status"] for r in rows] == ["done", "done"]
    for row in rows:
        assert row["mode"] == "batch" and row["lines"] and row["output_tokens"]
        assert row["ttft_s"] is None and row["tokens_per_s"] is None  # no stream: never guessed
        assert row["latency_s"] is not None and row["latency_s"] >= 0  # the turnaround
        full = (row["input_tokens"] * 1.0 + (row["output_tokens"] + (row["thinking_tokens"] or 0)) * 10.0) / 1e6
        assert row["cost_usd"] == pytest.approx(full / 2)
    assert cli("batches", "--wait", db=db).exit_code == 0  # again: nothing is read twice
    assert len(json.loads(CliRunner().invoke(main, ["export", "--format", "json", "--db", str(db)]).stdout)) == 2


def test_per_request_failures_expiry_and_a_failed_job_each_end_their_runs_with_the_reason(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    ok, bad, expires = "openai:fake", "openai:fake;fault=400", "openai:fake;batch=expire"
    assert sweep(db, ok, bad, expires).exit_code == 0
    assert sweep(tmp_path / "other.db", "gemini:fake;batch=fail_job").exit_code == 0
    assert cli("batches", "--wait", "--no-check", db=db).exit_code == 0
    got = runs(db)
    assert got[ok]["status"] == "done"
    assert got[bad]["status"] == "failed" and "400" in str(got[bad]["error"])
    assert got[expires]["status"] == "incomplete" and "expired" in str(got[expires]["error"]).lower()

    other = tmp_path / "other.db"
    assert cli("batches", "--wait", "--no-check", db=other).exit_code == 0
    failed = runs(other)["gemini:fake;batch=fail_job"]
    assert failed["status"] == "failed" and "batch" in str(failed["error"]).lower()


def test_a_reader_cut_off_while_ingesting_loses_nothing_and_doubles_nothing(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    assert sweep(db, "anthropic:fake;batch=cut_results", "anthropic:fake").exit_code == 0
    first = cli("batches", "--no-check", db=db)
    assert first.exit_code == 1  # the results stream broke part way: said in one line, not a traceback
    assert "broke after 1 of them" in first.stderr and "'canvasbench batches' again" in first.stderr
    assert len(first.stderr.strip().splitlines()) == 1 and isinstance(first.exception, SystemExit), first.stderr
    with sqlite3.connect(db) as conn:
        stored = {r[0]: r[1] for r in conn.execute("SELECT id, updated_at FROM runs WHERE status != 'queued'")}
    assert len(stored) == 1  # the one result that arrived is kept

    again = cli("batches", "--no-check", db=db)
    assert again.exit_code == 0, again.output
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("SELECT id, updated_at FROM runs").fetchall())
        statuses = [r[0] for r in conn.execute("SELECT status FROM runs")]
    assert statuses == ["done"] * 4
    assert all(after[run_id] == stamp for run_id, stamp in stored.items())  # not written a second time


def test_cancel_at_the_provider_ends_the_waiting_runs_as_cancelled(fake_env: FakeServer, tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    assert sweep(db, "openai:fake;batch_polls=5").exit_code == 0
    store = RunStore(db)
    job = batches.jobs(store)[0]
    cancelled = cli("batches", "--cancel", job["job_id"], "--no-check", db=db)
    assert cancelled.exit_code == 0, cancelled.output
    assert "cancel" in cancelled.stdout
    assert {r["status"] for r in runs(db).values()} == {"cancelled"}


def test_waiting_polls_with_backoff_on_an_injected_clock(fake_env: FakeServer, tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    assert sweep(db, "gemini:fake;batch_polls=4").exit_code == 0
    # From a whole second after now (the store keeps milliseconds), only the naps move it.
    clock = [datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)]
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    wait_for_jobs(RunStore(db), sleep=sleep, now=lambda: clock[0])
    assert naps == [60.0, 120.0, 240.0]  # nothing changed between polls: the interval doubles each time
    assert {r["status"] for r in runs(db).values()} == {"done"}


def test_endpoints_without_a_batch_api_are_refused_or_streamed_when_asked(fake_env: FakeServer, tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    (tmp_path / "endpoints.toml").write_text(
        f'[endpoints.local]\nbase_url = "{fake_env.base_url}/v1"\nkey_optional = true\n'
    )
    refused = sweep(db, "openai:fake", "local:fake")
    assert refused.exit_code == 2 and "no batch API" in refused.stderr
    assert not db.exists() or runs(db) == {}
    both = sweep(db, "openai:fake", "local:fake", extra=("--batch-or-stream", "--no-check"))
    assert both.exit_code == 0, both.output
    modes = {m: r["mode"] for m, r in runs(db).items()}
    assert modes == {"openai:fake": "batch", "local:fake": "stream"}


def test_repair_rounds_are_accepted_on_batch_engines_and_said_to_cost_a_turnaround_each(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    for flag in ("--batch", "--batch-or-stream"):
        chosen = [a for pid in PROMPTS for a in ("--prompt-id", pid)]
        submitted = cli("sweep", flag, "--model", "openai:fake", *chosen, "--repair", "2", db=db)
        assert submitted.exit_code == 0, submitted.output
        assert "up to 2 repair round(s), each a follow-up batch" in submitted.stdout
    assert {r["status"] for r in runs(db).values()} == {"queued"}


@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")
def test_batches_json_stays_one_document_while_the_pages_are_checked(fake_env: FakeServer, tmp_path: Path) -> None:
    # A script reads stdout as JSON: the render check's own lines must go to stderr, not into the document.
    db = tmp_path / "bench.db"
    assert sweep(db, "openai:fake").exit_code == 0
    collected = cli("batches", "--wait", "--json", db=db)
    assert collected.exit_code == 0, collected.output
    assert isinstance(json.loads(collected.stdout), list)
    assert "renders" in collected.stderr  # the checks ran and said so, beside the document
    assert {r["render_verdict"] for r in runs_by_prompt(db)} == {"renders"}


def runs_by_prompt(db: Path) -> list[dict[str, object]]:
    """Every run's export row (the export is what users read)."""
    result = CliRunner().invoke(main, ["export", "--format", "json", "--output", "-", "--db", str(db)])
    return list(json.loads(result.stdout))
