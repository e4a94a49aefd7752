"""An open dashboard collects a batch by itself (real Chromium, real server): no click, no reload, no CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from canvasbench.run.batch_sweep import submit_batch_sweep
from canvasbench.run.prompt_suite import load_suite
from canvasbench.run.runner import RunOptions
from canvasbench.store import RunStore, batches
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer
from tests.fakes.fixtures import fake_env, fake_server  # noqa: F401  (pytest fixtures)
from tests.fakes.server import FakeServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

WAIT_MS = 120_000  # an upper bound for a loaded machine, never a pause: the wait ends when the page shows it


def test_an_open_comparison_page_polls_its_batch_and_becomes_the_finished_comparison(
    fake_env: FakeServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    db = tmp_path / "batch.db"
    store = RunStore(db)
    prompt = load_suite()[0]
    submission = submit_batch_sweep(store, [(prompt.as_row(), prompt.id)], ["openai:fake", "gemini:fake"], RunOptions())
    comparison_id = next(iter(submission.comparisons))
    env = {**fake_env.env(), "CANVASBENCH_DB": str(db)}
    env |= {k: str(tmp_path / f"{k.lower()}.toml") for k in ("CANVASBENCH_PRICES", "CANVASBENCH_ENDPOINTS")}
    server = AppServer(env, log=tmp_path / "streamlit.log")
    try:
        server.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.set_default_timeout(WAIT_MS)
                page.goto(f"{server.url}/comparison?comparison={comparison_id}")
                # The jobs are due at once: the sidebar's poller reads them off the page's thread, the runs are
                # stored, and the page turns into the finished comparison with its batch labels.
                # Two jobs (one per provider) may land in different polls: wait for both runs' cards.
                page.get_by_text("— (batch: no stream)").nth(3).wait_for()  # TTFT and tokens/s, two runs
                assert page.get_by_text("— (batch: no stream)").count() == 4
                assert page.get_by_text("Turnaround").count() >= 2
                # Nothing left to poll: the panel goes (waited for, as the page redraws once more).
                page.wait_for_function("() => !document.body.innerText.includes('Batch jobs')")
            finally:
                browser.close()
    finally:
        server.stop()
    assert batches.jobs(store, unfinished_only=True) == []
    assert {r["status"] for r in store.db.query("SELECT status FROM runs")} == {"done"}
