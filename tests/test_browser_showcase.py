"""The dashboard at 1440×900 in a real browser: cards that hold their content at 3, 5 and 8 models,
comparisons opened by real links, and text from models that cannot turn the app's own text around."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from canvasbench.providers.catalogue import known_models
from canvasbench.store import RunStore
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer, seed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

MODELS = [m.model_id for m in known_models()]
RLO = "\u202e"

# Every element inside a bordered card that reaches outside it, unless an ancestor inside the card clips it.
OVERFLOWING = """() => {
  const bad = [];
  for (const box of document.querySelectorAll('[data-testid="stVerticalBlock"]')) {
    if (parseFloat(getComputedStyle(box).borderTopWidth) === 0) continue;
    const r = box.getBoundingClientRect();
    if (r.width === 0) continue;
    for (const el of box.querySelectorAll('*')) {
      const e = el.getBoundingClientRect();
      if (e.width === 0 || e.height === 0) continue;
      let clipped = false;
      for (let a = el.parentElement; a && a !== box; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') { clipped = true; break; }
      }
      if (clipped) continue;
      if (e.right > r.right + 1 || e.left < r.left - 1) {
        bad.push(`${el.tagName}.${el.className} "${(el.textContent || '').slice(0, 40)}" ${e.left|0}-${e.right|0} `
                 + `outside ${r.left|0}-${r.right|0}`);
      }
    }
  }
  return bad;
}"""

# Each run's header whose link to its full size does not sit on the name's line, inside the header.
HEADERS_WRAPPED = """() => [...document.querySelectorAll('a[aria-label="Open at full size"]')].flatMap(link => {
  const name = link.previousElementSibling.getBoundingClientRect(), own = link.getBoundingClientRect();
  const row = link.parentElement.getBoundingClientRect();
  return own.top >= name.bottom - 1 || own.right > row.right + 1 ? [link.getAttribute('href')] : [];
})"""

# Left edges of each character of the first text node containing `word`, in logical order.
CHAR_X = """(word) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const i = node.data.indexOf(word);
    if (i < 0 || !node.parentElement.offsetParent) continue;
    const xs = [];
    for (let k = i; k < i + word.length; k++) {
      const range = document.createRange(); range.setStart(node, k); range.setEnd(node, k + 1);
      xs.push(range.getBoundingClientRect().left);
    }
    return xs;
  }
  return null;
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app headless over comparisons of 3, 5 and 8 models and one with right-to-left overrides."""
    tmp = tmp_path_factory.mktemp("showcase")
    db = tmp / "showcase.db"
    store = RunStore(db)
    seeded = {n: seed_comparison(store, title=f"Physics sandbox with {n} models", models=MODELS[:n]) for n in (3, 5, 8)}
    ids: dict[Any, Any] = {n: cid for n, (cid, _) in seeded.items()}
    ids["runs8"] = seeded[8][1]
    ids["rlo"] = seed_comparison(
        store,
        title=f"{RLO}evil title",
        category=f"{RLO}cat",
        models=(f"openai:{RLO}mirror", f"openai:{RLO}mirror", "gemini:gemini-3-flash-preview"),
    )[0]
    env = {
        "CANVASBENCH_DB": str(db),
        "CANVASBENCH_PRICES": str(tmp / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp / "endpoints.toml"),
    }
    server = AppServer(env, log=tmp / "streamlit.log")
    try:
        server.wait_ready()
        yield {"url": server.url, "ids": ids}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page(app: dict[str, Any]) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1440, "height": 900})
        pg.set_default_timeout(60_000)
        try:
            yield pg
        finally:
            browser.close()


def _open(page: Any, url: str, text: str) -> None:
    page.goto(url)
    page.get_by_text(text, exact=False).first.wait_for()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000, polling=200
    )
    page.wait_for_timeout(500)


@pytest.mark.parametrize("n", [3, 5, 8])
def test_no_card_content_overflows_its_card(app: dict[str, Any], page: Any, n: int) -> None:
    _open(page, f"{app['url']}/comparison?comparison={app['ids'][n]}", f"Physics sandbox with {n} models")
    assert page.locator('[data-testid="stVerticalBlock"]').count() > n
    assert page.evaluate(OVERFLOWING) == []
    # A long model id is clipped (whole on hover); its link stays on its line, so the previews line up.
    assert page.locator('a[aria-label="Open at full size"]').count() == n
    assert page.evaluate(HEADERS_WRAPPED) == []
    _open(page, f"{app['url']}/comparison?comparison={app['ids'][n]}&view=code", "Compare with")
    assert page.evaluate(OVERFLOWING) == []


def test_the_overflow_check_sees_content_wider_than_its_card(app: dict[str, Any], page: Any) -> None:
    # The check above must be able to fail: a card holding something wider than itself is reported.
    _open(page, f"{app['url']}/comparison?comparison={app['ids'][3]}", "Physics sandbox with 3 models")
    page.evaluate(
        """() => {
          const card = [...document.querySelectorAll('[data-testid="stVerticalBlock"]')]
            .find(b => parseFloat(getComputedStyle(b).borderTopWidth) > 0);
          const wide = document.createElement('div');
          wide.style.width = '3000px';
          wide.textContent = 'a metrics table that does not reflow';
          card.appendChild(wide);
        }"""
    )
    assert any("does not reflow" in spill for spill in page.evaluate(OVERFLOWING))


def test_gallery_tiles_fit_and_open_their_comparison_by_a_link(app: dict[str, Any], page: Any) -> None:
    _open(page, app["url"] + "/", "Physics sandbox with 8 models")
    assert page.evaluate(OVERFLOWING) == []
    links = page.locator(f'a[href$="?comparison={app["ids"][8]}"]')
    assert links.count() == 9  # the card's Open and each of its 8 tiles: real links (a new tab, a copied URL)
    link = page.locator(f'a[href$="?comparison={app["ids"][8]}"]:not(.cb-tile)')
    assert link.count() == 1
    history = page.evaluate("history.length")
    link.click()
    page.locator('nav[aria-label="Views"]').wait_for()
    page.wait_for_url(f"**comparison={app['ids'][8]}", timeout=10_000)
    assert page.evaluate("history.length") == history + 1  # one entry per move
    page.get_by_text("Code", exact=True).first.click()
    page.wait_for_url("**view=code", timeout=10_000)
    page.get_by_text("Compare with").first.wait_for()
    page.get_by_role("link", name="All comparisons").click()  # a real link to the gallery's own page
    page.wait_for_url(app["url"] + "/", timeout=10_000)
    page.get_by_text("Physics sandbox with 3 models").first.wait_for()
    assert page.evaluate("history.length") == history + 3
    page.go_back()  # Back returns to the comparison, in the view the user left it in
    page.wait_for_url(f"**comparison={app['ids'][8]}&view=code", timeout=10_000)
    page.get_by_text("Compare with").first.wait_for()
    page.go_back()
    page.wait_for_url(f"**comparison={app['ids'][8]}", timeout=10_000)
    page.locator('nav[aria-label="Views"]').wait_for()


def test_a_right_to_left_override_in_titles_and_names_leaves_the_apps_text_intact(
    app: dict[str, Any], page: Any
) -> None:
    for url in (app["url"] + "/", f"{app['url']}/comparison?comparison={app['ids']['rlo']}"):
        _open(page, url, "runs" if url.endswith("/") else "All comparisons")
        for word in ("runs", "sample", "UTC") if url.endswith("/") else ("sample", "UTC", "All comparisons"):
            xs = page.evaluate(CHAR_X, word)
            assert xs, f"{word!r} not found on {url}"
            assert xs == sorted(xs) and len(set(xs)) == len(xs), f"{word!r} laid out right to left on {url}: {xs}"


def test_back_after_full_screen_returns_to_the_comparison(app: dict[str, Any], page: Any) -> None:
    comparison, run = app["ids"][8], app["ids"]["runs8"][2]
    _open(page, f"{app['url']}/comparison?comparison={comparison}", "Physics sandbox with 8 models")
    history = page.evaluate("history.length")
    page.locator(f'a[aria-label="Open at full size"][href="?run={run}"]').click()
    page.wait_for_url(f"**/comparison?run={run}", timeout=10_000)
    page.get_by_text("Back to the comparison").first.wait_for()
    assert page.evaluate("history.length") == history + 1  # one entry for the move, none for the redraw
    page.go_back()
    page.wait_for_url(f"**/comparison?comparison={comparison}", timeout=10_000)
    page.locator('nav[aria-label="Views"]').wait_for()
    # The sidebar's Gallery link leaves the comparison: it goes to the gallery, not back into the same view.
    page.get_by_test_id("stSidebarNav").get_by_text("Gallery").click()
    page.wait_for_url(app["url"] + "/", timeout=10_000)
    page.get_by_text("Physics sandbox with 3 models").first.wait_for()
    assert "comparison=" not in page.url


# The code view's own page (inside the sandbox's frames): its summary line, once a frame shows one.
_CODE_SUMMARY = """() => { const i = document.getElementById('info'); return i && i.textContent; }"""


def _code_summary(page: Any, wanted: str) -> str:
    for _ in range(300):
        for frame in page.frames:
            try:
                text = frame.evaluate(_CODE_SUMMARY)
            except sync_api.Error:  # a frame gone with a redraw
                continue
            if text and wanted in text:
                return str(text)
        page.wait_for_timeout(100)
    raise AssertionError(f"no code view frame says {wanted!r}")


def test_the_code_view_picks_a_model_by_button_and_diffs_in_one_click(app: dict[str, Any], page: Any) -> None:
    _open(page, f"{app['url']}/comparison?comparison={app['ids'][3]}&view=code", "Compare with")
    # A few models: buttons, and no drop-down drawn at load (its widget kind is the view's heaviest cost).
    assert page.get_by_test_id("stSelectbox").count() == 0
    assert page.get_by_test_id("stRadio").count() == 0  # the diff's choice waits in the closed popover
    _code_summary(page, " lines")
    page.locator(".st-key-code-run").get_by_text("gemini:gemini-3-pro-preview").click()
    page.get_by_text("Compare with").first.click()
    page.get_by_test_id("stPopoverBody").get_by_text("gemini:gemini-3-flash-preview").click()
    assert "changed rows" in _code_summary(page, "changed rows")  # the diff of the two, side by side
    page.get_by_text("Left: gemini:gemini-3-pro-preview · right: gemini:gemini-3-flash-preview").wait_for()
    page.get_by_test_id("stPopoverBody").get_by_text("Nobody: show one model's code").click()
    _code_summary(page, " lines")
    page.keyboard.press("Escape")
    assert page.evaluate(OVERFLOWING) == []


def test_the_page_load_benchmark_finds_the_timeline_view_and_times_its_chart(app: dict[str, Any], page: Any) -> None:
    # benchmarks/page_load.py's "timeline" row: it once waited for a "button" named Timeline, and a segmented
    # control's options are radios, so the row only ever said "no chart within 60 s"; the views are links now.
    from benchmarks.page_load import toggle_timeline

    loaded, to_chart = toggle_timeline(page.context.browser, f"{app['url']}/comparison?comparison={app['ids'][5]}")
    assert loaded > 0 and to_chart > 0
