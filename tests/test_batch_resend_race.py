"""A batch job left `submitting` by a dead process is sent again once, however many processes poll the database.

Real SDKs against the fakes' batch APIs, a real SQLite file; no browser.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from socket import gethostname
from typing import Any

import pytest

from canvasbench.liveness import worker_token
from canvasbench.providers.batch import engine_for
from canvasbench.run.batch_rounds import resend_job
from canvasbench.run.batch_sweep import poll_jobs, submit_batch_sweep
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


def left_submitting(db: Path) -> dict[str, Any]:
    """A sweep whose process died while submitting its one job (its runs are recorded, nothing stored back)."""
    store = RunStore(db)
    prompt = {"id": PROMPT.id, "text": PROMPT.text}
    with pytest.raises(KeyboardInterrupt):
        submit_batch_sweep(store, [(prompt, PROMPT.id)], ["anthropic:fake"], RunOptions(), engines=_dying)
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
