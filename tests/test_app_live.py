"""A page of something still changing keeps up by itself (AppTest): a streaming run opened at full size."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from canvasbench.store import RunStore, writes
from tests.browser_helpers import seed_comparison

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_a_streaming_run_opened_at_full_size_streams_there_and_turns_into_its_page_when_it_ends() -> None:
    store = RunStore()
    _, (run_id,) = seed_comparison(store, models=("openai:gpt-5.2",), statuses=["running"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception
    # Its live lane (the code so far, a Cancel button) in place of a preview that would never come.
    assert at.button(key=f"cancel-{run_id}")
    assert not [i for i in at.info if "Still generating" in str(i.value)]
    writes.update_run(store, run_id, status="done", finished_at=writes.utc_now(), finish_reason="stop")
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == f"cancel-{run_id}"]
    assert len(at.get("iframe")) == 1, "the finished run's preview"
