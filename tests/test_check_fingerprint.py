"""A page cannot tell the render check from a person viewing it in the dashboard.

One probe artifact takes a fingerprint of its world (its globals, its frame tree, the errors a refused
WebRTC or storage call gives, `navigator`, the screen) and is shown (a) in the dashboard's own preview
document, in the dashboard's frame tree, in Chromium set up as a person's browser (a desktop screen, no
automation flag, its ordinary user agent), and (b) through the render check. The two must be the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from canvasbench.paths import mirror_dir
from canvasbench.render import CheckLimits, RenderEngine, check_artifact
from canvasbench.render.verdict import pixel_report
from canvasbench.sandbox.document import sandbox_document
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

APP = "http://app.canvasbench.test"
LIMITS = CheckLimits(load_timeout_s=15.0, sample_s=1.0, step_timeout_s=10.0, interact=False)

# The fingerprint goes into the title (the check reports the page's title) and to the app page.
PROBE = """<!doctype html><html><head><meta charset="utf-8"><title>probe</title></head><body>
<canvas id="c" width="400" height="300"></canvas><script>
function attempt(fn) { try { return 'ok ' + String(fn()); } catch (e) { return e.name + ': ' + e.message; } }
var names = Object.getOwnPropertyNames(window).sort();
var print = {
  globals: names,
  frames: {length: window.length, parentIsTop: parent === top, topIsSelf: top === self, parentLength: parent.length},
  webrtc: [typeof RTCPeerConnection, attempt(function () { return new RTCPeerConnection({}); })],
  storage: [attempt(function () { localStorage.setItem('k', 'v'); return localStorage.getItem('k'); }),
            attempt(function () { document.cookie = 'a=1'; return document.cookie; }),
            attempt(function () { return indexedDB.open('x') && 'opened'; })],
  popup: attempt(function () { return window.open('about:blank'); }),
  navigator: [navigator.userAgent, navigator.webdriver, navigator.languages.join(','), navigator.platform,
              navigator.vendor, navigator.plugins.length, navigator.pdfViewerEnabled, navigator.cookieEnabled,
              navigator.maxTouchPoints,
              navigator.userAgentData && JSON.stringify(navigator.userAgentData.brands)],
  screen: [screen.width, screen.height, screen.availWidth, screen.availHeight, screen.colorDepth, devicePixelRatio],
  viewport: [innerWidth, innerHeight],
  document: [document.scripts.length, document.querySelectorAll('*').length, document.styleSheets.length],
  symbols: Object.getOwnPropertySymbols(window).map(String),
  // Natives as bot checks read them (source text, name, length, prototype), and how Symbol's are defined.
  natives: [requestAnimationFrame, cancelAnimationFrame, setTimeout, clearTimeout, setInterval, clearInterval,
            Worker, Function.prototype.toString, EventTarget.prototype.addEventListener,
            HTMLCanvasElement.prototype.getContext, CanvasRenderingContext2D.prototype.fill,
            WebGLRenderingContext.prototype.drawArrays, WebGLRenderingContext.prototype.getExtension].map(
    function (f) { return [Function.prototype.toString.call(f), f.name, f.length, f.hasOwnProperty('prototype')]; }),
  descriptors: [[Symbol, 'for'], [window, 'Symbol'], [window, 'requestAnimationFrame']].map(function (p) {
    var d = Object.getOwnPropertyDescriptor(p[0], p[1]);
    return [d.writable, d.enumerable, d.configurable];
  }),
};
var text = JSON.stringify(print);
document.title = text;
top.postMessage({fingerprint: text}, '*');
var g = document.getElementById('c').getContext('2d');
g.fillStyle = '#c33'; g.fillRect(40, 40, 200, 120);
</script></body></html>"""


@pytest.fixture(scope="module")
def person() -> Iterator[Any]:
    """Chromium as a person runs it: not driven by automation, its ordinary user agent, a desktop screen.

    Set by switches, not by Playwright's emulation: that does not reach the preview's sandboxed frame, which
    runs in a process of its own in a person's browser.
    """
    with sync_api.sync_playwright() as pw:
        probe = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        agent = str(probe.new_page().evaluate("navigator.userAgent")).replace("HeadlessChrome", "Chrome")
        probe.close()
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--disable-blink-features=AutomationControlled",
                f"--user-agent={agent}",
                "--screen-info={1920x1080}",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


_APP_PAGE = (
    "<!doctype html><html><body style='margin:0'><script>window.__print = null;"
    "addEventListener('message', function (e) { if (e.data && e.data.fingerprint) __print = e.data.fingerprint; });"
    '</script><iframe src="/wrapper" style="width:900px;height:600px;border:0"></iframe></body></html>'
)


@contextmanager
def in_dashboard(browser: Any, artifact: str) -> Iterator[Any]:
    """A page showing `artifact` in the dashboard's preview document, in an app page, on a person's desktop."""
    document = sandbox_document(artifact, "html")
    context = browser.new_context(no_viewport=True)
    try:

        def answer(route: Any) -> None:
            body = _APP_PAGE if route.request.url == APP + "/" else document
            route.fulfill(status=200, body=body, content_type="text/html")

        context.route(APP + "/**", answer)
        page = context.new_page()
        page.goto(APP + "/")
        yield page
    finally:
        context.close()


def dashboard_fingerprint(browser: Any) -> dict[str, Any]:
    """The probe's fingerprint of its world in the dashboard."""
    with in_dashboard(browser, PROBE) as page:
        page.wait_for_function("() => window.__print !== null", timeout=30_000, polling=100)
        return dict(json.loads(page.evaluate("window.__print")))


def test_a_page_sees_the_same_world_in_the_check_as_in_the_dashboard(person: Any) -> None:
    seen_by_person = dashboard_fingerprint(person)
    engine = RenderEngine(max_concurrent=1)
    try:
        check = check_artifact(PROBE, "html", mirror=mirror_dir(), limits=LIMITS, engine=engine)
    finally:
        engine.close()
    seen_by_check = json.loads(check.details["title"])
    extra = sorted(set(seen_by_check.pop("globals")) ^ set(seen_by_person.pop("globals")))
    assert extra == [], f"globals only one of them has: {extra}"
    assert seen_by_check == seen_by_person
    # And what a person's browser says of itself: not automated, not headless, a desktop screen.
    assert seen_by_check["navigator"][1] is False and "Headless" not in seen_by_check["navigator"][0]
    assert seen_by_check["screen"][:2] == [1920, 1080]
    assert check.verdict == "renders", check.evidence


# Pages that draw only when they can tell they are watched (tests/test_render_hostile.py): each is judged there on
# the premise that a person's browser gives it nothing to tell by. Here that premise is checked in the dashboard.
# Not tells_watching_console.html: what it tells by is a DevTools connection, which this browser has (Playwright's).
DRAW_ONLY_WHEN_WATCHED = ["tells_patched_natives.html", "tells_hook_calls.html", "tells_probe_calls.html"]
HOSTILE = Path(__file__).parent / "render_pages" / "hostile"


def test_pages_that_draw_only_when_watched_show_nothing_in_a_persons_browser(person: Any) -> None:
    for name in DRAW_ONLY_WHEN_WATCHED:
        with in_dashboard(person, (HOSTILE / name).read_text(encoding="utf-8")) as page:
            artifact = page.frames[-1]
            artifact.wait_for_load_state("load")
            # Each decides within 0.4 s of its load (the probe page keeps watching: a look a second later
            # is what the check's first look would be).
            page.wait_for_timeout(1500)
            shot = page.screenshot(clip={"x": 0, "y": 0, "width": 900, "height": 600})
            # Their canvases, scaled into the preview (not the wrapper's own full-screen button below them).
            assert not pixel_report(shot, (0, 0, 700, 480)).drawn, f"{name} drew in a person's browser"
