"""The sweep matrix and the gallery's tile links in real Debian chromium at 1440×900 (one app server, one browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canvasbench.ids import new_id
from canvasbench.store import RunStore
from tests import browser_helpers
from tests.browser_helpers import CHROMIUM, ROOT, AppServer
from tests.test_matrix import CONTESTANTS, seed_sweep

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARTIFACTS = ROOT / "test-artifacts"
TILE_LINK = 'a.cb-tile[href^="comparison?comparison="]'  # not the card's Open link, which goes there too


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The dashboard over one stored sweep of 3 prompts × 4 contestants (no provider is called)."""
    tmp = tmp_path_factory.mktemp("matrix")
    store = RunStore(tmp / "matrix.db")
    where = seed_sweep(store, new_id(), repeat_first=True)  # the first prompt asks the first contestant twice
    env = {
        "CANVASBENCH_DB": str(store.path),
        "CANVASBENCH_PRICES": str(tmp / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp / "endpoints.toml"),
    }
    server = AppServer(env, log=tmp / "streamlit.log")
    try:
        server.wait_ready()
        yield {"url": server.url, "where": where}
    finally:
        server.stop()


browser = browser_helpers.browser  # one Chromium for the module


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_sweep_matrix_shows_every_cell_with_summaries_and_a_cell_opens_its_comparison(
    app: dict[str, Any], page: Any
) -> None:
    page.goto(app["url"] + "/matrix")
    page.locator("table.cb-matrix").wait_for()
    cells = page.locator("td.cb-cell")
    assert cells.count() == 12
    assert page.locator("td.cb-cell img").count() == 9  # the three checked contestants have thumbnails
    columns = [t.strip() for t in page.locator('td[data-summary="column"]').all_inner_texts()]
    assert columns[0].split("\n") == ["4/4 render", "$0.040", "median 150 lines"]  # 100, 100, 200, 300
    repeats = page.locator('td.cb-cell[data-runs="2"]')
    assert repeats.count() == 1 and repeats.locator("a").count() == 3  # the cell's link and one per repeat
    assert columns[1].split("\n") == ["0/3 render", "$0.060", "median 201 lines"]  # blank pages do not render
    assert columns[3].split("\n") == ["0/3 render", "cost unknown", "median 203 lines"]
    rows = [t.strip() for t in page.locator('td[data-summary="row"]').all_inner_texts()]
    assert rows[1].split("\n") == ["2/4 render", "$0.060 (1 cost unknown)", "median 202 lines"]  # 201.5, shown whole
    head = page.locator("th.cb-contestant").nth(3).locator("[title]").first
    assert head.get_attribute("title") == f"{CONTESTANTS[3]} · provider openrouter"  # the whole id, on hover
    _shot(page, "sweep-matrix")
    page.locator("table.cb-matrix tfoot").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "sweep-matrix-summaries.png"))
    target = app["where"][("matrix-maze", "openai:gpt")]
    page.locator(f'tr.cb-row:nth-child(3) td.cb-cell:nth-of-type(2) a[href="comparison?comparison={target}"]').click()
    page.wait_for_url(f"**/comparison?comparison={target}")
    page.get_by_role("heading", name="Maze").wait_for()


def test_a_gallery_tile_is_a_link_reached_with_tab_and_opened_with_enter(app: dict[str, Any], page: Any) -> None:
    page.goto(app["url"] + "/")
    page.locator(TILE_LINK).first.wait_for()
    tile = page.locator(TILE_LINK).first
    assert tile.locator("img").count() == 1  # the thumbnail is part of the link
    assert "provider" in (tile.get_attribute("title") or "")
    page.get_by_text("3 comparisons · page 1 of 1").wait_for()  # drawn below the filters and the sort
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({TILE_LINK!r})"):
            break
    else:
        pytest.fail("Tab never reached a tile")
    href = page.evaluate("() => document.activeElement.getAttribute('href')")
    _shot(page, "gallery-tile-focused")
    page.keyboard.press("Enter")
    page.wait_for_url("**/" + href)
    page.get_by_role("heading", name="Maze").wait_for()  # the newest comparison's page, its first tile's


def test_the_gallery_sort_and_filters_open_from_one_menu_and_hold_when_it_closes(
    app: dict[str, Any], page: Any
) -> None:
    page.goto(app["url"] + "/")
    page.locator(TILE_LINK).first.wait_for()
    page.get_by_text("3 comparisons · page 1 of 1").wait_for()
    assert page.locator('[data-testid="stSelectbox"]').count() == 0  # a cold load draws no selectbox
    menu = page.locator('[data-testid="stMain"] [data-testid="stPopover"] button').first  # not the sidebar's
    menu.click()
    page.locator('[data-testid="stSelectbox"]').nth(3).click()  # sort, category, model, status
    page.get_by_role("option", name="failed", exact=True).click()
    page.get_by_text("No comparison matches these filters").wait_for()
    page.keyboard.press("Escape")
    page.locator('[data-testid="stSelectbox"]').first.wait_for(state="detached")
    page.get_by_text("Newest first · 1 filter").wait_for()  # the closed menu says a filter is on
    search = page.get_by_placeholder("title, prompt text, model…")
    search.fill("Maze")
    search.press("Enter")
    page.wait_for_url("**/?status=failed&q=Maze", timeout=10_000)  # in the URL: Back from a tile link keeps them
    page.get_by_text("Newest first · 1 filter").wait_for()
    assert page.get_by_text("No comparison matches these filters").is_visible()  # the closed menu's filter holds
    page.reload()  # a new session from the URL, as Back from a comparison is
    page.get_by_text("Newest first · 1 filter").wait_for()
    # The box is filled from the URL once drawn: wait for it (read at once, a loaded CI run saw it still empty).
    page.wait_for_function(
        "() => document.querySelector('input[placeholder=\"title, prompt text, model…\"]')?.value === 'Maze'",
        timeout=30_000,
    )
