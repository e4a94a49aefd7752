"""Share files and the static gallery in real Chromium, opened from file:// with the network off.

Every request that is not for a file is aborted and recorded (there must be none); hostile pages aim at a
loopback listener that must hear nothing, and try to read, script and navigate the share page around them.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.store import RunStore
from tests.arena_helpers import finished_comparison
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS
from tests.loopback import loopback_listener
from tests.share_helpers import PAGES, long_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
Image = pytest.importorskip("PIL.Image")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

from tests.test_preview_guard import TRY, hostile_pages  # noqa: E402  (after the skips: it needs playwright)

# What a hostile artifact in a share file tries against the page around it; each attempt reports.
SHARE_PROBE = f"""<!doctype html><html><body><canvas id="c" width="200" height="100"></canvas><script>{TRY}
function probe(where, attempt) {{
  try {{ var got = attempt(); __report(where, got === null || got === undefined || got === false ? 'blocked (null)'
                                              : 'ESCAPED ' + String(got).slice(0, 40)); }}
  catch (e) {{ __report(where, 'blocked ' + e.name); }}
}}
probe('parent.document', function () {{ return parent.document.title; }});
probe('top.document', function () {{ return top.document.body.innerHTML.length; }});
probe('top title', function () {{ top.document.title = 'pwned'; return 'set'; }});
probe('libraries', function () {{ return top.document.getElementById('cb-libraries').textContent; }});
probe('sibling preview', function () {{ return top.frames[2].document.body.innerHTML; }});
probe('sibling nested', function () {{ return top.frames[2].frames[0].document.title; }});
probe('top storage', function () {{ return top.localStorage.length + 1; }});
probe('window.open', function () {{ return window.open('http://127.0.0.1:{{TCP}}/popup'); }});
probe('top.location', function () {{ top.location = 'http://127.0.0.1:{{TCP}}/top'; return null; }});
probe('parent.location', function () {{ parent.location.href = 'http://127.0.0.1:{{TCP}}/parent'; return null; }});
fetch('http://127.0.0.1:{{TCP}}/fetch').then(function () {{ __report('fetch', 'ESCAPED'); }},
  function (e) {{ __report('fetch', 'blocked ' + e.name); }});
new Image().src = 'http://127.0.0.1:{{TCP}}/image';
document.getElementById('c').getContext('2d').fillRect(0, 0, 50, 50);
</script></body></html>"""
SHARE_PROBES = 11
# The test's own ear on the share page (the file has no message listener of its own).
EAR = ("if (window === top) { window.__reports = []; addEventListener('message', function (e) {"
       " if (e.data && e.data.guardProbe) __reports.push(e.data.guardProbe); }); }")


def _share(*args: str) -> None:
    result = CliRunner().invoke(main, ["share", *args])
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _offline(browser: Any) -> tuple[Any, list[str]]:
    """A desktop-sized context where every request but a file's is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    asked: list[str] = []

    def refuse(route: Any) -> None:
        asked.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith("file:"), refuse)
    return context, asked


def _colours(png: bytes) -> int:
    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(1 << 20) or [])


def test_a_share_file_opens_offline_and_every_preview_draws(browser: Any, tmp_path: Path) -> None:
    store = RunStore()
    cid, _ = long_comparison(store)
    out = tmp_path / "share.html"
    _share(cid, "-o", str(out))
    context, asked = _offline(browser)
    try:
        page = context.new_page()
        page.goto(out.as_uri())
        previews = page.locator("iframe.preview")
        assert previews.count() == 4
        drawn = []
        for i in range(4):
            previews.nth(i).scroll_into_view_if_needed()
            # The artifact's own canvas (three.js and p5 make theirs only once the library has loaded), and
            # what is on it: a drawn scene has many colours (shading, anti-aliasing), an empty canvas one.
            canvas = previews.nth(i).content_frame.frame_locator("iframe").locator("canvas").first
            canvas.wait_for(timeout=60_000)
            deadline = time.monotonic() + 60
            colours = _colours(canvas.screenshot())
            while colours < 20 and time.monotonic() < deadline:
                page.wait_for_timeout(250)
                colours = _colours(canvas.screenshot())
            drawn.append(colours)
        print("colours on each preview's canvas:", drawn)
        assert all(c >= 20 for c in drawn), drawn
        # The code viewer: highlighted, numbered, searchable.
        code = page.frame_locator("iframe.code").first
        code.locator("#q").fill("dot 1500")
        code.locator("#q").press("Enter")
        assert code.locator("#info").inner_text() == "1 of 1 matches"
        # The race replay plays to the end offline: every lane finished with all its lines.
        player = page.frame_locator("#replay iframe")
        player.get_by_role("button", name="Jump to end").click()
        lanes = player.locator("section.lane")
        assert lanes.count() == 4
        replay = next(f for f in page.frames if f.evaluate("typeof window.replay?.state === 'function'"))
        state = replay.evaluate("replay.state()")
        assert all(lane["finished"] for lane in state), state
        assert asked == []
    finally:
        context.close()


def test_hostile_previews_reach_nothing_and_cannot_touch_the_share_page(browser: Any, tmp_path: Path) -> None:
    store = RunStore()
    with loopback_listener() as listener:
        pages = [listener.fill(SHARE_PROBE), *(listener.fill(code) for code in hostile_pages().values())]
        pages += [listener.fill((PAGES / name).read_text(encoding="utf-8"))
                  for name in ("hostile/beacons.html", "hostile/form_submit.html", "hostile/meta_refresh.html",
                               "escape_attempts.html")]
        cid, _ = finished_comparison(store, [f"openai:m{i}" for i in range(len(pages))], pages, screenshots=False)
        out = tmp_path / "share.html"
        _share(cid, "-o", str(out))
        context, asked = _offline(browser)
        context.add_init_script(EAR)
        try:
            page = context.new_page()
            page.goto(out.as_uri())
            title = page.title()
            expected = SHARE_PROBES + 45
            page.wait_for_function(f"() => window.__reports.length >= {expected}", timeout=90_000, polling=250)
            page.wait_for_timeout(2500)  # anything a leaked connection sends arrives meanwhile
            reports = list(page.evaluate("window.__reports"))
            assert page.url == out.as_uri() and page.title() == title
            assert page.locator("h1").inner_text() == title
            received = list(listener.received)
        finally:
            context.close()
    print("\n".join(reports))
    assert [r for r in reports if "ESCAPED" in r] == [], reports
    for where in ("parent.document", "top.document", "top title", "libraries", "sibling preview", "top storage"):
        assert f"{where}: blocked SecurityError" in reports, reports
    assert "window.open: blocked (null)" in reports and "fetch: blocked TypeError" in reports
    assert received == [], f"the loopback listener heard: {received}"
    assert asked == []


def test_the_static_gallery_opens_offline_and_every_link_resolves(browser: Any, tmp_path: Path) -> None:
    store = RunStore()
    finished_comparison(store, ["openai:a", "gemini:b"], category="canvas")
    finished_comparison(store, ["openai:a", "anthropic:c"], category="svg")
    site = tmp_path / "site"
    _share("--gallery", "-o", str(site))
    context, asked = _offline(browser)
    try:
        page = context.new_page()
        seen: set[str] = set()
        todo = [(site / "index.html").as_uri()]
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            assert page.goto(url).ok, url
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.src, e.complete && e.naturalWidth])")
            for src, width in images:
                assert width, f"{src} on {url} did not load"
            for link in links:
                assert link.startswith(site.as_uri() + "/"), (url, link)
                todo.append(link.split("#")[0])
        assert {Path(u.removeprefix("file://")).name for u in seen} >= {"index.html", "leaderboard.html"}
        assert len([u for u in seen if "/c/" in u]) == 2
        assert asked == []
    finally:
        context.close()
