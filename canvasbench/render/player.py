"""Act like a player: the bounded input a person trying a page would give it, recorded as it is given.

Input goes through the DevTools protocol without waiting for the page to take each event: a page whose
frames take seconds (software WebGL) would otherwise make every event wait a frame. The events stay in
order; they are all awaited once, at the end, so a page that stopped responding is still noticed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import CDPSession

from canvasbench.render.owned import drop, owned, together
from canvasbench.render.probe_facts import count
from canvasbench.render.world import ArtifactWorld

# Held long enough for a game loop polling key state at 30-60 fps to see the key down.
KEY_HOLD_S = 0.08
# (key, code, Windows key code, text) as a US keyboard sends them; a direction's arrow and WASD letter
# are held together (one hold per direction), pressed in this order.
_ENTER = ("Enter", "Enter", 13, "\r")
_SPACE = (" ", "Space", 32, " ")
KEYS: tuple[tuple[tuple[str, str, int, str], ...], ...] = (
    (_ENTER,),
    (_SPACE,),
    (("ArrowUp", "ArrowUp", 38, ""), ("w", "KeyW", 87, "w")),
    (("ArrowRight", "ArrowRight", 39, ""), ("d", "KeyD", 68, "d")),
    (("ArrowDown", "ArrowDown", 40, ""), ("s", "KeyS", 83, "s")),
    (("ArrowLeft", "ArrowLeft", 37, ""), ("a", "KeyA", 65, "a")),
)
SETTLE_S = 0.3  # after the start control: a title screen's fade or a first frame
MOVE_GAP_S = 0.01  # between pointer moves: a page sees them as movement, not one jump

Step = Callable[[Awaitable[Any]], Awaitable[Any]]


class _Input:
    """Trusted input events sent in order without waiting for each to be taken; `settle()` awaits them all."""

    def __init__(self, cdp: CDPSession) -> None:
        self.cdp = cdp
        self.sent: list[asyncio.Future[Any]] = []
        self.x, self.y, self.down = 0.0, 0.0, False

    def _send(self, method: str, params: dict[str, Any]) -> None:
        self.sent.append(owned(self.cdp.send(method, params)))

    def _mouse(self, kind: str, x: float, y: float) -> None:
        self.x, self.y = x, y
        pressed = kind == "mousePressed" or (kind == "mouseMoved" and self.down)
        button = "left" if kind != "mouseMoved" or self.down else "none"
        params = {"type": kind, "x": x, "y": y, "button": button, "buttons": 1 if pressed else 0, "clickCount": 1}
        self._send("Input.dispatchMouseEvent", params)

    async def move(self, x: float, y: float, steps: int = 1) -> None:
        x0, y0 = self.x, self.y
        for i in range(1, steps + 1):
            self._mouse("mouseMoved", x0 + (x - x0) * i / steps, y0 + (y - y0) * i / steps)
            await asyncio.sleep(MOVE_GAP_S)

    def press(self) -> None:
        self.down = True
        self._mouse("mousePressed", self.x, self.y)

    def release(self) -> None:
        self.down = False
        self._mouse("mouseReleased", self.x, self.y)

    async def click(self, x: float, y: float) -> None:
        await self.move(x, y)
        self.press()
        self.release()

    def keys(self, chord: tuple[tuple[str, str, int, str], ...], down: bool) -> None:
        for key, code, vk, text in chord if down else tuple(reversed(chord)):
            params: dict[str, Any] = {"key": key, "code": code, "windowsVirtualKeyCode": vk}
            if down:
                params.update(type="keyDown" if text else "rawKeyDown", text=text, unmodifiedText=text)
            else:
                params["type"] = "keyUp"
            self._send("Input.dispatchKeyEvent", params)


async def play(
    cdp: CDPSession,
    viewport: tuple[int, int],
    control: dict[str, Any] | None,
    main_canvas: dict[str, Any] | None,
    step: Step,
    before_release: Callable[[], Awaitable[None]] | None = None,
    *,
    world: ArtifactWorld,
) -> list[tuple[str, int]]:
    """Click `control` (the start control or the largest button the probe found), click the canvas centre,
    press keys, move and drag the pointer.

    `step` wraps each browser call (it raises when the page stops responding); `world` reads the artifact's
    animation frames; `before_release` is called
    at the end of the drag with the button still down (a trail that fades is seen while it is there);
    returns what was done, each with the page's animation frame count read soon after it (which input
    started a page that stood still is read from these).
    """
    done: list[tuple[str, asyncio.Future[Any]]] = []
    mouse = _Input(cdp)
    try:
        return await _play(mouse, viewport, control, main_canvas, step, before_release, done, world)
    finally:
        drop([*mouse.sent, *(read for _, read in done)])  # a page that stopped responding leaves some unanswered


async def _play(
    mouse: _Input,
    viewport: tuple[int, int],
    control: dict[str, Any] | None,
    main_canvas: dict[str, Any] | None,
    step: Step,
    before_release: Callable[[], Awaitable[None]] | None,
    done: list[tuple[str, asyncio.Future[Any]]],
    world: ArtifactWorld,
) -> list[tuple[str, int]]:

    def did(action: str) -> None:
        # Read when the page gets to it, while the input goes on (not a wait of its own per action).
        done.append((action, owned(world.frames())))

    width, height = viewport
    if control:
        await mouse.click(control["x"], control["y"])
        label = control["text"] or "unlabelled"
        await asyncio.sleep(SETTLE_S)
        # Frames read after the settle: a game the control started has run a few by then.
        did(f"clicked the {'start control' if control['why'] == 'start' else 'largest button'} '{label}'")
    if main_canvas:
        x0, y0, w, h = main_canvas["x"], main_canvas["y"], main_canvas["w"], main_canvas["h"]
        area = "the canvas"
    else:
        x0, y0, w, h = 0, 0, width, height
        area = "the page"
    cx, cy = x0 + w // 2, y0 + h // 2
    await mouse.click(cx, cy)
    did(f"clicked the centre of {area} ({cx}, {cy})")
    for chord in KEYS:
        mouse.keys(chord, down=True)
        await asyncio.sleep(KEY_HOLD_S)
        mouse.keys(chord, down=False)
    did("pressed Enter, Space, the arrow keys and WASD")
    await mouse.move(x0 + w * 0.2, y0 + h * 0.3, steps=2)
    await mouse.move(x0 + w * 0.8, y0 + h * 0.7, steps=4)
    await mouse.move(cx, cy, steps=2)
    mouse.press()
    await mouse.move(cx + w * 0.25, cy - h * 0.15, steps=4)
    await mouse.move(cx - w * 0.2, cy + h * 0.1, steps=4)
    if before_release is not None:
        await before_release()
    mouse.release()
    did(f"moved the pointer across {area} and dragged it")
    # One wait for the input and the frame counts together (a frame apart on a slow WebGL page).
    frames = await step(together(*mouse.sent, *(read for _, read in done)))
    mouse.sent = []
    return [(action, count(n)) for (action, _), n in zip(done, frames[len(frames) - len(done) :], strict=True)]
