"""Open an artifact in headless Chromium and record what happened: `RenderEngine`, `check_artifact`.

Policy: the check sees what a viewer sees. The artifact runs inside the dashboard's own wrapper (an
outer page whose only content is `<iframe sandbox="allow-scripts allow-pointer-lock" srcdoc=...>`, from
`canvasbench.sandbox.document`) below a page of ours, as in the dashboard, with a person's user agent, screen and
`navigator.webdriver`, so a page cannot tell the checker from a viewer, and everything it tries is
judged as in the dashboard. The iframe fills the viewport, so screenshots, errors and pixels are the
artifact's own. Every request is routed: CDN library URLs are answered from the offline mirror with
the version they name, the page's attempts to navigate its frame away are answered with an empty
204 (its document stays, the attempt is recorded), and everything else is refused at once — the
check never touches the network. WebRTC is refused by the page's guard, as in the dashboard (STUN and
TURN go below request routing), and limited by Chromium's own switches as a second layer.

The page is watched at three moments (after load, after watching, after a player's input), and it
is "not responding" only when its own main thread stops running tasks (a heartbeat it sends on a
timer), never from wall time; a page that looks hung is checked again alone with a longer allowance.
Around the engine: `limits` (how long and how much), `observed` (what the page did and whether it stopped
responding), `player` (the input), `conclusion` (the result from all of it) and `verdict` (the rules).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import concurrent.futures
import contextlib
import logging
import os
import re
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Coroutine
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Frame,
    Page,
    Playwright,
    Route,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from canvasbench.errors import CanvasBenchError
from canvasbench.render.conclusion import conclude
from canvasbench.render.limits import CheckLimits, allowance
from canvasbench.render.observed import ARTIFACT_HOST, Look, NotResponding, Observed, PageCpu, Phases, local_file
from canvasbench.render.owned import drop, owned, read_outcome, together
from canvasbench.render.page_scripts import (
    CANVAS_ONLY_CSS,
    CANVAS_ONLY_JS,
    INIT_SCRIPT,
    PROBE_JS,
    READY_JS,
)
from canvasbench.render.player import play
from canvasbench.render.processes import chromium_path, renderer_pids, rss_mb
from canvasbench.render.verdict import (
    MAX_REQUESTS,
    RenderCheck,
    changed,
    not_checked,
    pixel_report,
)
from canvasbench.sandbox.document import ROUTED_BY_CALLER, sandbox_document
from canvasbench.sandbox.mirror import Mirror, load_mirror
from canvasbench.sandbox.mirror_build import fetch_version

T = TypeVar("T")

log = logging.getLogger(__name__)

PAGE_URL = f"http://{ARTIFACT_HOST}/index.html"
WRAPPER_URL = f"http://{ARTIFACT_HOST}/preview.html"
# The page the wrapper is embedded in, as the dashboard embeds it: the artifact sees the same frame tree
# (top, then its wrapper, then itself) as a viewer's, and the wrapper fills the viewport.
_APP_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><style>html,body{margin:0;overflow:hidden}"
    "iframe{position:fixed;left:0;top:0;width:100%;height:100%;border:0}</style></head>"
    f'<body><iframe src="{WRAPPER_URL}" title="preview"></iframe></body></html>'
).encode()
# A person's desktop: the screen the page sees (the viewport is the frame it is laid out in).
SCREEN = (1920, 1080)
EARLY_LOOK_S = 0.5  # after load: a page's first frames are drawn by then
FIRST_READY_S = 0.15  # ...or sooner, once it has run a few animation frames or has nothing scheduled
ANIMATION_LOOK_S = 0.4  # a page that drew late is looked at again this much later to see if it moves
WATCH_POLL_S = 0.3  # while watching, a page that drew is looked at this often to see whether it moves
SETTLE_S = 0.3  # after the player's input, before the third look
PLAY_S = 1.5  # about how long the player's input takes (for "N frames in S s")
SHUTDOWN_CHECKS_S = 5.0  # closing: how long running checks get to close their pages before the browsers go
STEP_CEILING_S = 90.0  # a browser call that never ends although the page beats (a wedged browser)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",  # WebGL still works: Chromium falls back to SwiftShader
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # navigator.webdriver reads false, as in a person's browser (a page could behave only when watched).
    "--disable-blink-features=AutomationControlled",
    "--disable-extensions",
    "--mute-audio",
    # Every frame of the check in one renderer: requests of an out-of-process frame can start before
    # the request router is attached to it (seen: a sandboxed srcdoc frame's first script bypassed it).
    "--disable-site-isolation-trials",
    "--disable-features=IsolateSandboxedIframes,IsolateOrigins,site-per-process",
    # Safety net under the request routing: no host name resolves, so nothing can reach the network
    # (WebSocket, prefetch, anything a future Chromium adds) even if it slipped past the router.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # ...and whatever still goes out (IP literals, loopback included) is sent to a proxy that cannot
    # be resolved, so it fails; routed requests are answered before they ever reach it.
    "--proxy-server=http://proxy.canvasbench.invalid:9",
    "--proxy-bypass-list=<-loopback>",
    # WebRTC is removed from every frame by the init script; these keep ICE off non-proxied UDP too.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--enforce-webrtc-ip-permission-check",
)

_CDN_URL = re.compile(r"https?://[^\s\"'`<>()]+")
MAX_FETCHES_PER_CHECK = 4  # library versions fetched from the registry for one page
# What the wrapper noted: the navigations it refused and the WebRTC attempts the page's guard reported.
NOTED_JS = "() => { const d = document.getElementById('box')?.dataset || {}; return [d.blocked || '', +d.webrtc || 0] }"


class RenderUnavailable(CanvasBenchError):
    """Chromium cannot be started, or went away during the check, so nothing can be said of the page."""


def _person_agent(version: str) -> str:
    """The user agent of a person's Chromium of this version (headless Chromium names itself HeadlessChrome)."""
    major = version.split(".", 1)[0] or "0"
    return f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"


def _wrapper(code: str, kind: str, limits: CheckLimits) -> str:
    """The dashboard's preview document for the artifact, its frame filling the viewport.

    The check answers CDN URLs from the mirror itself (and blocks the rest in the browser), so the page may
    request subresources where the dashboard points them at its local mirror server: the same libraries load.
    """
    return sandbox_document(code, kind, height=limits.height, network=ROUTED_BY_CALLER)


def _depth(frame: Frame) -> int:
    """How many frames lie above this one (0 for the page itself)."""
    depth = 0
    while frame.parent_frame is not None and depth < 10:
        frame, depth = frame.parent_frame, depth + 1
    return depth


async def _capture(cdp: CDPSession) -> bytes:
    # DevTools' own capture takes the next frame as it is; Playwright's screenshot adds style changes
    # (each one more frame, seconds on a software-WebGL page) and waits for fonts.
    shot = await cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
    return base64.b64decode(shot["data"])


def prefetch_versions(code: str, root: Path | None = None) -> Mirror:
    """Fetch library versions the page names that the mirror lacks (npm registry); the mirror after that."""
    mirror = load_mirror(root)
    fetched = 0
    for url in dict.fromkeys(_CDN_URL.findall(code)):
        wanted = mirror.missing_version(url)
        if wanted is None:
            continue
        if fetched >= MAX_FETCHES_PER_CHECK:
            break
        fetched += 1
        if fetch_version(*wanted, mirror.root):
            mirror = load_mirror(root)
    return mirror


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """The engine thread: the loop runs until the engine's shutdown stops it, then is closed by its own thread
    (a close that outlasts its caller's wait still ends with the loop closed, nothing left for exit to report)."""
    try:
        loop.run_forever()
    finally:
        loop.close()


class RenderEngine:
    """One headless Chromium on its own thread and event loop; `check()` is thread-safe and blocking.

    At most `max_concurrent` pages are open at once, each in its own slot with its own Chromium, so the
    renderer processes of a slot's browser belong to that slot's page alone and their CPU time tells
    whether the page computes without ever finishing a task (hung) or waits (slow). A watchdog kills any
    renderer process above `memory_mb` of resident memory (array buffers are not bounded by V8's heap flag).
    """

    def __init__(self, *, chromium: str | None = None, memory_mb: int = 1024, max_concurrent: int = 2) -> None:
        self.chromium = chromium
        self.memory_mb = memory_mb
        self.max_concurrent = max_concurrent
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pw: Playwright | None = None
        self._browsers: dict[int, Browser] = {}
        self._launch_lock: asyncio.Lock | None = None
        self._free: asyncio.Queue[int] | None = None
        self._active = 0
        self._watchdog: asyncio.Future[None] | None = None
        self._checks: set[asyncio.Future[Any]] = set()  # on the engine loop, so closing can end them first
        self._exclusive: asyncio.Lock | None = None
        self._in_flight: set[concurrent.futures.Future[Any]] = set()
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
                loop.set_exception_handler(self._loop_error)
                self._thread = threading.Thread(target=_serve, args=(loop,), name="canvasbench-render", daemon=True)
                self._thread.start()
                self._loop = loop
            loop = self._loop
        future = asyncio.run_coroutine_threadsafe(self._tracked(coro), loop)
        with self._guard:
            self._in_flight.add(future)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.CancelledError:
            raise RenderUnavailable("The check was interrupted before it finished.") from None
        except PlaywrightError as exc:
            # The browser or its driver went away (Ctrl-C reaches the driver too): no verdict on the page.
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RenderUnavailable(f"The browser stopped during the check: {first}") from exc
        except concurrent.futures.TimeoutError as exc:
            if future.done():  # a timeout inside the check itself, not the budget running out
                raise RenderUnavailable(f"The check stopped on a timeout of its own: {exc!r}") from exc
            # Every browser call inside is bounded; this is the last line against a wedged browser.
            future.cancel()
            asyncio.run_coroutine_threadsafe(self._reset_browsers(), loop)
            raise RenderUnavailable(
                f"The check did not finish within {timeout:.0f} s; the browser was restarted."
            ) from None
        except Exception as exc:
            if self._closed:  # the engine closed under it (Ctrl-C): whatever it ended with, it was not finished
                raise RenderUnavailable("The check was interrupted before it finished.") from exc
            raise
        finally:
            with self._guard:
                self._in_flight.discard(future)

    async def _tracked(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one caller's check as a task the engine knows (closing ends it first) and whose outcome is read."""
        task = asyncio.current_task()
        assert task is not None
        # A caller that gave up (Ctrl-C, a timeout) cancelled its side; an exception the check still ends with
        # (the browser closing under it) is then read by nobody but this.
        task.add_done_callback(read_outcome)
        self._checks.add(task)
        try:
            return await coro
        finally:
            self._checks.discard(task)

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """After close, what Playwright had in flight ends cancelled or failed: that is the shutdown, not an error."""
        exc = context.get("exception")
        debris = isinstance(exc, asyncio.CancelledError | PlaywrightError) or "destroyed but it is pending" in str(
            context.get("message", "")
        )
        if self._closed and debris:
            log.debug("render engine shutting down: %s", context.get("message"))
            return
        loop.default_exception_handler(context)

    async def _reset_browser(self, slot: int) -> None:
        browser = self._browsers.pop(slot, None)
        if browser is not None:
            with contextlib.suppress(TimeoutError, PlaywrightError):
                await asyncio.wait_for(browser.close(), 10)

    async def _reset_browsers(self) -> None:
        for slot in list(self._browsers):
            await self._reset_browser(slot)

    def _setup(self) -> None:
        if self._launch_lock is None:
            self._launch_lock = asyncio.Lock()
            self._free = asyncio.Queue()
            for slot in range(self.max_concurrent):
                self._free.put_nowait(slot)
            self._exclusive = asyncio.Lock()

    def _slot_marker(self, slot: int) -> str:
        return f"{self._marker}/{slot}/"

    async def _ensure_browser(self, slot: int) -> Browser:
        self._setup()
        assert self._launch_lock is not None
        async with self._launch_lock:
            browser = self._browsers.get(slot)
            if browser is not None and browser.is_connected():
                return browser
            executable = self.chromium or chromium_path()
            if not executable or not Path(executable).exists():
                raise RenderUnavailable(
                    "Chromium was not found: install it (`sudo apt-get install chromium`) or set "
                    "CANVASBENCH_CHROMIUM to its path."
                )
            try:
                if self._pw is None:
                    self._pw = await async_playwright().start()
                browser = await self._pw.chromium.launch(
                    executable_path=executable,
                    args=[
                        *CHROMIUM_FLAGS,
                        f"--js-flags=--max-old-space-size={self.memory_mb}",
                        self._slot_marker(slot),
                    ],
                    timeout=30_000,
                )
            except PlaywrightError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise RenderUnavailable(f"Chromium ({executable}) could not be started: {first}") from exc
            self._browsers[slot] = browser
            return browser

    async def _watch_memory(self) -> None:
        try:
            while self._active > 0:
                for pid in await asyncio.to_thread(renderer_pids, os.getpid(), self._marker):
                    if rss_mb(pid) > self.memory_mb:
                        try:
                            os.kill(pid, signal.SIGKILL)
                            self._memory_kills.append(time.monotonic())
                        except OSError:
                            pass
                await asyncio.sleep(0.25)
        finally:
            self._watchdog = None

    # --- one check -----------------------------------------------------------------------------

    def check(
        self, code: str, kind: str, *, mirror: Path | None = None, limits: CheckLimits | None = None
    ) -> RenderCheck:
        """Open the artifact, watch it, play it, and return what was seen."""
        if kind not in ("html", "svg") or not code.strip():
            return not_checked("There is no HTML or SVG artifact to open.")
        limits = limits or CheckLimits()
        # Library versions the page names are fetched before it opens, so no fetch eats its time.
        served_from = prefetch_versions(code, mirror)
        longer = limits.longer()
        budget = 2 * (longer.load_timeout_s + longer.sample_s + PLAY_S + 6 * STEP_CEILING_S) + 60
        return self._run(self._check(code, kind, served_from, limits), timeout=budget)

    async def _check(self, code: str, kind: str, mirror: Mirror, limits: CheckLimits) -> RenderCheck:
        async with self._slot() as slot:
            first = await self._attempt(slot, code, kind, mirror, limits)
        if first.limit_hit != "time":
            return first
        # It looked hung. Look again with no other check beside it and a longer allowance before calling
        # it stopped: a page that needs a long first task (a big synchronous set-up) is slow, not hung.
        longer = limits.longer()
        async with self._alone() as slot:
            second = await self._attempt(slot, code, kind, mirror, longer)
        seen_first = first.details.get("hang", "")
        if second.limit_hit == "time":
            note = f" Checked again alone with {allowance(longer)}: it stopped responding again."
        else:
            note = (
                f" On a first look {seen_first or 'it seemed stuck'}; checked again alone with {allowance(longer)} "
                "it kept finishing tasks (slow, not hung)."
            )
        return replace(second, evidence=second.evidence + note)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[int]:
        """One free slot (its own browser) for one page."""
        self._setup()
        assert self._free is not None
        slot = await self._free.get()
        try:
            yield slot
        finally:
            self._free.put_nowait(slot)

    @contextlib.asynccontextmanager
    async def _alone(self) -> AsyncIterator[int]:
        """Hold every slot: no other check runs meanwhile; yields the one to use."""
        self._setup()
        assert self._free is not None and self._exclusive is not None
        async with self._exclusive:
            taken = [await self._free.get() for _ in range(self.max_concurrent)]
            try:
                yield min(taken)
            finally:
                for slot in taken:
                    self._free.put_nowait(slot)

    async def _attempt(self, slot: int, code: str, kind: str, mirror: Mirror, limits: CheckLimits) -> RenderCheck:
        context = await self._new_context(slot, limits)
        self._active += 1
        if self._watchdog is None and Path("/proc").is_dir():
            self._watchdog = owned(self._watch_memory())
        try:
            result = await self._observe(context, code, kind, mirror, limits, PageCpu(self._slot_marker(slot)))
        finally:
            self._active -= 1
            await self._dispose(slot, context)
        browser = self._browsers.get(slot)
        # A renderer our memory watchdog killed can leave a context that will not close, and the browser is
        # then closed by _dispose: the verdict on the page stands. Otherwise what failed was the browser
        # (stopped by Ctrl-C, killed), not the page: no verdict.
        ours = result.limit_hit == "memory" and not self._closed
        if not ours and (self._closed or browser is None or not browser.is_connected()):
            raise RenderUnavailable("The browser went away during the check; it was not finished.")
        return result

    async def _new_context(self, slot: int, limits: CheckLimits) -> BrowserContext:
        """A fresh context in the slot's browser; a browser that died since the last check is relaunched once."""
        for attempt in (1, 2):
            browser = await self._ensure_browser(slot)
            try:
                return await browser.new_context(
                    viewport={"width": limits.width, "height": limits.height},
                    screen={"width": SCREEN[0], "height": SCREEN[1]},
                    user_agent=_person_agent(browser.version),
                    device_scale_factor=1,
                    service_workers="block",
                    accept_downloads=False,
                )
            except PlaywrightError as exc:
                self._browsers.pop(slot, None)
                if attempt == 2:
                    raise RenderUnavailable(f"Chromium stopped responding: {str(exc).splitlines()[0]}") from exc
        raise AssertionError("unreachable")

    async def _dispose(self, slot: int, context: BrowserContext) -> None:
        try:
            await asyncio.wait_for(context.close(), 10)
        except (TimeoutError, PlaywrightError):
            # A context that will not close takes the browser with it; the next check relaunches.
            await self._reset_browser(slot)

    async def _observe(
        self, context: BrowserContext, code: str, kind: str, mirror: Mirror, limits: CheckLimits, cpu: PageCpu
    ) -> RenderCheck:
        seen = Observed(cpu=cpu)
        wrapper = _wrapper(code, kind, limits).encode("utf-8")

        async def route(route: Route) -> None:
            request = route.request
            url = request.url
            try:
                if url in (PAGE_URL, WRAPPER_URL):
                    body = _APP_PAGE if url == PAGE_URL else wrapper
                    await route.fulfill(status=200, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
                    return
                frame = request.frame
                own_frame = _depth(frame) <= 2  # the app page, the wrapper or the artifact itself
                if request.is_navigation_request() and own_frame:
                    # The artifact tried to replace itself (location.href, meta refresh): a 204 answer
                    # keeps its document in place, so the check goes on measuring what a viewer sees.
                    seen.navigate(url)
                    await route.fulfill(status=204, body=b"")
                    return
                local = local_file(url)
                if local is not None:
                    seen.missing(local)
                    await route.abort("blockedbyclient")
                    return
                hit = mirror.resolve(url)
                if hit is None:
                    seen.block(url)
                    await route.abort("blockedbyclient")
                    return
                seen.serve(url, hit)
                await route.fulfill(
                    status=200,
                    body=hit.body,
                    headers={"Content-Type": hit.content_type, "Access-Control-Allow-Origin": "*"},
                )
            except PlaywrightError:
                pass  # the page went away while we answered

        def failed(request: Any) -> None:
            reason = request.failure or "failed"
            refused = "ERR_BLOCKED_BY_CLIENT" in reason or "ERR_ABORTED" in reason
            if not refused and len(seen.failed) < MAX_REQUESTS:
                seen.failed.append({"url": request.url, "reason": reason})

        def crashed(_: Page) -> None:
            seen.crashed = True
            seen.crash_event.set()

        closing: set[asyncio.Future[None]] = set()  # keep references until the popups are closed

        def popup(extra: Page) -> None:
            seen.popups += 1
            closing.add(owned(extra.close()))

        await context.add_init_script(INIT_SCRIPT)

        # WebSockets are refused by the page's CSP (connect-src), which reports the URL on the console. No
        # WebSocket route: Playwright's would put its own globals and WebSocket into the page.
        await context.route("**/*", route)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        context.on("page", popup)  # only after our own page, which fires the same event
        page.on("console", seen.console)
        page.on("pageerror", lambda exc: seen.error(f"Uncaught {exc.name or 'Error'}: {exc.message}"))
        page.on("requestfailed", failed)
        page.on("crash", crashed)

        load_fired = asyncio.Event()
        page.once("load", lambda _: load_fired.set())
        started = time.monotonic()
        seen.restart()
        loaded, hung = False, False
        looks: list[Look] = []
        frozen: Look | None = None
        noted: asyncio.Future[Any] | None = None
        actions: list[str] = []
        trigger = ""  # the first input after which a page that stood still ran animation frames
        clock = Phases(seen.phases)
        try:
            await self._step(page.goto(PAGE_URL, wait_until="commit", timeout=0), seen, limits)
            # Wait for our own load event rather than goto's, while the page's heartbeat says it runs.
            while not (load_fired.is_set() or seen.crashed):
                if time.monotonic() - started > limits.load_timeout_s:
                    break  # still loading but alive: look at what is there
                if seen.stuck(limits):
                    raise NotResponding
                await self._pause(seen, 0.1, load_fired)
            loaded = load_fired.is_set()
            loaded_at = time.monotonic()
            clock.lap("load")
            outer = page.main_frame.child_frames[0] if page.main_frame.child_frames else page.main_frame
            frame = outer.child_frames[0] if outer.child_frames else outer
            first_look_by = time.monotonic() + EARLY_LOOK_S
            await self._pause(seen, FIRST_READY_S)
            while (left := first_look_by - time.monotonic()) > 0:
                # A page whose frames take longer than that is looked at as it is by then.
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(self._step(frame.evaluate(READY_JS), seen, limits), left):
                        break
                await self._pause(seen, min(0.1, first_look_by - time.monotonic()))
            looks.append(await self._look(page, cdp, frame, seen, limits))
            clock.lap("first look")
            # Watch until the page has drawn and moved (all that watching can tell) or `sample_s` passed:
            # a page still or not yet drawn is watched for the whole time, since it may draw late, unless
            # it has nothing scheduled (no timer, frame callback, animation or worker): then it cannot change.
            watched_until = loaded_at + limits.sample_s
            if looks[0].probe.get("quiet"):
                watched_until = time.monotonic()
            moved: bytes | None = None
            while moved is None and (left := watched_until - time.monotonic()) > 0:
                await self._pause(seen, min(WATCH_POLL_S, left))
                if looks[0].drawn and time.monotonic() < watched_until:
                    shot = await self._shot(cdp, seen, limits)
                    moved = shot if changed(looks[0].shot, shot) else None
            looks.append(await self._look(page, cdp, frame, seen, limits, shot=moved, drawn_before=looks[0].drawn))
            if not looks[0].drawn and looks[1].drawn:
                # It drew late: whether it moves is judged from a second look after it had drawn.
                await self._pause(seen, ANIMATION_LOOK_S)
                second = await self._shot(cdp, seen, limits)
                looks[1] = replace(looks[1], animates=changed(looks[1].shot, second))
            clock.lap("watch")
            if limits.interact and not seen.crashed:
                canvas = looks[1].probe.get("main_canvas")
                during: list[Look] = []

                async def peek() -> None:
                    # Nothing drawn yet: look while the input goes on too, since what a pointer draws may
                    # fade before the input ends (a particle trail), and judge the page by that as well.
                    if not any(look.drawn for look in looks):
                        during.append(await self._look(page, cdp, frame, seen, limits))

                viewport = (limits.width, limits.height)
                control = looks[1].probe.get("start_control")
                step = partial(self._step, seen=seen, limits=limits)
                played = await play(cdp, frame, viewport, control, canvas, step, peek)
                actions = [action for action, _ in played]
                still = int(looks[1].probe.get("frames") or 0)
                trigger = next((action for action, frames in played if frames > still + 1), "")
                clock.lap("play")
                await self._pause(seen, SETTLE_S)
                noted = owned(outer.evaluate(NOTED_JS))  # read beside the last look
                after = await self._look(page, cdp, frame, seen, limits, drawn_before=looks[1].drawn)
                if not after.drawn and during and during[0].drawn:
                    after = replace(during[0], probe=after.probe)  # the moment that shows what input did
                looks.append(after)
                clock.lap("last look")
        except NotResponding:
            hung = True
            frozen = await self._freeze(cdp, seen)
            clock.lap("stopped")
        except PlaywrightError:
            pass  # crashed meanwhile, or the browser went away: the flags tell which
        if not hung and not seen.crashed:
            # Navigations the page's own guard stopped before any request (links, meta refresh) are noted
            # by the wrapper: a viewer is shown a notice for them, so they count as attempts here too.
            with contextlib.suppress(PlaywrightError, NotResponding):
                wrapper_frame = page.main_frame.child_frames[0] if page.main_frame.child_frames else page.main_frame
                urls, webrtc = await self._step(noted or wrapper_frame.evaluate(NOTED_JS), seen, limits)
                for url in str(urls).split():
                    seen.navigate(url)
                if looks:
                    looks[-1].probe["webrtc_attempts"] = int(webrtc)
        drop([noted] if noted is not None else [])
        return conclude(
            seen,
            looks,
            frozen,
            actions,
            trigger,
            loaded,
            hung,
            started,
            mirror,
            limits,
            memory_kills=self._memory_kills,
            memory_mb=self.memory_mb,
        )

    async def _look(
        self,
        page: Page,
        cdp: CDPSession,
        frame: Frame,
        seen: Observed,
        limits: CheckLimits,
        *,
        shot: bytes | None = None,
        drawn_before: bool = False,
    ) -> Look:
        """One moment: the artifact's own facts, a screenshot of its area (`shot` when just taken), and its
        main canvas alone where other elements lie over it (a title or score is not the canvas drawn on)."""
        probe: dict[str, Any]
        if shot is None:
            # Both at once: on a page whose frames take seconds, each waits for the next frame.
            probe, picture = await self._step(together(frame.evaluate(PROBE_JS), _capture(cdp)), seen, limits)
        else:
            probe, picture = await self._step(frame.evaluate(PROBE_JS), seen, limits), shot
        box = probe.get("main_canvas")
        if box and drawn_before and box.get("context") and pixel_report(picture).drawn:
            drawn = True  # a canvas drawn on stays drawn on; its own screenshot would only cost a frame
        elif box:
            drawn = False
            area = (box["x"], box["y"], box["w"], box["h"])
            covers = box.get("covers")
            if box.get("context") and covers is not None:
                # The screenshot shows the canvas where nothing lies over it (a title or score is not the canvas).
                drawn = pixel_report(picture, area, covers).drawn
            elif box.get("context"):  # a canvas whose context was never created has nothing drawn on it
                drawn = pixel_report(await self._canvas_alone(cdp, frame, seen, limits), area).drawn
        else:
            drawn = pixel_report(picture).drawn
        return Look(probe, picture, drawn)

    async def _canvas_alone(self, cdp: CDPSession, frame: Frame, seen: Observed, limits: CheckLimits) -> bytes:
        """A screenshot with everything but the artifact's canvases hidden (most of it lies over the canvas)."""
        await self._step(frame.evaluate(CANVAS_ONLY_JS, CANVAS_ONLY_CSS), seen, limits)
        try:
            return await self._shot(cdp, seen, limits)
        finally:
            with contextlib.suppress(PlaywrightError):
                await self._step(frame.evaluate(CANVAS_ONLY_JS, ""), seen, limits)

    async def _shot(self, cdp: CDPSession, seen: Observed, limits: CheckLimits) -> bytes:
        """The viewport as it is on screen (the next frame the compositor draws, PNG, encoded for speed)."""
        return await self._step(_capture(cdp), seen, limits)

    async def _freeze(self, cdp: CDPSession, seen: Observed) -> Look | None:
        """Stop a page that stopped responding (its scripts end and may not run again) and look at what it had
        drawn: a page that drew and then hung in the same task has never shown it, but it has drawn it."""
        disable = owned(cdp.send("Emulation.setScriptExecutionDisabled", {"value": True}))
        try:
            with contextlib.suppress(PlaywrightError, TimeoutError):
                await asyncio.wait_for(cdp.send("Runtime.terminateExecution"), 2)
                await asyncio.wait_for(disable, 2)
                shot = await asyncio.wait_for(_capture(cdp), 5)
                return Look({}, shot, pixel_report(shot).drawn)
            return None
        finally:
            drop([disable])

    @staticmethod
    async def _pause(seen: Observed, seconds: float, until: asyncio.Event | None = None) -> None:
        """Wait `seconds`, less if the page crashes (or `until` is set)."""
        events = [seen.crash_event] if until is None else [seen.crash_event, until]
        waits = [owned(event.wait()) for event in events]
        try:
            await asyncio.wait(waits, timeout=max(seconds, 0.0), return_when=asyncio.FIRST_COMPLETED)
        finally:
            drop(waits)

    async def _step(self, awaitable: Awaitable[T], seen: Observed, limits: CheckLimits) -> T:
        """Await one browser call while the page shows progress (`Observed.stuck` says when it does not)."""
        task = owned(awaitable)  # cancelled below mid-call when the check ends: never a stray traceback
        ceiling = time.monotonic() + STEP_CEILING_S
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=0.1)
                if done:
                    return task.result()
                if seen.crashed:
                    raise PlaywrightError("the page crashed")
                if seen.stuck(limits):
                    raise NotResponding
                if time.monotonic() > ceiling:
                    seen.hang = f"a browser call did not return for {STEP_CEILING_S:g} s"
                    raise NotResponding
        finally:
            drop([task])

    # --- shutdown ------------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        """End the checks (each closes its page), then the browsers and the driver, then the loop."""
        try:
            ours = [*self._checks, *([self._watchdog] if self._watchdog is not None else [])]
            drop(ours)
            if ours:
                # A check ends at its next await; closing its context first keeps the browser's own calls in order.
                await asyncio.wait(ours, timeout=SHUTDOWN_CHECKS_S)
            await self._reset_browsers()
            if self._pw is not None:
                with contextlib.suppress(TimeoutError, PlaywrightError):
                    await asyncio.wait_for(self._pw.stop(), 10)
                self._pw = None
            # Whatever is still pending (Playwright's own tasks, a check that would not end) is cancelled and
            # awaited here, so nothing is left to be collected half-done and print at exit.
            rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in rest:
                task.add_done_callback(read_outcome)
                task.cancel()
            if rest:
                await asyncio.wait(rest, timeout=2)
        finally:
            asyncio.get_running_loop().stop()

    def close(self, wait_s: float = 30.0) -> None:
        """Close the browser and stop the engine thread; checks still running end as `not checked`."""
        with self._guard:
            loop, self._loop = self._loop, None
            self._closed = True
            in_flight, self._in_flight = list(self._in_flight), set()
        for future in in_flight:
            future.cancel()  # the caller waiting on it gets RenderUnavailable at once
        if loop is None:
            return
        shutdown = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)  # it stops the loop when done
        try:
            shutdown.result(timeout=wait_s)
        except concurrent.futures.TimeoutError:
            # Still closing (a loaded machine, Ctrl-C's short wait): the engine thread finishes it and stops its
            # loop; a process that exits meanwhile takes the thread along with nothing half-collected to print.
            return
        except Exception:  # closing goes on whatever one step raised
            log.debug("render engine shutdown", exc_info=True)
        if self._thread is not None:
            self._thread.join(timeout=min(wait_s, 10.0))


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
