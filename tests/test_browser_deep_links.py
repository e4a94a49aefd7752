"""A deep link as the first visit after a plain `streamlit run app.py`: every page opens as itself, at once,
and connects to its server on the first try.

Nothing warms the server up: no health check, no script run, not even an HTTP request before the first
visitor, who asks for a page other than `/` (what once showed "Page not found" over an inert page).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canvasbench.store import RunStore
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, seed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

TITLE = "Deep link sample"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`streamlit run app.py` as a person types it (headless, on a free loopback port), and nothing else."""
    tmp = tmp_path_factory.mktemp("deep-links")
    store = RunStore(tmp / "deep.db")
    comparison_id, run_ids = seed_comparison(store, title=TITLE)
    env = {
        **os.environ,
        "CANVASBENCH_DB": str(store.path),
        "CANVASBENCH_PRICES": str(tmp / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp / "endpoints.toml"),
        "CANVASBENCH_RECOVERY_DIR": str(tmp / "recovered"),
    }
    port = free_port()
    command = ["streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1"]
    with (tmp / "streamlit.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", *command], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        # Only the TCP port is watched (a connect is no request): the browser's visit is the first request.
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp / "streamlit.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the dashboard did not start listening"
                time.sleep(0.1)
        yield {"url": f"http://127.0.0.1:{port}", "comparison": comparison_id, "run": run_ids[0]}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _note_missed(response: Any, missed: list[str]) -> None:
    if "_stcore" in response.url and response.status == 404:
        missed.append(response.url)


def test_every_page_url_opens_as_itself_on_the_first_visit(server: dict[str, Any]) -> None:
    comparison, run = server["comparison"], server["run"]
    # (path asked for, the address it settles at, a heading only that page shows); the first is the first request.
    visits = [
        (f"/comparison?comparison={comparison}&view=code", f"/comparison?comparison={comparison}&view=code", TITLE),
        ("/metrics", "/metrics", "Metrics"),
        ("/matrix", "/matrix", "Sweep matrix"),
        ("/new_comparison", "/new_comparison", "New comparison"),
        ("/models", "/models", "Models and prices"),
        ("/arena", "/arena", "Arena"),
        ("/leaderboard", "/leaderboard", "Leaderboard"),
        (f"/comparison?run={run}", f"/comparison?run={run}", "gemini-3-flash-preview"),
        ("/gallery", "/", "Gallery"),
        ("/", "/", "Gallery"),
    ]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for asked, settles, heading in visits:
                context = browser.new_context(viewport={"width": 1440, "height": 900})  # a new visitor
                page = context.new_page()
                page.set_default_timeout(90_000)
                # Each probe of a wrong server address is a 404 and a back-off before the page connects.
                missed: list[str] = []
                page.on("response", lambda r, seen=missed: _note_missed(r, seen))
                try:
                    page.goto(server["url"] + asked)
                    # "Page not found" came before any of the page (Streamlit sends it first): it shows by now.
                    page.get_by_role("heading", name=heading).first.wait_for()
                    assert page.get_by_text("Page not found").count() == 0, f"{asked}: 'Page not found' shown"
                    assert not page.get_by_role("dialog").count(), f"{asked}: a dialog covers the page"
                    assert page.url == server["url"] + settles, (asked, page.url)
                    assert not missed, f"{asked}: the page looked for its server at {missed} first"
                finally:
                    context.close()
        finally:
            browser.close()
