"""Act like a player: the bounded input a person trying a page would give it, recorded as it is given."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Frame, Page

from canvasbench.render.page_scripts import START_CONTROL_JS

# Held long enough for a game loop polling key state at 30-60 fps to see the key down.
KEY_HOLD_S = 0.08
KEYS = ("Enter", "Space", "ArrowUp", "ArrowRight", "ArrowDown", "ArrowLeft", "w", "a", "s", "d")
SETTLE_S = 0.3  # after the start control: a title screen's fade or a first frame

Step = Callable[[Awaitable[Any]], Awaitable[Any]]


async def play(page: Page, frame: Frame, main_canvas: dict[str, Any] | None, step: Step) -> list[str]:
    """Click start (or the largest button), click the canvas centre, press keys, move and drag the pointer.

    `step` wraps each browser call (it raises when the page stops responding); returns what was done.
    """
    done: list[str] = []
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[index]
    control = await step(frame.evaluate(START_CONTROL_JS))
    if control:
        await step(page.mouse.click(control["x"], control["y"]))
        label = control["text"] or "unlabelled"
        done.append(f"clicked the {'start control' if control['why'] == 'start' else 'largest button'} '{label}'")
        await asyncio.sleep(SETTLE_S)
    if main_canvas:
        x0, y0, w, h = main_canvas["x"], main_canvas["y"], main_canvas["w"], main_canvas["h"]
        area = "the canvas"
    else:
        x0, y0, w, h = 0, 0, width, height
        area = "the page"
    cx, cy = x0 + w // 2, y0 + h // 2
    await step(page.mouse.click(cx, cy))
    done.append(f"clicked the centre of {area} ({cx}, {cy})")
    for key in KEYS:
        await step(page.keyboard.down(key))
        await asyncio.sleep(KEY_HOLD_S)
        await step(page.keyboard.up(key))
    done.append("pressed Enter, Space, the arrow keys and WASD")
    await step(page.mouse.move(x0 + w * 0.2, y0 + h * 0.3, steps=4))
    await step(page.mouse.move(x0 + w * 0.8, y0 + h * 0.7, steps=8))
    await step(page.mouse.move(cx, cy, steps=4))
    await step(page.mouse.down())
    await step(page.mouse.move(cx + w * 0.25, cy - h * 0.15, steps=8))
    await step(page.mouse.move(cx - w * 0.2, cy + h * 0.1, steps=8))
    await step(page.mouse.up())
    done.append(f"moved the pointer across {area} and dragged it")
    return done
