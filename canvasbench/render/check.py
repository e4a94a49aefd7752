"""Open an artifact in headless Chromium and record what happened: `RenderEngine`, `check_artifact`.

Policy: the artifact is the top page of a fresh browser context, served from a routed URL with the
response header `Content-Security-Policy: sandbox allow-scripts` — the same sandbox flags as the
dashboard's `<iframe sandbox="allow-scripts">`: an opaque origin (no cookies, storage or same-origin
access), no popups, no modals, no forms, no navigating other windows. Being the top page (not an
iframe inside a wrapper) gives exact measurements: paint timing, page errors and crashes, and the
screenshot are the artifact's own. Every request is routed: CDN library URLs are answered from the
offline mirror, everything else is aborted at once and reported as blocked — the check never
touches the network.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import re
import signal
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    WebSocketRoute,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from canvasbench.errors import CanvasBenchError
from canvasbench.render.mirror import Mirror, load_mirror
from canvasbench.render.page_scripts import CANVAS_ONLY_CSS, FRAMES_JS, INIT_SCRIPT, PROBE_JS
from canvasbench.render.processes import chromium_path, renderer_pids, rss_mb
from canvasbench.render.verdict import (
    MAX_MESSAGES,
    MAX_REQUESTS,
    RenderCheck,
    decide,
    describe_drawing,
    not_checked,
    pixel_report,
)

T = TypeVar("T")

PAGE_URL = "http://artifact.canvasbench.invalid/index.html"
EARLY_LOOK_S = 0.5  # into the sample window: a page's first frames are drawn by then
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",  # WebGL still works: Chromium falls back to SwiftShader
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--mute-audio",
    # Safety net under the request routing: no host name resolves, so nothing can reach the network
    # (WebSocket, prefetch, anything a future Chromium adds) even if it slipped past the router.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)

# Console errors that are the sandbox doing its job (counted apart, not as the page's JS errors),
# and resource failures we already report as blocked or failed requests.
_SANDBOX_MESSAGES = (
    "Ignored call to",
    "Unsafe attempt to initiate navigation",
    "Blocked form submission",
    "Blocked script execution",
)
_POPUP_MESSAGE = "Blocked opening"
_RESOURCE_MESSAGE = "Failed to load resource"
_CSP_MESSAGE = "Content Security Policy"
_URL_IN_MESSAGE = re.compile(r"(?:https?|wss?)://[^\s'\"]+")


class RenderUnavailable(CanvasBenchError):
    """Chromium cannot be started, so nothing can be checked."""


@dataclass(frozen=True)
class CheckLimits:
    """How long and how much one check may take."""

    load_timeout_s: float = 10.0  # until the load event; a page still busy then is stopped
    sample_s: float = 3.0  # how long animation frames are counted after load
    step_timeout_s: float = 5.0  # any single browser call after load (probe, screenshot)
    max_popups: int = 20  # more window.open attempts than this is a popup flood
    width: int = 1280
    height: int = 800


@dataclass
class _Observed:
    """What the page did while it ran (filled by event handlers)."""

    js_errors: int = 0
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    mirrored: list[str] = field(default_factory=list)
    popups: int = 0
    sandbox_blocks: int = 0
    crashed: bool = False
    crash_event: asyncio.Event = field(default_factory=asyncio.Event)

    def error(self, message: str) -> None:
        self.js_errors += 1
        if len(self.errors) < MAX_MESSAGES and message not in self.errors:
            self.errors.append(message[:500])

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        text = msg.text
        if text.startswith(_POPUP_MESSAGE):
            self.popups += 1
        elif _CSP_MESSAGE in text:
            # The dashboard's CSP refused a connection or frame: a blocked request, not a JS error.
            self.sandbox_blocks += 1
            url = _URL_IN_MESSAGE.search(text)
            if url:
                self.block(url.group(0).rstrip(".,;"))
        elif text.startswith(_SANDBOX_MESSAGES):
            self.sandbox_blocks += 1
        elif not text.startswith(_RESOURCE_MESSAGE):
            self.error(text)

    def block(self, url: str) -> None:
        if url not in self.blocked and len(self.blocked) < MAX_REQUESTS:
            self.blocked.append(url)


def _wrap(code: str, kind: str) -> str:
    """The document the dashboard would run: its CSP meta first (same connect/frame rules), SVG in a page."""
    try:
        from canvasbench.sandbox import inner_page
    except ImportError:  # the dashboard's sandbox module lands separately; the sandbox header still holds
        pass
    else:
        return inner_page(code, kind)
    if kind == "svg":
        return (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<style>html,body{margin:0;height:100%}svg{max-width:100%;max-height:100vh}</style>"
            f"</head><body>{code}</body></html>"
        )
    return code


class RenderEngine:
    """One headless Chromium on its own thread and event loop; `check()` is thread-safe and blocking.

    At most `max_concurrent` pages are open at once. A watchdog kills any renderer process above
    `memory_mb` of resident memory (array buffers are not bounded by V8's heap flag).
    """

    def __init__(self, *, chromium: str | None = None, memory_mb: int = 1024, max_concurrent: int = 2) -> None:
        self.chromium = chromium
        self.memory_mb = memory_mb
        self.max_concurrent = max_concurrent
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._launch_lock: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None
        self._active = 0
        self._watchdog: asyncio.Task[None] | None = None
        self._memory_kills: list[float] = []
        self._closed = False
        # An unknown switch Chromium ignores, so the watchdog can tell this engine's browser
        # from any other Chromium this process runs (e.g. a dashboard test's browser).
        self._marker = f"--canvasbench-engine={os.getpid()}-{id(self):x}"

    # --- the engine thread ---------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        with self._guard:
            if self._closed:
                coro.close()
                raise RenderUnavailable("The render engine was shut down.")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, name="canvasbench-render", daemon=True)
                self._thread.start()
                self._loop = loop
            loop = self._loop
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            # Every browser call inside is bounded; this is the last line against a wedged browser.
            future.cancel()
            asyncio.run_coroutine_threadsafe(self._reset_browser(), loop)
            raise RenderUnavailable(
                f"The check did not finish within {timeout:.0f} s; the browser was restarted."
            ) from None

    async def _reset_browser(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            with contextlib.suppress(TimeoutError, PlaywrightError):
                await asyncio.wait_for(browser.close(), 10)

    async def _ensure_browser(self) -> Browser:
        if self._launch_lock is None:
            self._launch_lock = asyncio.Lock()
            self._slots = asyncio.Semaphore(self.max_concurrent)
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            executable = self.chromium or chromium_path()
            if not executable or not Path(executable).exists():
                raise RenderUnavailable(
                    "Chromium was not found: install it (`sudo apt-get install chromium`) or set "
                    "CANVASBENCH_CHROMIUM to its path."
                )
            try:
                if self._pw is None:
                    self._pw = await async_playwright().start()
                self._browser = await self._pw.chromium.launch(
                    executable_path=executable,
                    args=[*CHROMIUM_FLAGS, f"--js-flags=--max-old-space-size={self.memory_mb}", self._marker],
                    timeout=30_000,
                )
            except PlaywrightError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise RenderUnavailable(f"Chromium ({executable}) could not be started: {first}") from exc
            return self._browser

    async def _watch_memory(self) -> None:
        while self._active > 0:
            for pid in await asyncio.to_thread(renderer_pids, os.getpid(), self._marker):
                if rss_mb(pid) > self.memory_mb:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        self._memory_kills.append(time.monotonic())
                    except OSError:
                        pass
            await asyncio.sleep(0.25)
        self._watchdog = None

    # --- one check -----------------------------------------------------------------------------

    def check(
        self, code: str, kind: str, *, mirror: Path | None = None, limits: CheckLimits | None = None
    ) -> RenderCheck:
        """Open the artifact, watch it for a few seconds, and return what was seen."""
        if kind not in ("html", "svg") or not code.strip():
            return not_checked("There is no HTML or SVG artifact to open.")
        limits = limits or CheckLimits()
        budget = limits.load_timeout_s + limits.sample_s + 4 * limits.step_timeout_s + 60
        return self._run(self._check(code, kind, load_mirror(mirror), limits), timeout=budget)

    async def _check(self, code: str, kind: str, mirror: Mirror, limits: CheckLimits) -> RenderCheck:
        await self._ensure_browser()
        assert self._slots is not None
        async with self._slots:
            context = await self._new_context(limits)
            self._active += 1
            if self._watchdog is None and Path("/proc").is_dir():
                self._watchdog = asyncio.create_task(self._watch_memory())
            try:
                return await self._observe(context, _wrap(code, kind), mirror, limits)
            finally:
                self._active -= 1
                await self._dispose(context)

    async def _new_context(self, limits: CheckLimits) -> BrowserContext:
        """A fresh context; a browser that died since the last check is relaunched once."""
        for attempt in (1, 2):
            browser = await self._ensure_browser()
            try:
                return await browser.new_context(
                    viewport={"width": limits.width, "height": limits.height},
                    device_scale_factor=1,
                    service_workers="block",
                    accept_downloads=False,
                )
            except PlaywrightError as exc:
                self._browser = None
                if attempt == 2:
                    raise RenderUnavailable(f"Chromium stopped responding: {str(exc).splitlines()[0]}") from exc
        raise AssertionError("unreachable")

    async def _dispose(self, context: BrowserContext) -> None:
        try:
            await asyncio.wait_for(context.close(), 10)
        except (TimeoutError, PlaywrightError):
            # A context that will not close takes the browser with it; the next check relaunches.
            await self._reset_browser()

    async def _observe(self, context: BrowserContext, html: str, mirror: Mirror, limits: CheckLimits) -> RenderCheck:
        seen = _Observed()
        page_body = html.encode("utf-8")

        async def route(route: Route) -> None:
            url = route.request.url
            try:
                if url == PAGE_URL:
                    await route.fulfill(
                        status=200,
                        body=page_body,
                        headers={
                            "Content-Type": "text/html; charset=utf-8",
                            "Content-Security-Policy": "sandbox allow-scripts",
                        },
                    )
                    return
                request = route.request
                if request.is_navigation_request() and request.frame.parent_frame is None:
                    # The page tried to leave (location.href = ...): 204 keeps the artifact loaded.
                    seen.block(url)
                    await route.fulfill(status=204, body=b"")
                    return
                hit = mirror.resolve(url)
                if hit is None:
                    seen.block(url)
                    await route.abort("blockedbyclient")
                    return
                if len(seen.mirrored) < MAX_REQUESTS:
                    seen.mirrored.append(url)
                await route.fulfill(
                    status=200,
                    body=hit.body,
                    headers={"Content-Type": hit.content_type, "Access-Control-Allow-Origin": "*"},
                )
            except PlaywrightError:
                pass  # the page went away while we answered

        def failed(request: Any) -> None:
            reason = request.failure or "failed"
            if request.is_navigation_request() and request.frame.parent_frame is None:
                seen.block(request.url)  # a main-frame navigation away, stopped by the router
            elif "ERR_BLOCKED_BY_CLIENT" not in reason and len(seen.failed) < MAX_REQUESTS:
                seen.failed.append({"url": request.url, "reason": reason})

        def crashed(_: Page) -> None:
            seen.crashed = True
            seen.crash_event.set()

        closing: set[asyncio.Future[None]] = set()  # keep references until the popups are closed

        def popup(extra: Page) -> None:
            seen.popups += 1
            closing.add(asyncio.ensure_future(extra.close()))

        await context.add_init_script(INIT_SCRIPT)

        async def socket(ws: WebSocketRoute) -> None:
            seen.block(ws.url)
            await ws.close(code=1008, reason="offline render check")

        await context.route("**/*", route)
        await context.route_web_socket("**/*", socket)
        page = await context.new_page()
        context.on("page", popup)  # only after our own page, which fires the same event
        page.on("console", seen.console)
        page.on("pageerror", lambda exc: seen.error(f"Uncaught {exc.name or 'Error'}: {exc.message}"))
        page.on("requestfailed", failed)
        page.on("crash", crashed)

        load_fired = asyncio.Event()
        page.once("load", lambda _: load_fired.set())
        started = time.monotonic()
        loaded, hung = False, False
        try:
            # Wait for our own load event rather than goto's: a page that starts navigating away
            # (refused by the router) would keep goto waiting for a load that never comes.
            await asyncio.wait_for(page.goto(PAGE_URL, wait_until="commit", timeout=0), limits.load_timeout_s)
            remaining = limits.load_timeout_s - (time.monotonic() - started)
            waits = [asyncio.ensure_future(e.wait()) for e in (load_fired, seen.crash_event)]
            try:
                await asyncio.wait(waits, timeout=max(remaining, 0.1), return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
            if not load_fired.is_set() and not seen.crashed:
                raise TimeoutError
            loaded = load_fired.is_set()
        except TimeoutError:
            hung = not await self._responsive(page)
        except PlaywrightError:
            pass  # crashed during load, or aborted: the flags below tell which

        probe: dict[str, Any] = {}
        frames = 0
        shot: bytes | None = None
        canvas_drawn: bool | None = None
        if not hung and not seen.crashed:
            try:
                frames0 = int(await self._step(page.evaluate(FRAMES_JS), limits) or 0)
                sample_started = time.monotonic()
                # An early look, once the first frames are drawn: a page that hangs later in the sample
                # window is still judged (and shown) by what it drew before it hung.
                await self._sleep_unless_crashed(seen, min(EARLY_LOOK_S, limits.sample_s / 2))
                if not seen.crashed:
                    probe = await self._step(page.evaluate(PROBE_JS), limits)
                    shot = await self._step(page.screenshot(type="png", caret="hide"), limits)
                    frames = max(0, int(probe.get("frames") or 0) - frames0)
                    await self._sleep_unless_crashed(seen, limits.sample_s - (time.monotonic() - sample_started))
                if not seen.crashed:
                    probe = await self._step(page.evaluate(PROBE_JS), limits)
                    frames = max(0, int(probe.get("frames") or 0) - frames0)
                    shot = await self._step(page.screenshot(type="png", caret="hide"), limits)
                    box = probe.get("main_canvas")
                    if box:
                        canvas_shot = await self._step(
                            page.screenshot(type="png", caret="hide", style=CANVAS_ONLY_CSS), limits
                        )
                        canvas_drawn = pixel_report(canvas_shot, (box["x"], box["y"], box["w"], box["h"])).drawn
            except TimeoutError:
                hung = True  # went into an endless loop after loading (the early look, if any, stays)
            except PlaywrightError:
                pass  # crashed meanwhile
        elapsed = time.monotonic() - started
        return self._conclude(seen, probe, frames, shot, canvas_drawn, loaded, hung, elapsed, started, mirror, limits)

    @staticmethod
    async def _sleep_unless_crashed(seen: _Observed, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(seen.crash_event.wait(), max(seconds, 0.0))

    async def _responsive(self, page: Page) -> bool:
        try:
            await asyncio.wait_for(page.evaluate("1"), 1.0)
            return True
        except (TimeoutError, PlaywrightError):
            return False

    async def _step(self, awaitable: Coroutine[Any, Any, T], limits: CheckLimits) -> T:
        return await asyncio.wait_for(awaitable, limits.step_timeout_s)

    def _conclude(
        self,
        seen: _Observed,
        probe: dict[str, Any],
        frames: int,
        shot: bytes | None,
        canvas_drawn: bool | None,
        loaded: bool,
        hung: bool,
        elapsed: float,
        started: float,
        mirror: Mirror,
        limits: CheckLimits,
    ) -> RenderCheck:
        limit_hit: str | None = None
        limit_note = ""
        if seen.crashed:
            limit_hit = "memory"
            if any(t >= started for t in self._memory_kills):
                limit_note = f"stopped after the page used over {self.memory_mb} MB of memory"
            else:
                limit_note = (
                    f"the page's renderer crashed (out of memory at the {self.memory_mb} MB heap limit, "
                    "or a browser fault)"
                )
        elif hung:
            limit_hit = "time"
            limit_note = f"stopped after {elapsed:.0f} s: the page stopped responding (an endless loop?)"
        elif seen.popups > limits.max_popups:
            limit_hit = "popups"
            limit_note = f"popup flood: {seen.popups} window.open calls refused"

        whole = pixel_report(shot) if shot else None
        drawn = bool(canvas_drawn) if canvas_drawn is not None else bool(whole and whole.drawn)
        if canvas_drawn is False:
            box = probe["main_canvas"]
            blank_reason = f"the {box['w']}×{box['h']} canvas stayed one colour"
        elif whole is not None:
            blank_reason = f"the page is a single colour rgb{whole.background}"
        else:
            blank_reason = "no screenshot could be taken"
        blocked = tuple(seen.blocked)
        details = {k: v for k, v in probe.items() if k not in ("frames", "first_paint_ms", "load_ms")}
        details["sample_s"] = limits.sample_s
        details["sandbox_blocks"] = seen.sandbox_blocks
        verdict, evidence = decide(
            loaded=loaded,
            drawn=drawn,
            js_errors=seen.js_errors,
            errors=tuple(seen.errors),
            blocked=blocked,
            limit_hit=limit_hit,
            crashed=seen.crashed,
            popups=seen.popups,
            drawing=describe_drawing(probe, frames, limits.sample_s),
            blank_reason=blank_reason,
            limit_note=limit_note,
        )
        if blocked and mirror.empty:
            evidence += " The offline library mirror is not built: run `canvasbench mirror build`."
        return RenderCheck(
            verdict=verdict,
            evidence=evidence,
            loaded=loaded,
            js_errors=seen.js_errors,
            errors=tuple(seen.errors),
            failed_requests=tuple(seen.failed),
            blocked_requests=blocked,
            drawn=drawn,
            frames=frames,
            first_paint_ms=probe.get("first_paint_ms"),
            render_ms=probe.get("load_ms"),
            limit_hit=limit_hit,
            screenshot=shot,
            width=limits.width if shot else 0,
            height=limits.height if shot else 0,
            popups=seen.popups,
            mirrored=tuple(seen.mirrored),
            details=details,
        )

    # --- shutdown ------------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(TimeoutError, PlaywrightError):
                await asyncio.wait_for(self._browser.close(), 10)
            self._browser = None
        if self._pw is not None:
            with contextlib.suppress(TimeoutError, PlaywrightError):
                await asyncio.wait_for(self._pw.stop(), 10)
            self._pw = None

    def close(self) -> None:
        """Close the browser and stop the engine thread."""
        with self._guard:
            loop, self._loop = self._loop, None
            self._closed = True
        if loop is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)


_shared: RenderEngine | None = None
_shared_guard = threading.Lock()


def shared_engine() -> RenderEngine:
    """The process-wide engine (one browser), started on first use and closed at exit."""
    global _shared
    with _shared_guard:
        if _shared is None:
            _shared = RenderEngine()
            atexit.register(_shared.close)
        return _shared


def check_artifact(
    code: str,
    kind: str,
    *,
    mirror: Path | None = None,
    limits: CheckLimits | None = None,
    engine: RenderEngine | None = None,
) -> RenderCheck:
    """Open one artifact in headless Chromium; a missing browser gives a `not checked` result."""
    try:
        return (engine or shared_engine()).check(code, kind, mirror=mirror, limits=limits)
    except RenderUnavailable as exc:
        return not_checked(str(exc))
