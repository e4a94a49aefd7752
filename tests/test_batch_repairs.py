"""Repair rounds of batch sweeps: each round that is not acceptable goes back as one follow-up batch per provider.

Real SDKs against the fakes' batch APIs, a real SQLite file, real Chromium checks (one browser for the module).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from socket import gethostname
from typing import Any

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.judge.round_judge import judge_round
from canvasbench.providers.batch import engine_for
from canvasbench.render import RenderCheckPool, RenderEngine, save_check
from canvasbench.render.check import CheckLimits
from canvasbench.render.processes import chromium_path
from canvasbench.render.verdict import not_checked
from canvasbench.run.acceptable import parse_accept
from canvasbench.run.attempts import attempt_rows, attempts, describe
from canvasbench.run.batch_rounds import repair_pass
from canvasbench.run.batch_sweep import poll_jobs, wait_for_jobs
from canvasbench.run.batch_watch import BatchWatch
from canvasbench.run.prompt_suite import load_suite
from canvasbench.run.repair_message import REPAIR_VERSION
from canvasbench.store import RunStore, batches, reads
from canvasbench.store.reads import export_rows
from tests.fakes import FakeServer, fixtures
from tests.fakes.conversation import ReceivedTurn, received_turns

FAST = CheckLimits(load_timeout_s=15.0, sample_s=1.5, step_timeout_s=10.0)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")
FIXES = "fake;rounds=throws,good"  # a page that throws on round 0, the good page from round 1
NEVER = "fake;rounds=throws"  # throws every round

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
PROMPT = load_suite()[0]


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    """One browser shared by every test in this file."""
    eng = RenderEngine(max_concurrent=2)
    yield eng
    eng.close()


@pytest.fixture
def priced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Prices (with a batch discount) for the fakes' model names, so every round has a batch cost."""
    path = tmp_path / "prices.toml"
    path.write_text(
        "".join(
            f'[models."{name}"]\ninput_per_m = 1.0\noutput_per_m = 10.0\nbatch_factor = 0.5\nas_of = "2026-12"\n'
            'source = "test"\n'
            for name in (FIXES,)
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("CANVASBENCH_PRICES", str(path))


def sweep(db: Path, *models: str, repair: int) -> Result:
    args = ["sweep", "--batch", "--prompt-id", PROMPT.id, "--repair", str(repair), "--db", str(db)]
    result = CliRunner().invoke(main, [*args, *[a for m in models for a in ("--model", m)]])
    assert result.exit_code == 0, result.output
    return result


def checker(db: Path, engine: RenderEngine) -> Callable[[list[str]], None]:
    """Render-check runs (and wait for them) in the module's browser, as `canvasbench batches` does."""

    def check(run_ids: list[str]) -> None:
        pool = RenderCheckPool(db, workers=2, limits=FAST, engine=engine)
        try:
            for future in [pool.submit(run_id) for run_id in run_ids]:
                future.result()
        finally:
            pool.shutdown()

    return check


def collect(db: Path, engine: RenderEngine, *, judged: bool = False) -> None:
    """What `canvasbench batches --wait` does, in a new store object: poll, check arrivals, send repair rounds."""
    store = RunStore(db)
    judge = partial(judge_round, store) if judged else None
    check = checker(db, engine)
    arrived: list[str] = []

    def step() -> None:
        if arrived:
            check(list(arrived))
            arrived.clear()
        repair_pass(store, engine_for, check=check, judge=judge)

    naps: list[float] = []

    def sleep(seconds: float) -> None:  # no real waiting; a loop that never ends fails instead of hanging
        naps.append(seconds)
        assert len(naps) < 20, "the batch jobs never ended"

    wait_for_jobs(store, sleep=sleep, show=lambda rs: arrived.extend(i for r in rs for i in r.ingested),
                  step=step, engines=engine_for)  # fmt: skip


def received(fake: FakeServer, model: str) -> list[tuple[str, list[ReceivedTurn]]]:
    """(protocol, conversation) of every batch request the fake received for this model name, oldest job first."""
    return [
        (job.protocol, received_turns(job.protocol, body))
        for job in fake.batches.jobs.values()
        for _cid, name, body in job.requests
        if name == model
    ]


def rows_by_model(db: Path) -> dict[str, list[dict[str, Any]]]:
    """model id -> its export rows (what users read), in round order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(export_rows(RunStore(db)), key=lambda r: r["round"] or 0):
        out.setdefault(f"{row['provider']}:{row['model']}", []).append(row)
    return out


@needs_chromium
def test_pages_that_throw_are_repaired_in_follow_up_batches_on_each_protocol(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path, priced: None
) -> None:
    db = tmp_path / "bench.db"
    models = [f"{p}:{FIXES}" for p in ("gemini", "openai", "anthropic")]
    sweep(db, *models, repair=1)
    collect(db, engine)

    for model_id in models:
        protocol = model_id.partition(":")[0]
        sent = [turns for proto, turns in received(fake_env, FIXES) if proto == protocol]
        assert [len(turns) for turns in sent] == [1, 3], model_id  # the first answer, then one repair round
        user, answer, message = sent[1]
        assert (user.role, answer.role, message.role) == ("user", "model", "user")
        assert user.text == PROMPT.text
        assert "drawScene(ctx);" in answer.text and not answer.thinking  # its own answer, no thinking sent back
        assert "crashed" in message.text
        assert "ReferenceError: drawScene is not defined (line 16" in message.text
        assert "complete corrected file" in message.text
        assert message.images and all(png.startswith(PNG_MAGIC) for _, png in message.images)

        first, second = rows_by_model(db)[model_id]
        assert (first["round"], second["round"]) == (0, 1)
        assert second["parent_run_id"] == first["run_id"] and second["mode"] == "batch"
        assert (first["render_verdict"], second["render_verdict"]) == ("crashed", "renders")
        assert second["status"] == "done" and second["ttft_s"] is None and second["latency_s"] is not None
        for row in (first, second):  # each round at the batch price: half the streamed one
            full = (row["input_tokens"] + (row["output_tokens"] + (row["thinking_tokens"] or 0)) * 10.0) / 1e6
            assert row["cost_usd"] == pytest.approx(full / 2)
        assert second["input_tokens"] > first["input_tokens"]  # the whole conversation went again
        store = RunStore(db)
        assert reads.get_run(store, second["run_id"])["repair_version"] == REPAIR_VERSION  # type: ignore[index]
        assert reads.get_run(store, second["run_id"])["turn_text"] == message.text  # type: ignore[index]

    found = {a["model"]: a for a in attempt_rows(reads.round_rows(RunStore(db)))}
    assert all(found[m]["rounds_to_acceptable"] == 1 for m in models)
    for model_id in models:  # totals add both rounds; time runs from submitting round 0 (a batch has no start)
        rounds = rows_by_model(db)[model_id]
        assert found[model_id]["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in rounds))
        assert found[model_id]["wall_s"] is not None and found[model_id]["generation_s"] is not None

    stored = reads.round_rows(RunStore(db))
    checks = {r["id"]: {"verdict": r["verdict"], "checked_at": r["checked_at"]} for r in stored}
    said = [describe(a) for a in attempts(stored, checks, parse_accept("renders"), repair=1)]
    assert all("in batch turnarounds" in line and "generating" not in line for line in said)  # no stream to time

    listed = CliRunner().invoke(main, ["batches", "--all", "--no-check", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.count("round 1 of 1") == 3  # the three follow-up jobs (one per provider), by round
    assert len([line for line in listed.stdout.splitlines() if "stored" in line]) == 6


@needs_chromium
def test_a_process_that_ends_after_ingesting_or_while_submitting_loses_and_doubles_no_round(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    sweep(db, f"anthropic:{FIXES}", f"openai:{FIXES}", repair=2)
    # A process that stored the results and ended before deciding anything (no check, no repair round).
    ended = CliRunner().invoke(main, ["batches", "--no-check", "--db", str(db)])
    assert ended.exit_code == 0, ended.output
    assert {r["status"] for rs in rows_by_model(db).values() for r in rs} == {"done"}

    # The next one checks them and dies while submitting the follow-up batches (after writing their rounds).
    def dying(_provider: str) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        repair_pass(RunStore(db), dying, check=checker(db, engine))
    store = RunStore(db)
    left = batches.jobs(store, unfinished_only=True)
    assert [j["state"] for j in left] == ["submitting"]  # the first job's rounds are written, nothing sent
    with store.write() as conn:  # its process is gone (this test's own stays alive)
        conn.execute("UPDATE batch_jobs SET worker = ? WHERE state = 'submitting'", [f"999999999:1@{gethostname()}"])
    # Deciding again sends only the round not yet written (the other provider's), never the written one again.
    again = repair_pass(RunStore(db), engine_for).jobs
    assert [batches.job(store, b)["provider"] for b in again] == [  # type: ignore[index]
        "openai" if left[0]["provider"] == "anthropic" else "anthropic"
    ]
    assert repair_pass(RunStore(db), engine_for).jobs == []

    # A later `canvasbench batches --wait` sends the unconfirmed job again and collects both (checks not needed here).
    resumed = CliRunner().invoke(main, ["batches", "--wait", "--no-check", "--db", str(db)])
    assert resumed.exit_code == 0, resumed.output
    assert "No batch job is running." in resumed.stdout
    for model_id, rounds in rows_by_model(db).items():
        assert [(r["round"], r["status"], r["render_verdict"]) for r in rounds] == [
            (0, "done", "crashed"), (1, "done", None)
        ], model_id  # fmt: skip
        assert "drawScene" not in str(rounds[1]["error"] or "") and rounds[1]["lines"]  # the good page arrived
    follow_ups = [len(t) for _, t in received(fake_env, FIXES) if len(t) > 1]
    assert follow_ups == [3, 3]  # one repair request per run reached a provider job that is read


@needs_chromium
def test_a_follow_up_job_that_fails_fails_its_rounds_and_cancel_stops_the_loop_after_checks_that_looked(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    sweep(db, f"gemini:{FIXES};batch=fail_followup", f"openai:{NEVER};batch_polls=2", repair=2)
    store = RunStore(db)
    check = checker(db, engine)
    for _ in range(2):
        poll_jobs(store, force=True)
    gemini_first = rows_by_model(db)[f"gemini:{FIXES};batch=fail_followup"][0]["run_id"]
    save_check(store, gemini_first, not_checked("The check was interrupted (Ctrl-C) before it finished."))
    sent = repair_pass(store, engine_for, check=check).jobs
    assert len(sent) == 2
    # A check that never looked at the page is done again first: the repair quotes what the page did.
    repaired = store.db.execute("SELECT turn_text FROM runs WHERE parent_run_id = ?", [gemini_first]).fetchone()[0]
    assert "crashed" in repaired and "drawScene is not defined" in repaired
    openai_job = next(j for j in batches.jobs(store) if j["provider"] == "openai" and j["id"] in sent)
    cancelled = CliRunner().invoke(main, ["batches", "--cancel", openai_job["job_id"], "--no-check", "--db", str(db)])
    assert cancelled.exit_code == 0, cancelled.output
    poll_jobs(store, force=True)
    assert repair_pass(store, engine_for, check=check).jobs == []  # nothing more: failed and cancelled rounds end it

    failed = rows_by_model(db)[f"gemini:{FIXES};batch=fail_followup"]
    assert [(r["round"], r["status"]) for r in failed] == [(0, "done"), (1, "failed")]
    assert "batch failed" in str(failed[1]["error"])
    assert failed[0]["render_verdict"] == "crashed" and not failed[0]["error"]  # the earlier round: untouched
    stopped = rows_by_model(db)[f"openai:{NEVER};batch_polls=2"]
    assert [(r["round"], r["status"]) for r in stopped] == [(0, "done"), (1, "cancelled")]
    listed = json.loads(CliRunner().invoke(main, ["batches", "--all", "--json", "--db", str(db)]).stdout)
    assert sorted((j["provider"], j["round"], j["state"]) for j in listed if j["round"]) == [
        ("gemini", 1, "failed"), ("openai", 1, "cancelled")
    ]  # fmt: skip


@needs_chromium
def test_the_dashboards_poller_sends_repair_rounds_until_n_then_says_not_within_n(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    sweep(db, f"gemini:{NEVER}", repair=1)
    watch = BatchWatch(db, on_ingested=checker(db, engine))  # the dashboard's, its checks inline here
    watch.poll_now()  # round 0 arrives, is checked, and its repair goes out in the same poll
    assert [j["round"] for j in batches.jobs(RunStore(db), unfinished_only=True)] == [1]
    watch.poll_now()
    assert watch.last_error is None
    rounds = rows_by_model(db)[f"gemini:{NEVER}"]
    assert [(r["round"], r["render_verdict"]) for r in rounds] == [(0, "crashed"), (1, "crashed")]
    assert batches.repairs_due(RunStore(db)) == 0 and watch.poll_now() == []  # N rounds ran: nothing more to send
    assert batches.jobs(RunStore(db), unfinished_only=True) == []
    (found,) = attempt_rows(reads.round_rows(RunStore(db)))
    assert (found["rounds_run"], found["acceptable"], found["stopped"]) == (2, False, "not within 1 round")


def judged_sweep(db: Path) -> None:
    """One batch contestant that must score 8 from a judge who gives 7, with one repair round allowed."""
    args = ["sweep", "--batch", "--prompt-id", PROMPT.id, "--model", "anthropic:fake", "--repair", "1",
            "--accept", "judge>=8", "--judge-model", "gemini:judge;judge=json", "--db", str(db)]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0


@needs_chromium
def test_with_a_judges_bar_each_batch_round_is_judged_and_its_weak_items_are_quoted(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    judged_sweep(db)
    collect(db, engine, judged=True)
    store = RunStore(db)
    rounds = list(store.db.query("SELECT id, round, turn_text FROM runs ORDER BY round"))
    scores = {r["run_id"]: r["overall"] for r in store.db.query("SELECT run_id, overall FROM judgments")}
    assert [scores.get(r["id"]) for r in rounds] == [7.0, 7.0]  # both render; the judge gives 7 < 8; last judged
    (checklist,) = [json.loads(r["items"]) for r in store.db.query("SELECT items FROM checklists")]
    message = rounds[1]["turn_text"]
    assert "A reviewer scored it 7/10." in message and f"Not done yet: {checklist[0]}" in message
    (sent,) = [turns for _, turns in received(fake_env, "fake") if len(turns) == 3]
    assert sent[-1].text == message
    (found,) = attempt_rows(reads.round_rows(store))
    assert found["stopped"] == "not within 1 round"


@needs_chromium
def test_the_dashboards_poller_judges_batch_rounds_under_a_judges_bar(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path
) -> None:
    # The dashboard's poller, given the judge as the dashboard gives it, scores each round before deciding.
    db = tmp_path / "bench.db"
    judged_sweep(db)
    watch = BatchWatch(db, on_ingested=checker(db, engine))
    watch.use_judge(partial(judge_round, watch.store))
    for _ in range(3):
        watch.poll_now()
    assert watch.last_error is None
    store = RunStore(db)
    rounds = list(store.db.query("SELECT id, round, turn_text FROM runs ORDER BY round"))
    scores = {r["run_id"]: r["overall"] for r in store.db.query("SELECT run_id, overall FROM judgments")}
    assert [scores.get(r["id"]) for r in rounds] == [7.0, 7.0]
    assert "A reviewer scored it 7/10." in rounds[1]["turn_text"]


@needs_chromium
def test_a_page_cut_off_by_the_output_limit_is_repaired_in_a_follow_up_batch_as_a_streamed_one_is(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    model_id = "anthropic:fake;rounds=cut,good"
    sweep(db, model_id, repair=1)
    collect(db, engine)
    first, second = rows_by_model(db)[model_id]  # the cut page got its repair round
    stored = reads.get_run(RunStore(db), first["run_id"]) or {}
    assert (stored["status"], stored["finish_reason"], stored["truncated"]) == ("done", "length", 1)  # as streamed
    assert first["status"] == "output limit"  # said as a streamed page cut off is
    assert (second["round"], second["status"], second["render_verdict"]) == (1, "done", "renders")
    (sent,) = [turns for _, turns in received(fake_env, "fake;rounds=cut,good") if len(turns) == 3]
    assert "cut off" in sent[-1].text


@needs_chromium
def test_a_last_round_stored_by_a_process_that_ended_before_checking_it_is_checked_by_the_next(
    fake_env: FakeServer, engine: RenderEngine, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    sweep(db, f"openai:{FIXES}", repair=1)
    store = RunStore(db)
    poll_jobs(store, force=True)
    assert len(repair_pass(store, engine_for, check=checker(db, engine)).jobs) == 1
    # A process stores the last round and is killed before its check ran.
    assert CliRunner().invoke(main, ["batches", "--no-check", "--db", str(db)]).exit_code == 0
    collect(db, engine)  # the next `canvasbench batches`, with checks
    first, last = rows_by_model(db)[f"openai:{FIXES}"]
    assert (first["render_verdict"], last["render_verdict"]) == ("crashed", "renders")
    (found,) = attempt_rows(reads.round_rows(RunStore(db)))
    assert found["rounds_to_acceptable"] == 1
