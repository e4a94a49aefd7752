"""Batch sweeps in the dashboard (AppTest, fake provider servers): the launch form, the sidebar's poller, the labels."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from canvasbench.present.batch_words import NO_STREAM
from canvasbench.render import shared_pool
from canvasbench.run.batch_sweep import submit_batch_sweep
from canvasbench.run.batch_watch import BatchWatch, shared_watch
from canvasbench.run.runner import RunOptions
from canvasbench.store import RunStore, batches, reads
from tests.fakes.fixtures import fake_env, fake_server  # noqa: F401  (pytest fixtures)
from tests.fakes.server import FakeServer

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PROMPT = {"id": "p-batch", "title": "Batch ball", "category": "canvas", "kind": "html", "source": "suite",
          "text": "Write one HTML page with a bouncing ball."}  # fmt: skip


def _texts(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    parts += [*at.sidebar.markdown, *at.sidebar.caption]
    return "\n".join(str(m.value) for m in parts).replace("\\", "")  # markdown escapes read as shown


def _html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _form(models: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["more"] = "true"  # "More options" open: repeats and repair rounds
    at.run().switch_page("pages/new_comparison_page.py").run()
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input(PROMPT["text"]).run()
    at.multiselect(key="new.models").select(models).run()
    return at


def _submitted(*models: str) -> tuple[RunStore, str]:
    store = RunStore()
    submission = submit_batch_sweep(store, [(PROMPT, "p-batch")], models, RunOptions())
    return store, next(iter(submission.comparisons))


def _later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_the_form_submits_a_batch_through_the_core_and_the_comparison_says_it_waits(
    fake_env: FakeServer,  # noqa: F811
) -> None:
    at = _form("gemini:fake;batch_polls=5, anthropic:fake;batch_polls=5")
    at.number_input(key="new.repeat").set_value(10).run()
    assert "20 requests: consider running them as a batch" in _texts(at)  # suggested from many requests
    at.toggle(key="new.batch").set_value(True).run()
    at.number_input(key="new.repair").set_value(2).run()  # repairs go as follow-up batches
    at.button(key="launch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    store = RunStore()
    jobs = batches.jobs(store)
    assert sorted(j["provider"] for j in jobs) == ["anthropic", "gemini"] and all(j["job_id"] for j in jobs)
    assert any(r.method == "POST" and "batch" in r.path.lower() for r in fake_env.requests)  # through the SDKs
    comparison_id = at.query_params["comparison"]
    comparison_id = comparison_id[0] if isinstance(comparison_id, list) else comparison_id
    runs = reads.live_runs(store, comparison_id)
    assert len(runs) == 20 and {r["status"] for r in runs} == {"queued"} and all(r["batch_id"] for r in runs)
    assert json.loads(reads.get_comparison(store, comparison_id)["options"])["repair"] == 2  # type: ignore[index]

    # The comparison it opened says the runs wait in batch jobs, not a lane with nothing arriving.
    shown = _texts(at)
    assert "Waiting in batch jobs" in shown and "0 of 20 finished" in shown
    assert re.search(r"waiting in a gemini batch job \(submitted \d+ (s|min) ago\)", shown)
    assert not [b for b in at.button if b.key == f"cancel-all-{comparison_id}"]
    assert "2 batch jobs running (0/20 done)" in shown  # the sidebar's poller
    shared_watch(store.path).settle()  # its first poll (jobs are due at once) ends inside this test


def test_an_endpoint_without_a_batch_api_is_refused_or_streamed_when_ticked(
    fake_env: FakeServer,  # noqa: F811
) -> None:
    Path(os.environ["CANVASBENCH_ENDPOINTS"]).write_text(
        f'[endpoints.local]\nbase_url = "{fake_env.base_url}/v1"\nkey_optional = true\n'
    )
    at = _form("openai:fake;batch_polls=5, local:fake")
    at.toggle(key="new.batch").set_value(True).run()
    assert "`local:fake`: this endpoint has no batch API" in _texts(at)
    at.button(key="launch").click().run()
    assert not at.exception
    assert any("no batch API" in str(e.value) for e in at.error)
    assert reads.recent_comparisons(RunStore()) == []  # nothing was written or sent

    at.checkbox(key="new.batch_or_stream").check().run()
    at.button(key="launch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = RunStore()
    modes = {
        r["model_id"]: bool(r["batch_id"])
        for c in reads.recent_comparisons(store)
        for r in reads.live_runs(store, c["id"])
    }
    assert modes == {"openai:fake;batch_polls=5": True, "local:fake": False}
    shared_watch(store.path).settle()


def test_the_sidebar_poller_ingests_a_finished_job_and_checks_its_pages(fake_env: FakeServer) -> None:  # noqa: F811
    store, comparison_id = _submitted("openai:fake;batch_polls=2", "gemini:fake;batch_polls=2")
    watch = shared_watch(store.path)  # the dashboard's own: ingested runs go to the shared render pool
    clock = [_later(0)]
    watch._now = lambda: clock[0]  # the poller's clock, moved by hand: no sleeping
    watch.poll_now()  # due at once after submitting: both still running
    assert {r["status"] for r in reads.live_runs(store, comparison_id)} == {"queued"}
    asked = len(fake_env.requests)
    clock[0] = _later(0.2)
    watch.poll_now()
    assert len(fake_env.requests) == asked  # not due again yet (30 s backoff): the providers are not asked

    clock[0] = _later(1)
    watch.poll_now()
    runs = reads.live_runs(store, comparison_id)
    assert {r["status"] for r in runs} == {"done"} and batches.jobs(store, unfinished_only=True) == []
    pool = shared_pool(store.path)
    pool.shutdown(wait=True)  # every check it was handed has finished
    checks = reads.latest_checks(store, [r["id"] for r in runs])
    assert set(checks) == {r["id"] for r in runs}


def test_a_finished_batch_run_shows_no_stream_timings_and_its_turnaround(fake_env: FakeServer) -> None:  # noqa: F811
    store, comparison_id = _submitted("anthropic:fake")
    BatchWatch(store.path, now=lambda: _later(1)).poll_now()
    (run,) = reads.live_runs(store, comparison_id)
    assert run["status"] == "done" and run["ttft_s"] is None and run["tokens_per_s"] is None

    at = AppTest.from_file(APP, default_timeout=60).run()  # (a first run of the frame: AppTest draws the sidebar)
    at.switch_page("pages/comparison_page.py")
    at.query_params["comparison"] = comparison_id
    at.run()
    assert not at.exception
    card = _html(at)
    assert card.count(f">{NO_STREAM}<") == 2  # TTFT and tokens/s: said why, never a number
    assert "Turnaround" in card and ">Total<" not in card
    assert "its total is the batch's turnaround" in _texts(at).lower()
    assert "batch job" not in "\n".join(str(m.value) for m in at.sidebar.markdown)  # nothing left to poll

    at.switch_page("pages/metrics_page.py").run()
    assert "Their Total is the batch's turnaround" in _texts(at)
    at.query_params.clear()
    at.switch_page("pages/gallery_page.py").run()
    assert "turnaround" in _html(at)  # the gallery tile's time says what it is


def test_a_queued_batch_run_says_it_waits_in_its_job_instead_of_a_silent_lane(
    fake_env: FakeServer,  # noqa: F811
) -> None:
    store, comparison_id = _submitted("gemini:fake;batch_polls=5")
    at = AppTest.from_file(APP, default_timeout=60).run()  # (a first run of the frame: AppTest draws the sidebar)
    at.switch_page("pages/comparison_page.py")
    at.query_params["comparison"] = comparison_id
    at.run()
    assert not at.exception
    shown = _texts(at)
    assert re.search(r"waiting in a gemini batch job \(submitted \d+ (s|min) ago\)", shown)
    assert "Waiting in batch jobs" in shown and not at.get("code")  # no empty stream tail
    assert "1 batch job running (0/1 done)" in shown
    shared_watch(store.path).settle()


def test_cancel_batch_asks_the_provider_and_the_waiting_runs_end_cancelled(fake_env: FakeServer) -> None:  # noqa: F811
    store, comparison_id = _submitted("openai:fake;batch_polls=5")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/comparison_page.py")
    at.query_params["comparison"] = comparison_id
    at.run()
    at.button(key=f"cancel-batch-{comparison_id}").click().run()
    assert not at.exception and "Cancel asked of the provider" in _texts(at)
    assert any(r.method == "POST" and r.path.endswith("/cancel") for r in fake_env.requests)
    watch = shared_watch(store.path)
    watch.settle()
    watch.poll_now()  # whatever the background poll had not read yet
    assert {r["status"] for r in reads.live_runs(store, comparison_id)} == {"cancelled"}


def test_a_batch_refused_by_every_provider_is_sent_again_when_launch_is_clicked_again(
    fake_env: FakeServer,  # noqa: F811
) -> None:
    # The provider refused the batch (here its key, for a moment): nothing was sent, the page said why. Launch
    # clicked again on the same form tries again: it does not reopen the refused comparison saying "nothing was sent
    # twice" (Re-run there would stream it at the full price, not as a batch).
    at = _form("openai:fake;batch_polls=5")
    at.toggle(key="new.batch").set_value(True).run()
    fake_env.required_key = "another key"
    at.button(key="launch").click().run()
    assert "could not be submitted" in _texts(at)
    store = RunStore()
    assert [j["job_id"] for j in batches.jobs(store)] in ([None], [""])  # refused: no provider job
    fake_env.required_key = None
    at.switch_page("pages/new_comparison_page.py").run()
    at.button(key="launch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "nothing was sent twice" not in _texts(at)
    assert any(j["job_id"] for j in batches.jobs(store)), "the batch was not sent again"
    shared_watch(store.path).settle()
