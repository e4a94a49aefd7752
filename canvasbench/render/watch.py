"""How one page is watched: loaded in its sandbox, looked at, played with, and what it did concluded.

The engine (check.py) hands each check a fresh browser context; everything here happens in that page.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Awaitable
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from playwright.async_api import (
    BrowserContext,
    CDPSession,
    Frame,
    Page,
    Route,
)
from playwright.async_api import Error as PlaywrightError

from canvasbench.render.conclusion import conclude
from canvasbench.render.limits import CheckLimits
from canvasbench.render.observed import (
    ARTIFACT_HOST,
    Look,
    NotResponding,
    Observed,
    PageCpu,
    Phases,
    local_file,
    page_error,
)
from canvasbench.render.owned import drop, owned, together
from canvasbench.render.page_scripts import (
    INIT_SCRIPT,
)
from canvasbench.render.player import play
from canvasbench.render.probe_facts import clean_probe, count
from canvasbench.render.screencast import feed_of, follow, slow
from canvasbench.render.verdict import (
    MAX_REQUESTS,
    RenderCheck,
    changed,
    pixel_report,
)
from canvasbench.render.world import ArtifactWorld
from canvasbench.sandbox.document import ROUTED_BY_CALLER, lines_before_artifact, sandbox_document
from canvasbench.sandbox.mirror import Mirror

T = TypeVar("T")

PAGE_URL = f"http://{ARTIFACT_HOST}/index.html"
EARLY_LOOK_S = 0.5  # after load: a page's first frames are drawn by then
FIRST_READY_S = 0.15  # ...or sooner, once it has run a few animation frames or has nothing scheduled
ANIMATION_LOOK_S = 0.4  # a page that drew late is looked at again this much later to see if it moves
WATCH_POLL_S = 0.3  # while watching, a page that drew is looked at this often to see whether it moves
SETTLE_S = 0.3  # after the player's input, before the third look
PLAY_S = 1.5  # about how long the player's input takes (for "N frames in S s")
STEP_CEILING_S = 90.0  # a browser call that never ends although the page beats (a wedged browser)
NOTED_JS = "() => { const d = document.getElementById('box')?.dataset || {}; return [d.blocked || '', +d.webrtc || 0] }"
WRAPPER_URL = f"http://{ARTIFACT_HOST}/preview.html"
# The page the wrapper is embedded in, as the dashboard embeds it: the artifact sees the same frame tree
# (top, then its wrapper, then itself) as a viewer's, and the wrapper fills the viewport.
_APP_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><style>html,body{margin:0;overflow:hidden}"
    "iframe{position:fixed;left:0;top:0;width:100%;height:100%;border:0}</style></head>"
    f'<body><iframe src="{WRAPPER_URL}" title="preview"></iframe></body></html>'
).encode()


def _depth(frame: Frame) -> int:
    """How many frames lie above this one (0 for the page itself)."""
    depth = 0
    while frame.parent_frame is not None and depth < 10:
        frame, depth = frame.parent_frame, depth + 1
    return depth


def _wrapper(code: str, kind: str, limits: CheckLimits) -> str:
    """The dashboard's preview document for the artifact, its frame filling the viewport.

    The check answers CDN URLs from the mirror itself (and blocks the rest in the browser), so the page may
    request subresources where the dashboard points them at its local mirror server: the same libraries load.
    """
    return sandbox_document(code, kind, height=limits.height, network=ROUTED_BY_CALLER)


async def _capture(cdp: CDPSession) -> bytes:
    # DevTools' own capture takes the next frame as it is; Playwright's screenshot adds style changes
    # (each one more frame, seconds on a software-WebGL page) and waits for fonts.
    shot = await cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
    return base64.b64decode(shot["data"])


async def _picture(cdp: CDPSession) -> bytes:
    """The page as it is next drawn: the next streamed frame of a slow page, else a frame asked for."""
    feed = feed_of(cdp)
    shot = await feed.next_frame() if feed is not None else None
    return shot if shot is not None else await _capture(cdp)


async def observe(
    context: BrowserContext,
    code: str,
    kind: str,
    mirror: Mirror,
    limits: CheckLimits,
    cpu: PageCpu,
    *,
    memory_kills: list[float],
    memory_mb: int,
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
    world = ArtifactWorld(page, cdp)
    await world.start()  # before the page loads: its frame hands its counts over before any script of its own
    context.on("page", popup)  # only after our own page, which fires the same event
    page.on("console", seen.console)
    before = lines_before_artifact(kind) if kind == "html" else None  # error lines as the artifact numbers them
    seen.lines_before = before  # for the errors the page hid, which come on the console
    page.on("pageerror", lambda exc: seen.error(page_error(exc.name, exc.message, exc.stack, before)))
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
        await _step(page.goto(PAGE_URL, wait_until="commit", timeout=0), seen, limits)
        # Wait for our own load event rather than goto's, while the page's heartbeat says it runs.
        while not (load_fired.is_set() or seen.crashed):
            if time.monotonic() - started > limits.load_timeout_s:
                break  # still loading but alive: look at what is there
            if seen.stuck(limits):
                raise NotResponding
            await _pause(seen, 0.1, load_fired)
        loaded = load_fired.is_set()
        loaded_at = time.monotonic()
        clock.lap("load")
        outer = page.main_frame.child_frames[0] if page.main_frame.child_frames else page.main_frame
        await _step(world.style(canvas_only=False), seen, limits)  # the caret hidden: it blinks, the page does not
        first_look_by = time.monotonic() + EARLY_LOOK_S
        await _pause(seen, FIRST_READY_S)
        while (left := first_look_by - time.monotonic()) > 0:
            # A page whose frames take longer than that is looked at as it is by then.
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(_step(world.ready(), seen, limits), left):
                    break
            await _pause(seen, min(0.1, first_look_by - time.monotonic()))
        looks.append(await _look(page, cdp, world, seen, limits))
        drawn_frames, since = int(looks[0].probe.get("frames") or 0), time.monotonic() - started
        if slow(drawn_frames, since):  # each look would wait behind a frame being drawn: stream them
            follow(cdp, since / drawn_frames)
        clock.lap("first look")
        # Watch until the page has drawn and moved (all that watching can tell) or `sample_s` passed:
        # a page still or not yet drawn is watched for the whole time, since it may draw late, unless
        # it has nothing scheduled (no timer, frame callback, animation or worker): then it cannot change.
        watched_until = loaded_at + limits.sample_s
        if looks[0].probe.get("quiet"):
            watched_until = time.monotonic()
        moved: bytes | None = None
        while moved is None and (left := watched_until - time.monotonic()) > 0:
            await _pause(seen, min(WATCH_POLL_S, left))
            if looks[0].drawn and time.monotonic() < watched_until:
                shot = await _shot(cdp, seen, limits)
                moved = shot if changed(looks[0].shot, shot) else None
        looks.append(await _look(page, cdp, world, seen, limits, shot=moved, drawn_before=looks[0].drawn))
        if not looks[0].drawn and looks[1].drawn:
            # It drew late: whether it moves is judged from a second look after it had drawn.
            await _pause(seen, ANIMATION_LOOK_S)
            second = await _shot(cdp, seen, limits)
            looks[1] = replace(looks[1], animates=changed(looks[1].shot, second))
        clock.lap("watch")
        if limits.interact and not seen.crashed:
            canvas = looks[1].probe.get("main_canvas")
            during: list[Look] = []

            async def peek() -> None:
                # Nothing drawn yet: look while the input goes on too, since what a pointer draws may
                # fade before the input ends (a particle trail), and judge the page by that as well.
                if not any(look.drawn for look in looks):
                    during.append(await _look(page, cdp, world, seen, limits))

            viewport = (limits.width, limits.height)
            control = looks[1].probe.get("start_control")
            step = partial(_step, seen=seen, limits=limits)
            played = await play(cdp, viewport, control, canvas, step, peek, world=world)
            actions = [action for action, _ in played]
            still = int(looks[1].probe.get("frames") or 0)
            trigger = next((action for action, frames in played if frames > still + 1), "")
            clock.lap("play")
            await _pause(seen, SETTLE_S)
            noted = owned(outer.evaluate(NOTED_JS))  # read beside the last look
            after = await _look(page, cdp, world, seen, limits, drawn_before=looks[1].drawn)
            if not after.drawn and during and during[0].drawn:
                after = replace(during[0], probe=after.probe)  # the moment that shows what input did
            looks.append(after)
            clock.lap("last look")
        await _run_on(world, seen, limits, looks, loaded_at)
        if seen.ran_on is not None:
            drop([noted] if noted is not None else [])
            noted = None  # read again below: it may have tried to leave while it ran on
            clock.lap("run on")
    except NotResponding:
        hung = True
        frozen = await _freeze(cdp, seen)
        clock.lap("stopped")
    except PlaywrightError:
        pass  # crashed meanwhile, or the browser went away: the flags tell which
    if not hung and not seen.crashed:
        # Navigations the page's own guard stopped before any request (links, meta refresh) are noted
        # by the wrapper: a viewer is shown a notice for them, so they count as attempts here too.
        with contextlib.suppress(PlaywrightError, NotResponding):
            wrapper_frame = page.main_frame.child_frames[0] if page.main_frame.child_frames else page.main_frame
            urls, webrtc = await _step(noted or wrapper_frame.evaluate(NOTED_JS), seen, limits)
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
        memory_kills=memory_kills,
        memory_mb=memory_mb,
    )


async def _run_on(world: ArtifactWorld, seen: Observed, limits: CheckLimits, looks: list[Look], since: float) -> None:
    """Let a page still animating run to `run_frames` animation frames or `run_s` after load (`seen.ran_on`).

    Counted in its frames, not seconds: a busy machine draws them slower, and what a page does a few seconds
    into its animation (an endless loop on its first collision) is then still seen.
    """
    if len(looks) < 2:
        return
    before, frames = (int(look.probe.get("frames") or 0) for look in looks[-2:])
    until = since + limits.run_s
    # A page whose frames stopped between two readings is still or slower than the poll: it is not waited for.
    while before < frames < limits.run_frames and (left := until - time.monotonic()) > 0:
        await _pause(seen, min(WATCH_POLL_S, left))
        before, frames = frames, count(await _step(world.frames(), seen, limits))
        seen.ran_on = (frames, time.monotonic())


async def _look(
    page: Page,
    cdp: CDPSession,
    world: ArtifactWorld,
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
        raw, picture = await _step(together(world.probe(), _picture(cdp)), seen, limits)
    else:
        raw, picture = await _step(world.probe(), seen, limits), shot
    probe = clean_probe(raw)  # the page can reach what the probe reads and return anything
    box = probe.get("main_canvas")
    if box and drawn_before and box.get("context") and pixel_report(picture).drawn:
        drawn = True  # a canvas drawn on stays drawn on; its own screenshot would only cost a frame
    elif box and box.get("never_drawn_on"):
        drawn = False  # no call ever drew on it: what shows there is its CSS and the page behind it
    elif box:
        drawn = False
        area = (box["x"], box["y"], box["w"], box["h"])
        covers = box.get("covers")
        if box.get("context") and covers is not None:
            # The screenshot shows the canvas where nothing lies over it (a title or score is not the canvas).
            drawn = pixel_report(picture, area, covers).drawn
        elif box.get("context"):  # a canvas whose context was never created has nothing drawn on it
            drawn = pixel_report(await _canvas_alone(cdp, world, seen, limits), area).drawn
    else:
        drawn = pixel_report(picture).drawn
    return Look(probe, picture, drawn)


async def _canvas_alone(cdp: CDPSession, world: ArtifactWorld, seen: Observed, limits: CheckLimits) -> bytes:
    """A screenshot with everything but the artifact's canvases hidden (most of it lies over the canvas)."""
    await _step(world.style(canvas_only=True), seen, limits)
    try:
        # A frame of its own, never a streamed one: that may have been drawn before the style came.
        return await _step(_capture(cdp), seen, limits)
    finally:
        with contextlib.suppress(PlaywrightError):
            await _step(world.style(canvas_only=False), seen, limits)


async def _shot(cdp: CDPSession, seen: Observed, limits: CheckLimits) -> bytes:
    """The viewport as it is on screen (the next frame the compositor draws, PNG, encoded for speed)."""
    return await _step(_picture(cdp), seen, limits)


async def _freeze(cdp: CDPSession, seen: Observed) -> Look | None:
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


async def _pause(seen: Observed, seconds: float, until: asyncio.Event | None = None) -> None:
    """Wait `seconds`, less if the page crashes (or `until` is set)."""
    events = [seen.crash_event] if until is None else [seen.crash_event, until]
    waits = [owned(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=max(seconds, 0.0), return_when=asyncio.FIRST_COMPLETED)
    finally:
        drop(waits)


async def _step(awaitable: Awaitable[T], seen: Observed, limits: CheckLimits) -> T:
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
