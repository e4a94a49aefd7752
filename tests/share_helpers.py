"""Comparisons for the share tests: four 2,000-line pages with their libraries, and one full of leaks to scrub."""

from __future__ import annotations

import io
import json
from pathlib import Path

from canvasbench.store import RunStore, writes
from tests.arena_helpers import finished_comparison
from tests.fakes.behaviour import long_page

PAGES = Path(__file__).resolve().parent / "render_pages"
LINES = 2000

P5_SKETCH = """<!doctype html>
<html><head><meta charset="utf-8"><title>p5 orbit</title>
<script src="https://cdn.jsdelivr.net/npm/p5@1.11.3/lib/p5.js"></script></head>
<body style="margin:0;background:#000">
<script>
function setup() { createCanvas(windowWidth, windowHeight); noStroke(); }
function draw() {
  background(10, 20, 50);
  for (let i = 0; i < 12; i++) {
    fill(40 + i * 18, 120, 255 - i * 15);
    circle(width / 2 + cos(frameCount / 40 + i) * 200, height / 2 + sin(frameCount / 40 + i) * 150, 60);
  }
}
</script>
</body></html>
"""


def padded(page: str, lines: int = LINES) -> str:
    """A page grown to `lines` lines by a data table its scripts never read (as long generations carry)."""
    missing = max(0, lines - page.count("\n") - 3)
    rows = "".join(f"  [{i}, {(i * 37) % 500}, {(i * 11) % 360}],\n" for i in range(missing))
    return page.replace("</body>", f"<script>\nwindow.cbTable = [\n{rows}];\n</script>\n</body>", 1)


def four_long_pages() -> list[str]:
    """Four 2,000-line outputs: a plain canvas, three.js by import map, three.js r128's global build, p5."""
    return [
        long_page(LINES),
        padded((PAGES / "three_importmap.html").read_text(encoding="utf-8")),
        padded((PAGES / "three_umd.html").read_text(encoding="utf-8")),
        padded(P5_SKETCH),
    ]


def scene(seed: int) -> bytes:
    """A 1280×800 PNG like a render check's screenshot of a scene: a gradient, shapes, anti-aliased edges."""
    from PIL import Image, ImageDraw

    image = Image.linear_gradient("L").resize((1280, 800)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 97 + seed * 131) % 1280, (i * 53 + seed * 71) % 800
        draw.ellipse((x, y, x + 40 + i * 3, y + 30 + i * 2), fill=((i * 40 + seed * 60) % 256, 120, 255 - i * 5))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def long_comparison(store: RunStore) -> tuple[str, list[str]]:
    """A finished comparison of four models with the four long pages, each checked with its three screenshots."""
    models = ["openai:alpha", "gemini:bravo", "anthropic:charlie", "openai:delta"]
    pages = four_long_pages()
    cid, run_ids = finished_comparison(store, models, pages, screenshots=True)
    with store.write():
        for i, (run_id, page) in enumerate(zip(run_ids, pages, strict=True)):
            # Streamed over 20-60 s in 100 even steps, as the runner's timeline stores it: the replay has it.
            timeline = [[1.0 + i + k * (0.2 + 0.2 * i), len(page) * k // 100, page.count("\n") * k // 100]
                        for k in range(101)]  # fmt: skip
            store.db.execute("UPDATE runs SET response = ?, timeline = ?, ttft_s = ?, latency_s = ? WHERE id = ?",
                             [page, json.dumps(timeline), 1.0 + i, timeline[-1][0], run_id])  # fmt: skip
            store.db.execute("UPDATE render_checks SET screenshot = ?, shot_load = ?, shot_watch = ?, shot_input = ? "
                             "WHERE run_id = ?", [scene(i), scene(i), scene(i + 10), scene(i + 20), run_id])
    return cid, run_ids


def store_vote_and_judgment(store: RunStore, comparison_id: str, run_ids: list[str], *, reason: str,
                            voter: str | None) -> None:
    """A vote (with the voter's name) and a judge score with its reason, as the arena and judge store them."""
    writes.insert_vote(store, comparison_id, run_ids[0], run_ids[1], "left", voter)
    writes.insert_judgment(store, {
        "id": "j-" + run_ids[0], "comparison_id": comparison_id, "mode": "score", "run_id": run_ids[0],
        "judge_model": "gemini:judge", "prompt_version": 1, "status": "ok", "overall": 8, "reason": reason,
        "created_at": "2026-12-01T10:00:00Z",
    })
