"""The probe's report is read as the check expects whatever the page put in it (the page can reach the probe)."""

from __future__ import annotations

import math

from canvasbench.render.probe_facts import MAX_TITLE, clean_probe


def test_a_truthful_report_reads_as_it_was_sent() -> None:
    report = {
        "frames": 58, "contexts": {"webgl2": 1}, "canvases": 1, "svg_shapes": 0, "title": "Orbits",
        "main_canvas": {"x": 0, "y": 0, "w": 1280, "h": 800, "context": "webgl2", "never_drawn_on": False,
                        "covers": [[10, 10, 200, 40]]},
        "elements": 3, "text_chars": 12, "own_scripts": 1, "local_scripts": ["physics.js"], "input_listeners": 2,
        "top_is_self": False, "quiet": False, "start_control": {"x": 640, "y": 400, "area": 9000.0,
                                                                 "text": "Start", "why": "start"},
        "first_paint_ms": 120.5, "load_ms": 310.0,
    }  # fmt: skip
    assert clean_probe(report) == report


def test_lies_of_any_type_read_as_nothing_seen_and_nothing_bulky() -> None:
    lies = {
        "frames": "lots", "canvases": math.inf, "svg_shapes": -4, "elements": True, "text_chars": math.nan,
        "contexts": {"k" * 100_000: "many", "2d": math.inf, "webgl": 2},
        "main_canvas": {"x": "0", "y": None, "w": math.inf, "h": 800, "context": ["webgl"], "covers": [[1, 2]]},
        "title": "T" * 1_000_000, "local_scripts": "a.js", "top_is_self": "yes", "quiet": 1,
        "start_control": {"x": math.nan, "y": -20, "text": {"a": 1}}, "first_paint_ms": "soon", "load_ms": -1,
    }  # fmt: skip
    seen = clean_probe(lies)
    assert [seen[k] for k in ("frames", "canvases", "svg_shapes", "elements", "text_chars")] == [0, 0, 0, 0, 0]
    assert seen["contexts"] == {"k" * 40: 0, "2d": 0, "webgl": 2}
    assert seen["main_canvas"] is None  # no width it could read: no main canvas
    assert len(seen["title"]) == MAX_TITLE and seen["local_scripts"] == []
    assert seen["top_is_self"] is False and seen["quiet"] is False
    assert seen["start_control"] == {"x": 0.0, "y": 0.0, "area": 0.0, "text": "", "why": ""}
    assert seen["first_paint_ms"] is None and seen["load_ms"] is None
    assert clean_probe(None)["frames"] == 0 and clean_probe(["not", "a", "dict"])["main_canvas"] is None
