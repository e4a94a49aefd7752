"""The dark preference in real Debian chromium: the app, its charts and its own HTML turn dark and stay readable."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from canvasbench.store import RunStore, writes
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, AppServer, seed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARTIFACTS = ROOT / "test-artifacts"
MODELS = ("gemini:gemini-3-pro-preview", "openai:gpt-5.2", "anthropic:claude-opus-4-6", "gemini:gemini-2.5-flash")
CHART = "figure.cb-chart"  # our charts: SVG drawn on the server, no chart script in the browser
DRAWN = (
    "n => document.querySelectorAll('figure.cb-chart svg').length >= n"
    " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
)
# The page's background and the colour text actually shows in (its colour blended by its opacity over the page).
COLOURS = """sel => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const page = rgb(getComputedStyle(document.querySelector('.stApp')).backgroundColor);
  const shown = el => {
    const c = rgb(getComputedStyle(el).color);
    let a = (c.length > 3 ? c[3] : 1);
    for (let e = el; e; e = e.parentElement) a *= Number(getComputedStyle(e).opacity);
    return [0, 1, 2].map(i => c[i] * a + page[i] * (1 - a));
  };
  return {page: page.slice(0, 3), texts: [...document.querySelectorAll(sel)].map(shown)};
}"""


def _luminance(rgb: Any) -> float:
    def channel(c: float) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: Any, b: Any) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture(scope="module")
def dark_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    tmp = tmp_path_factory.mktemp("theme")
    store = RunStore(tmp / "t.db")
    for i in range(2):
        cid, runs = seed_comparison(store, title=f"Dark prompt {i}", models=MODELS)
        for k in range(len(runs)):
            writes.insert_vote(store, cid, runs[k], runs[(k + 1) % len(runs)], ("left", "tie")[k % 2], None)
    app = AppServer({"CANVASBENCH_DB": str(tmp / "t.db"), "CANVASBENCH_PRICES": str(tmp / "p.toml")}, log=tmp / "a.log")
    try:
        app.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark")
            yield context.new_page(), app.url
            browser.close()
    finally:
        app.stop()


@pytest.mark.parametrize(("path", "charts"), [("/metrics", 1), ("/leaderboard", 2)])
def test_a_dark_browser_gets_a_dark_page_with_readable_text_and_charts(
    dark_page: tuple[Any, str], path: str, charts: int
) -> None:
    page, url = dark_page
    page.goto(url + path)
    page.wait_for_function(DRAWN, arg=charts, timeout=180_000, polling=100)
    colours = page.evaluate(COLOURS, "h1, [data-testid='stMarkdownContainer'] p, [data-testid='stHeading']")
    assert _luminance(colours["page"]) < 0.05, f"the page is not dark: {colours['page']}"
    assert colours["texts"] and min(_contrast(t, colours["page"]) for t in colours["texts"]) >= 4.5
    # The charts' titles, axis labels and legends are drawn in the theme's text colour.
    drawn = page.evaluate(COLOURS, "figure.cb-chart figcaption, figure.cb-chart svg > text, .cb-legend > span")
    assert len(drawn["texts"]) > 5 and min(_contrast(t, drawn["page"]) for t in drawn["texts"]) >= 4.5
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    png = chart.screenshot(path=str(ARTIFACTS / f"dark{path.replace('/', '-')}-chart.png"))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.get_flattened_data()) if hasattr(image, "get_flattened_data") else list(image.getdata())
    ground = max(set(pixels), key=pixels.count)
    assert _luminance(ground) < 0.05, f"the chart's background is not dark: {ground}"
    # Its axis labels and titles are light on that dark ground.
    readable = sum(1 for p in pixels if _contrast(p, ground) >= 4.5 and _luminance(p) > 0.4)
    assert readable >= 200, readable


def test_custom_html_in_the_gallery_reads_on_the_dark_theme(dark_page: tuple[Any, str]) -> None:
    page, url = dark_page
    page.goto(url + "/")
    page.get_by_text("Dark prompt 1").first.wait_for(timeout=180_000)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stHtml\"] div').length > 4")
    colours = page.evaluate(COLOURS, "[data-testid='stHtml'] div:not(:has(*))")
    assert _luminance(colours["page"]) < 0.05
    worst = min(_contrast(t, colours["page"]) for t in colours["texts"])
    assert worst >= 4.5, worst
