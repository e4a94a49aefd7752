"""A batch job left `submitting` by a dead process is sent again once, however many processes poll the database.

Real SDKs against the fakes' batch APIs, a real SQLite file; no browser.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from socket import gethostname
from typing import Any

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.liveness import worker_token
from canvasbench.providers.batch import engine_for
from canvasbench.run.batch_rounds import resend_job, stored_request, submit_label
from canvasbench.run.batch_sweep import poll_jobs, submit_batch_sweep, wait_for_jobs
from canvasbench.run.live_run import RunOptions
from canvasbench.run.prompt_suite import load_suite
from canvasbench.store import RunStore, batches
from tests.fakes import FakeServer, fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
PROMPT = load_suite()[0]
DEAD = f"999999999:1@{gethostname()}"


def _dying(_provider: str) -> Any:
    raise KeyboardInterrupt  # the process is killed after recording the job, before the provider's id is stored


def left_submitting(db: Path, model_id: str = "anthropic:fake") -> dict[str, Any]:
    """A sweep whose process died while submitting its one job (its runs are recorded, nothing stored back)."""
    store = RunStore(db)
    prompt = {"id": PROMPT.id, "text": PROMPT.text}
    with pytest.raises(KeyboardInterrupt):
        submit_batch_sweep(store, [(prompt, PROMPT.id)], [model_id], RunOptions(), engines=_dying)
    with store.write() as conn:
        conn.execute("UPDATE batch_jobs SET worker = ?", [DEAD])
    (job,) = batches.jobs(store, unfinished_only=True)
    assert job["state"] == "submitting"
    return job


def test_two_processes_that_both_saw_the_dead_submission_send_it_once(fake_env: FakeServer, tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    seen = left_submitting(db)  # what the dashboard's poller and `batches --wait` both read
    resend_job(RunStore(db), seen, engine_for)  # the first sends it
    resend_job(RunStore(db), seen, engine_for)  # the second, from the same read, must not pay again
    assert len(fake_env.batches.jobs) == 1
    (job,) = batches.jobs(RunStore(db))
    assert job["state"] == "running" and job["job_id"] in fake_env.batches.jobs


def test_a_late_submission_another_live_process_is_resending_is_left_to_it(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    left_submitting(db)
    store = RunStore(db)
    # An hour later a live process (here the test runner's parent) took it over and is uploading it now.
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    with store.write() as conn:
        conn.execute("UPDATE batch_jobs SET created_at = ?, worker = ?", [an_hour_ago, worker_token(os.getppid())])
        conn.execute("UPDATE batch_jobs SET updated_at = ?", [datetime.now(UTC).isoformat().replace("+00:00", "Z")])
    poll_jobs(store, engines=engine_for)  # another process polling the same database meanwhile
    assert fake_env.batches.jobs == {}  # it did not send the job a second time
    (job,) = batches.jobs(store)
    assert job["state"] == "submitting"


def test_cancelling_a_job_its_dead_process_never_got_confirmed_ends_its_runs_and_it_is_never_sent(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    job = left_submitting(db)
    cancelled = CliRunner().invoke(main, ["batches", "--cancel", job["id"], "--no-check", "--db", str(db)])
    assert cancelled.exit_code == 0, cancelled.output
    assert "never confirmed" in cancelled.stdout
    resumed = CliRunner().invoke(main, ["batches", "--wait", "--no-check", "--db", str(db)])
    assert resumed.exit_code == 0, resumed.output
    assert fake_env.batches.jobs == {}  # nothing was sent (nor paid) after the user cancelled it
    (run,) = RunStore(db).db.query("SELECT status, error FROM runs")
    assert run["status"] == "cancelled" and "before the provider confirmed" in run["error"]


def test_cancelling_a_job_another_live_process_is_submitting_says_to_wait_for_its_id(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    job = left_submitting(db)
    with RunStore(db).write() as conn:
        conn.execute("UPDATE batch_jobs SET worker = ?", [worker_token(os.getppid())])
    refused = CliRunner().invoke(main, ["batches", "--cancel", job["id"], "--no-check", "--db", str(db)])
    assert refused.exit_code == 2 and refused.exception is not None and "Traceback" not in refused.output
    assert "being submitted by another process" in refused.output
    assert batches.jobs(RunStore(db))[0]["state"] == "submitting"


def test_a_provider_that_no_longer_knows_a_job_is_said_in_one_line(fake_env: FakeServer, tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    swept = CliRunner().invoke(main, ["sweep", "--batch", "--prompt-id", PROMPT.id, "--model", "openai:fake",
                                      "--db", str(db)])  # fmt: skip
    assert swept.exit_code == 0, swept.output
    fake_env.batches.jobs.clear()  # the provider answers 404 for it (another account's key, a purged job)
    for args in (["batches", "--no-check"], ["batches", "--wait", "--no-check"], ["batches", "--cancel", "x"]):
        if args[-1] == "x":
            args = ["batches", "--cancel", batches.jobs(RunStore(db))[0]["job_id"]]
        said = CliRunner().invoke(main, [*args, "--db", str(db)])
        assert said.exit_code == 1 and isinstance(said.exception, SystemExit), (args, said.exception)
        assert "batch job batch_" in said.output and "failed (NotFoundError" in said.output, said.output
        assert "run 'canvasbench batches' again" in said.output


def test_waiting_rides_out_a_provider_that_is_unreachable_for_a_while(
    fake_env: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "bench.db"
    submit = submit_batch_sweep(RunStore(db), [({"id": PROMPT.id, "text": PROMPT.text}, PROMPT.id)], ["openai:fake"],
                                RunOptions())  # fmt: skip
    assert not submit.refused
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there: connection refused
    messages: list[str] = []

    def sleep(_seconds: float) -> None:  # the network comes back while it waits
        monkeypatch.setenv("OPENAI_BASE_URL", fake_env.env()["OPENAI_BASE_URL"])

    wait_for_jobs(RunStore(db), sleep=sleep, said=messages.append, now=lambda: datetime.now(UTC) + timedelta(days=1))
    assert len(messages) == 1 and "APIConnectionError" in messages[0] and "trying again" in messages[0]
    (run,) = RunStore(db).db.query("SELECT status FROM runs")
    assert run["status"] == "done"


def test_an_openai_job_accepted_before_its_process_died_is_found_and_adopted_not_paid_twice(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    job = left_submitting(db, "openai:fake")
    store = RunStore(db)
    # The dead process got as far as the provider: its job exists there, under the label it was submitted with.
    waiting = batches.waiting_runs(store, job["id"])
    accepted = engine_for("openai").submit(
        [(run_id, stored_request(store, run_id)) for run_id in waiting], submit_label(job["label"], job["id"])
    )
    other = left_submitting(tmp_path / "other.db", "openai:fake")  # another sweep's lost job is not taken for it
    resumed = CliRunner().invoke(main, ["batches", "--wait", "--no-check", "--db", str(db)])
    assert resumed.exit_code == 0, resumed.output
    assert list(fake_env.batches.jobs) == [accepted]  # nothing sent again
    (stored,) = batches.jobs(RunStore(db))
    assert stored["job_id"] == accepted and stored["ingested_at"] is not None
    (run,) = RunStore(db).db.query("SELECT status FROM runs")
    assert run["status"] == "done"
    again = CliRunner().invoke(main, ["batches", "--wait", "--no-check", "--db", str(tmp_path / "other.db")])
    assert again.exit_code == 0, again.output
    assert len(fake_env.batches.jobs) == 2 and batches.jobs(RunStore(tmp_path / "other.db"))[0]["job_id"] != accepted
    assert other["id"] != job["id"]


def test_two_processes_reading_one_ended_job_store_and_report_each_result_once(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    prompt = {"id": PROMPT.id, "text": PROMPT.text}
    submit_batch_sweep(RunStore(db), [(prompt, PROMPT.id)], ["openai:fake"], RunOptions())
    release = threading.Event()
    fake_env.batches.hold_download = release  # the first reader stops in its download...
    first: list[Any] = []
    reader = threading.Thread(target=lambda: first.extend(poll_jobs(RunStore(db), force=True)))
    reader.start()
    assert fake_env.batches.download_held.wait(60)
    second = poll_jobs(RunStore(db), force=True)  # ...while the dashboard's poller reads the same job in full
    release.set()
    reader.join(60)
    (run_id,) = [r["id"] for r in RunStore(db).db.query("SELECT id FROM runs WHERE status = 'done'")]
    said = [r.ingested for r in first + second if r.ingested]
    assert said == [[run_id]]  # one of them stored it and hands it to its checks; the other has nothing new
