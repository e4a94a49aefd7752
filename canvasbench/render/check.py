"""Open an artifact in headless Chromium and record what happened: `RenderEngine`, `check_artifact` (one page: `watch`).

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
import concurrent.futures
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import (
    Browser,
    BrowserContext,
    Playwright,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from canvasbench.errors import CanvasBenchError
from canvasbench.render.limits import CheckLimits, allowance
from canvasbench.render.observed import PageCpu
from canvasbench.render.owned import drop, owned, read_outcome
from canvasbench.render.processes import CHROMIUM_FLAGS, chromium_path, renderer_pids, rss_mb
from canvasbench.render.verdict import (
    RenderCheck,
    not_checked,
)
from canvasbench.render.watch import PLAY_S, STEP_CEILING_S, observe
from canvasbench.sandbox.mirror import Mirror
from canvasbench.sandbox.mirror_build import prefetch_versions

T = TypeVar("T")

log = logging.getLogger(__name__)

# A person's desktop: the screen the page sees (the viewport is the frame it is laid out in).
SCREEN = (1920, 1080)
SHUTDOWN_CHECKS_S = 5.0  # closing: how long running checks get to close their pages before the browsers go

# What the wrapper noted: the navigations it refused and the WebRTC attempts the page's guard reported.


class RenderUnavailable(CanvasBenchError):
    """Chromium cannot be started, or went away during the check, so nothing can be said of the page."""


def _person_agent(version: str) -> str:
    """The user agent of a person's Chromium of this version (headless Chromium names itself HeadlessChrome)."""
    major = version.split(".", 1)[0] or "0"
    return f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"


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
                    "Chromium was not found: install it ('sudo apt-get install chromium') or set "
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
        budget = 2 * (longer.load_timeout_s + longer.run_s + PLAY_S + 6 * STEP_CEILING_S) + 60
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
            result = await observe(
                context, code, kind, mirror, limits, PageCpu(self._slot_marker(slot)),
                memory_kills=self._memory_kills, memory_mb=self.memory_mb,
            )
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
            # Stopped on the next turn, not now: the caller's `close()` learns this coroutine ended from a
            # callback that runs on that turn (stopped here, it waited its whole `wait_s` for nothing).
            loop = asyncio.get_running_loop()
            loop.call_soon(loop.stop)

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
