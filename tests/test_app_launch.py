"""Launching from the New comparison page (AppTest) against the fake provider servers: live panels, cancel, return."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from canvasbench.store import RunStore, reads
from tests.fakes.fixtures import fake_env, fake_server  # noqa: F401  (pytest fixtures)
from tests.fakes.server import FakeServer

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _wait_for(store: RunStore, comparison_id: str, done: set[str], timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [
            dict(r)
            for r in store.db.query(
                "SELECT id, model_id, status FROM runs WHERE comparison_id = ? ORDER BY position", [comparison_id]
            )
        ]
        if runs and all(r["status"] in done for r in runs):
            return runs
        time.sleep(0.2)
    raise AssertionError(f"runs did not reach {done}: {runs}")


def _markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption, *at.error, *at.warning, *at.info])


def _html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _launched(text: str, models: str) -> tuple[AppTest, str]:
    """The app after Launch on the New comparison page (own prompt `text`, `models` typed), and the comparison id."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/new_comparison_page.py").run()
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input(text).run()
    at.multiselect(key="new.models").select(models).run()
    at.button(key="launch").click().run()
    return at, at.session_state["new.launched"][0]


def test_launch_runs_in_the_background_and_the_page_shows_them_again(fake_env: FakeServer) -> None:  # noqa: F811
    at, comparison_id = _launched(
        "Write one HTML page with a bouncing ball.",
        "gemini:fake;chunks=30;interval_ms=20, openai:fake;text=svg, anthropic:fake;thinking=2",
    )
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["new.launched"] == [comparison_id]
    # Launch opens the new comparison's own page with a live lane per model; the form is left behind.
    assert at.query_params["comparison"] in (comparison_id, [comparison_id])
    assert not [b for b in at.button if b.key == "launch"]
    lanes = _html(at)
    assert "gemini:fake" in lanes and "anthropic:fake" in lanes

    # Leave the page and come back: the runs kept going; each finished lane shows its sandboxed preview.
    at.switch_page("pages/metrics_page.py").run()
    runs = _wait_for(RunStore(), comparison_id, {"done"})
    assert [r["model_id"] for r in runs] == [
        "gemini:fake;chunks=30;interval_ms=20",
        "openai:fake;text=svg",
        "anthropic:fake;thinking=2",
    ]
    at.switch_page("pages/gallery_page.py")
    at.query_params["comparison"] = comparison_id
    at.run()
    assert not at.exception
    docs = [e.proto.srcdoc for e in at.get("iframe")]
    assert len(docs) == 3 and all('sandbox="allow-scripts allow-pointer-lock"' in d for d in docs)


def test_cancel_all_stops_the_runs_and_keeps_partial_output(fake_env: FakeServer) -> None:  # noqa: F811
    at, comparison_id = _launched(
        "Write one HTML page.", "openai:fake;chunks=400;interval_ms=50, anthropic:fake;chunks=400;interval_ms=50"
    )
    store = RunStore()
    _wait_for(store, comparison_id, {"running"}, timeout=30)
    time.sleep(1.0)
    # A second browser opens the comparison live: a streaming lane per model, with cancel buttons.
    gallery = AppTest.from_file(APP, default_timeout=60)
    gallery.query_params["comparison"] = comparison_id
    gallery.run()
    assert not gallery.exception
    assert "progress_activity: running" in _markdown(gallery)
    running_ids = [r["id"] for r in reads.runs_of(store, comparison_id)]
    assert all(gallery.button(key=f"cancel-{rid}") for rid in running_ids)
    at.switch_page("pages/gallery_page.py")  # where Launch went (AppTest re-runs its own page otherwise)
    at.query_params["comparison"] = comparison_id
    at.run()
    at.button(key=f"cancel-all-{comparison_id}").click().run()
    runs = _wait_for(store, comparison_id, {"cancelled"}, timeout=30)
    assert len(runs) == 2
    for run in runs:
        full = reads.get_run(store, run["id"])
        assert full is not None and full["response"], "partial output is kept"
    at.run()
    shown = _markdown(at)
    assert not at.exception and shown.count("stop_circle: cancelled]") == 2
    assert shown.count("Cancelled by you; the output until then is kept\\.") == 2  # said once per run
    assert "output limit" not in shown


def test_connectivity_check_reports_each_providers_answer(fake_env: FakeServer) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["check"] = "true"  # the connectivity check opened
    at.run().switch_page("pages/models_page.py").run()
    at.selectbox(key="conn-model").set_value("anthropic:claude-haiku-4-5").run()
    at.button(key="conn-check").click().run()
    assert not at.exception
    assert at.success and "anthropic\\:claude" in at.success[0].value and "answered" in at.success[0].value
    request = fake_env.requests[-1]
    assert request.protocol == "anthropic" and request.body["max_tokens"] <= 64, "one tiny request"


def test_connectivity_check_shows_a_refused_key_as_a_clear_error(fake_env: FakeServer) -> None:  # noqa: F811
    fake_env.required_key = "the-right-key"
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["check"] = "true"  # the connectivity check opened
    at.run().switch_page("pages/models_page.py").run()
    at.selectbox(key="conn-model").set_value("openai:gpt-5.2").run()
    at.button(key="conn-check").click().run()
    assert not at.exception
    assert at.error and "openai\\:gpt\\-5.2" in at.error[0].value.replace("\\.", ".")
    assert "fake-key" not in at.error[0].value


def test_launch_clicked_again_on_the_same_form_opens_the_first_comparison_and_sends_nothing_twice(
    fake_env: FakeServer,  # noqa: F811
) -> None:
    at, first = _launched("Write one HTML page with a bouncing ball.", "openai:fake;text=svg")
    # The second click of a double click, run after the first had launched: the same form, the same comparison.
    at.switch_page("pages/new_comparison_page.py").run()
    at.button(key="launch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.query_params["comparison"] in (first, [first])
    assert "nothing was sent twice" in "\n".join(str(s.value) for s in at.success)
    store = RunStore()
    assert store.db.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 1
    # Another form (here, another title) is another comparison.
    at.switch_page("pages/new_comparison_page.py").run()
    at.text_input(key="new.own_title").input("Second").run()
    at.button(key="launch").click().run()
    assert store.db.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 2
    _wait_for(store, first, {"done"})


def test_launch_after_the_first_comparison_was_deleted_starts_a_new_one(fake_env: FakeServer) -> None:  # noqa: F811
    # Launched, watched, deleted (it was not what was wanted), then the same form launched again: the deleted
    # comparison cannot be opened, so this launch starts a new one instead of pointing at a comparison that is gone.
    at, first = _launched("Write one HTML page with a bouncing ball.", "openai:fake;text=svg")
    store = RunStore()
    _wait_for(store, first, {"done"})
    at.switch_page("pages/comparison_page.py")  # where Launch went (AppTest re-runs its own page otherwise)
    at.query_params["comparison"] = first
    at.run()
    at.button(key="delete-confirm").click().run()
    assert store.db.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 0
    at.switch_page("pages/new_comparison_page.py").run()
    at.button(key="launch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (second,) = [r["id"] for r in store.db.query("SELECT id FROM comparisons")]
    assert at.query_params["comparison"] in (second, [second])
    assert "nothing was sent twice" not in "\n".join(str(s.value) for s in at.success)
    _wait_for(store, second, {"done"})
