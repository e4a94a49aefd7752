"""How fast render checks go: 50 real-sized pages (100-2,000 lines), a few heavy three.js scenes among them.

Run: .venv/bin/python benchmarks/render_speed.py [--pages 50] [--workers 2]
Prints the wall time, pages per minute, the share of each verdict, how many verdicts disagree with the
corpus labels (speed bought with wrong verdicts is no speed), where the time went, the seconds a page
(median, p90, max) and the slowest pages by name.
The pages are the labelled corpus in tests/render_pages (each grown to a real size with the kind of
helper code and data generated pages carry, which does not change what it should be judged), cycled
until there are enough; every page is checked as `canvasbench check` does (two at a time, each in its
own browser, with the player's input).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import statistics
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


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=[\"']?(?:importmap|application/json))[^>]*>", re.I)


def grown(code: str, lines: int) -> str:
    """The page with helper code added until it has about `lines` lines, without changing what it does.

    The code goes at the start of the page's first inline script (a script that fails to parse still
    fails); a page with none gets it as a data block that does not run (a new script of its own would
    be a program that runs).
    """
    extra = []
    i = 0
    while code.count("\n") + sum(block.count("\n") for block in extra) < lines:
        extra.append(
            HELPER.format(name=f"block {i}", i=i, speed=i % 7 + 1, c1=f"{i * 37 % 4096:03x}", c2="abc", c3="123")
        )
        i += 1
    helpers = "".join(extra)
    first = _INLINE_SCRIPT.search(code)
    if first is not None:
        return code[: first.end()] + helpers + code[first.end() :]
    block = '<script type="application/json">' + json.dumps(helpers.split("\n"), indent=0) + "</script>"
    return code.replace("</body>", block + "</body>", 1) if "</body>" in code else code + block


def labels() -> dict[str, dict[str, object]]:
    """The corpus labels: each page's expected verdict (and facts)."""
    return dict(json.loads((PAGES / "labels.json").read_text(encoding="utf-8")))


def workload(count: int) -> list[tuple[str, str, str]]:
    """(name, kind, code) for `count` pages of 100-2,000 lines, heavy three.js scenes included."""
    expected = labels()
    # Endless loops are left out: they cost their CPU allowance twice by design, not by the checker's speed.
    endless = ("infinite_loop.html", "hangs_after_drawing.html", "endless_loop")
    names = [n for n in expected if "hostile/" not in n and not any(e in n for e in endless)]
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
        phases: collections.Counter[str] = collections.Counter()

        def one(page: tuple[str, str, str]) -> str:
            name, kind, code = page
            started = time.monotonic()
            check = check_artifact(code, kind, limits=limits, engine=engine)
            timings.append((time.monotonic() - started, name, check.verdict))
            phases.update(check.details.get("phase_s") or {})
            return check.verdict

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
    expected = labels()
    wrong = [(name, v) for (name, _, _), v in zip(pages, verdicts, strict=True) if v != expected[name]["verdict"]]
    print(f"verdicts that disagree with tests/render_pages/labels.json: {len(wrong)} of {len(pages)}")
    for name, verdict in wrong:
        print(f"  {name}: {verdict}, labelled {expected[name]['verdict']}")
    total = sum(phases.values()) or 1.0
    print("check time by part (summed over pages; the rest is context start and clean-up):")
    for part, seconds in phases.most_common():
        print(f"  {part:<12} {seconds:6.1f} s  {seconds / total:.0%}")
    seconds = sorted(t for t, _, _ in timings)
    print(
        f"seconds a page (start to verdict, {args.workers} at once): median {_quantile(seconds, 0.5):.1f}, "
        f"p90 {_quantile(seconds, 0.9):.1f}, max {seconds[-1]:.1f}"
    )
    by_name: dict[str, list[float]] = collections.defaultdict(list)
    for t, name, _ in timings:
        by_name[name].append(t)
    print("slowest pages (median of their checks):")
    slowest = sorted(by_name.items(), key=lambda item: -statistics.median(item[1]))[:6]
    for name, times in slowest:
        runs = ", ".join(f"{t:.1f}" for t in sorted(times))
        print(f"  {statistics.median(times):5.1f} s  {name}  ({len(times)} checks: {runs} s)")


def _quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank)."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


if __name__ == "__main__":
    main()
