"""Following a comparison with repair rounds in the real dashboard (Chromium, 1440×900): steps, a round, its diff."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canvasbench.store import RunStore
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer
from tests.round_seed import seed_rounds

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

SHOTS = Path(os.environ.get("CANVASBENCH_SHOTS", "/tmp"))  # where the screenshot goes, for a person to look at


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[dict[str, Any]]:
    store = RunStore(tmp_path / "rounds.db")
    comparison_id, chains = seed_rounds(store)
    env = {
        "CANVASBENCH_DB": str(store.path),
        "CANVASBENCH_PRICES": str(tmp_path / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp_path / "endpoints.toml"),
    }
    server = AppServer(env, log=tmp_path / "streamlit.log")
    try:
        server.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            page.set_default_timeout(60_000)
            try:
                yield {"url": server.url, "comparison": comparison_id, "chains": chains, "page": page}
            finally:
                browser.close()
    finally:
        server.stop()


def test_a_comparison_with_repairs_shows_steps_and_opens_a_round_and_its_diff(dashboard: dict[str, Any]) -> None:
    page = dashboard["page"]
    # The gallery: one tile per contestant, its last round, marked with its rounds.
    page.goto(dashboard["url"])
    page.get_by_text("3 rounds", exact=True).wait_for()
    assert page.locator("a.cb-tile").count() == 3
    page.screenshot(path=str(SHOTS / "rounds-gallery.png"), full_page=False)
    page.goto(f"{dashboard['url']}/comparison?comparison={dashboard['comparison']}")
    page.get_by_text("round 0 · crashed → round 1 · renders").wait_for()
    page.get_by_text("acceptable after 1 repair round", exact=False).wait_for()
    page.get_by_text("not within 2 rounds", exact=False).wait_for()
    # One click: the repair message round 1 was sent.
    page.get_by_text("Repair message sent in round 1").first.click()
    page.get_by_text("Repair 1: it crashed.").wait_for()
    # Another: the diff from round 0, the page's own diff view.
    page.get_by_text("Diff from round 0").first.click()
    page.get_by_text("Left: ", exact=False).first.wait_for()
    page.screenshot(path=str(SHOTS / "rounds-comparison.png"), full_page=False)
    # The first contestant's round 0: its own verdict in place of the last round's.
    page.locator('[data-testid="stButtonGroup"] button', has_text="round 0").first.click()
    page.get_by_text("Repair message sent in round 1").first.wait_for(state="detached")
    page.screenshot(path=str(SHOTS / "rounds-round0.png"), full_page=False)
