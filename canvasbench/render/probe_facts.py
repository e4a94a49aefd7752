"""What the page's probe reports, made safe to use: the probe reads the page's DOM, which the page writes.

The probe runs in an isolated world (render/world.py), so the page cannot patch what it calls, but the page
still sets what it finds (a title, text, the counts its init script keeps), so every value could be of any type
or size. Whatever is not what the check expects reads as "nothing seen"
(0, None, ""), so a hostile page can blur its own facts but never break the check or bloat what is stored.
Screenshots, errors and CPU time, which decide the verdict, are taken outside the page.
"""

from __future__ import annotations

import math
from typing import Any

MAX_COUNT = 10**9
MAX_TEXT = 200
MAX_TITLE = 32_000  # a page's title: any real one (a test sends a 17.7 kB fingerprint through it), not a megabyte
MAX_ITEMS = 20


def count(value: object) -> int:
    """A non-negative whole number the page reported, else 0."""
    number = quantity(value)
    return int(min(number, MAX_COUNT)) if number is not None else 0


def quantity(value: object) -> float | None:
    """A finite non-negative number the page reported, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def text(value: object, limit: int = MAX_TEXT) -> str:
    """A string the page reported, cut to `limit` characters, else ""."""
    return value[:limit] if isinstance(value, str) else ""


def _covers(value: object) -> list[list[int]] | None:
    if not isinstance(value, list):
        return None
    boxes = [[count(part) for part in box[:4]] for box in value[:MAX_ITEMS] if isinstance(box, list) and len(box) == 4]
    return boxes if len(boxes) == len(value) else None  # a box it could not read: judge the canvas whole


def _canvas(value: object) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    box = {key: count(value.get(key)) for key in ("x", "y", "w", "h")}
    if not box["w"] or not box["h"]:
        return None
    context = value.get("context")
    return {
        **box,
        "context": text(context, 40) or None,
        "never_drawn_on": value.get("never_drawn_on") is True,
        "covers": _covers(value.get("covers")),
    }


def _control(value: object) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {
        "x": quantity(value.get("x")) or 0.0,  # the probe clamps a control's centre into the viewport
        "y": quantity(value.get("y")) or 0.0,
        "area": quantity(value.get("area")) or 0.0,
        "text": text(value.get("text"), 60),
        "why": text(value.get("why"), 20),
    }


_COUNTS = ("frames", "canvases", "svg_shapes", "elements", "text_chars", "own_scripts", "input_listeners")


def clean_probe(raw: object) -> dict[str, Any]:
    """The probe's report with every field of the type the check reads, and nothing else."""
    facts = raw if isinstance(raw, dict) else {}
    contexts = facts.get("contexts")
    scripts = facts.get("local_scripts")
    kinds = list(contexts.items())[:MAX_ITEMS] if isinstance(contexts, dict) else []
    return {
        **{key: count(facts.get(key)) for key in _COUNTS},
        "contexts": {text(kind, 40): count(n) for kind, n in kinds if text(kind, 40)},
        "main_canvas": _canvas(facts.get("main_canvas")),
        "title": text(facts.get("title"), MAX_TITLE),
        "local_scripts": [text(s, 300) for s in scripts[:10] if text(s, 300)] if isinstance(scripts, list) else [],
        "top_is_self": facts.get("top_is_self") is True,
        "quiet": facts.get("quiet") is True,
        "start_control": _control(facts.get("start_control")),
        "first_paint_ms": quantity(facts.get("first_paint_ms")),
        "load_ms": quantity(facts.get("load_ms")),
    }
