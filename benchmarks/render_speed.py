"""How fast render checks go: 50 real-sized pages (100-2,000 lines), a few heavy three.js scenes among them.

Run: .venv/bin/python benchmarks/render_speed.py [--pages 50] [--workers 2]
Prints the wall time, pages per minute, the share of each verdict and the slowest pages. The pages
are the labelled corpus in tests/render_pages (each grown to a real size with the kind of helper
code and data generated pages carry), cycled until there are enough; every page is checked as
`canvasbench check` does (two at a time, each in its own browser, with the player's input).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from canvasbench.render import CheckLimits, RenderEngine, check_artifact

PAGES = Path(__file__).resolve().parent.parent / "tests" / "render_pages"
HEAVY = ("three_importmap.html", "three_umd.html", "corpus/heavy_webgl.html", "corpus/three_old_jsm.html")

HELPER = """
// --- {name}: helper generated pages carry (config tables, small utilities) ---
const CONFIG_{i} = {{ id: {i}, label: 'level {i}', speed: {speed}, colours: ['#{c1}', '#{c2}', '#{c3}'] }};
function clamp{i}(value, low, high) {{
  // keep values in range
  return Math.min(high, Math.max(low, value));
}}
function lerp{i}(a, b, t) {{
  return a + (b - a) * clamp{i}(t, 0, 1);
}}
"""


def grown(code: str, lines: int) -> str:
    """The page with helper code added before </body> until it has about `lines` lines."""
    extra = []
    i = 0
    while code.count("\n") + sum(block.count("\n") for block in extra) < lines:
        extra.append(
            HELPER.format(name=f"block {i}", i=i, speed=i % 7 + 1, c1=f"{i * 37 % 4096:03x}", c2="abc", c3="123")
        )
        i += 1
    script = "<script>" + "".join(extra) + "</script>"
    return code.replace("</body>", script + "</body>", 1) if "</body>" in code else code + script


def workload(count: int) -> list[tuple[str, str, str]]:
    """(name, kind, code) for `count` pages of 100-2,000 lines, heavy three.js scenes included."""
    labels = json.loads((PAGES / "labels.json").read_text(encoding="utf-8"))
    # Endless loops are left out: they cost their CPU allowance twice by design, not by the checker's speed.
    endless = ("infinite_loop.html", "hangs_after_drawing.html", "endless_loop")
    names = [n for n in labels if "hostile/" not in n and not any(e in n for e in endless)]
    names = [*HEAVY, *[n for n in names if n not in HEAVY]]
    pages = []
    for k in range(count):
        name = names[k % len(names)]
        code = (PAGES / name).read_text(encoding="utf-8")
        kind = "svg" if name.endswith(".svg") else "html"
        size = 100 + (k * 389) % 1900
        pages.append((name, kind, grown(code, size) if kind == "html" else code))
    return pages


def _load() -> str:
    """The 1-, 5- and 15-minute load averages (speed figures mean little without them)."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    pages = workload(args.pages)
    load_before = _load()
    engine = RenderEngine(max_concurrent=args.workers)
    limits = CheckLimits()
    try:
        check_artifact("<p>warm up</p>", "html", limits=limits, engine=engine)  # browser start is not a page
        timings: list[tuple[float, str, str]] = []

        def one(page: tuple[str, str, str]) -> str:
            name, kind, code = page
            started = time.monotonic()
            verdict = check_artifact(code, kind, limits=limits, engine=engine).verdict
            timings.append((time.monotonic() - started, name, verdict))
            return verdict

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            verdicts = list(pool.map(one, pages))
        wall = time.monotonic() - started
    finally:
        engine.close()
    lines = [code.count("\n") + 1 for _, _, code in pages]
    print(f"load average before / after: {load_before} / {_load()}")
    print(f"{len(pages)} pages ({min(lines)}-{max(lines)} lines), {args.workers} at a time: {wall:.1f} s")
    print(f"pages per minute: {len(pages) / wall * 60:.1f}")
    for verdict, n in collections.Counter(verdicts).most_common():
        print(f"  {verdict:<20} {n:3d}  {n / len(pages):.0%}")
    print("slowest:")
    for seconds, name, verdict in sorted(timings, reverse=True)[:5]:
        print(f"  {seconds:5.1f} s  {name}  ({verdict})")


if __name__ == "__main__":
    main()
