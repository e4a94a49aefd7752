"""Act like a player: the bounded input a person trying a page would give it, recorded as it is given."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Frame, Page

from canvasbench.render.page_scripts import FRAMES_JS, START_CONTROL_JS

# Held long enough for a game loop polling key state at 30-60 fps to see the key down.
KEY_HOLD_S = 0.08
# Pressed in this order; a direction's arrow and WASD letter are held together (one hold per direction).
KEYS: tuple[tuple[str, ...], ...] = (
    ("Enter",),
    ("Space",),
    ("ArrowUp", "w"),
    ("ArrowRight", "d"),
    ("ArrowDown", "s"),
    ("ArrowLeft", "a"),
)
SETTLE_S = 0.3  # after the start control: a title screen's fade or a first frame

Step = Callable[[Awaitable[Any]], Awaitable[Any]]


async def play(
    page: Page,
    frame: Frame,
    main_canvas: dict[str, Any] | None,
    step: Step,
    before_release: Callable[[], Awaitable[None]] | None = None,
) -> list[tuple[str, int]]:
    """Click start (or the largest button), click the canvas centre, press keys, move and drag the pointer.

    `step` wraps each browser call (it raises when the page stops responding); `before_release` is called
    at the end of the drag with the button still down (a trail that fades is seen while it is there);
    returns what was done, each with the page's animation frame count right after it (which input
    started a page that stood still is read from these).
    """
    done: list[tuple[str, int]] = []

    async def did(action: str) -> None:
        done.append((action, int(await step(frame.evaluate(FRAMES_JS)) or 0)))

    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[index]
    control = await step(frame.evaluate(START_CONTROL_JS))
    if control:
        await step(page.mouse.click(control["x"], control["y"]))
        label = control["text"] or "unlabelled"
        await did(f"clicked the {'start control' if control['why'] == 'start' else 'largest button'} '{label}'")
        await asyncio.sleep(SETTLE_S)
    if main_canvas:
        x0, y0, w, h = main_canvas["x"], main_canvas["y"], main_canvas["w"], main_canvas["h"]
        area = "the canvas"
    else:
        x0, y0, w, h = 0, 0, width, height
        area = "the page"
    cx, cy = x0 + w // 2, y0 + h // 2
    await step(page.mouse.click(cx, cy))
    await did(f"clicked the centre of {area} ({cx}, {cy})")
    for chord in KEYS:
        for key in chord:
            await step(page.keyboard.down(key))
        await asyncio.sleep(KEY_HOLD_S)
        for key in reversed(chord):
            await step(page.keyboard.up(key))
    await did("pressed Enter, Space, the arrow keys and WASD")
    # Few pointer events: each waits for the page to take it, a frame apart on a slow WebGL page.
    await step(page.mouse.move(x0 + w * 0.2, y0 + h * 0.3, steps=2))
    await step(page.mouse.move(x0 + w * 0.8, y0 + h * 0.7, steps=4))
    await step(page.mouse.move(cx, cy, steps=2))
    await step(page.mouse.down())
    await step(page.mouse.move(cx + w * 0.25, cy - h * 0.15, steps=4))
    await step(page.mouse.move(cx - w * 0.2, cy + h * 0.1, steps=4))
    if before_release is not None:
        await before_release()
    await step(page.mouse.up())
    await did(f"moved the pointer across {area} and dragged it")
    return done
