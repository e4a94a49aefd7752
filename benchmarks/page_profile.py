"""Where does a cold load of one dashboard page spend the browser's time? A CPU profile through the Chrome
DevTools protocol, summed by script, beside the script bytes fetched, for a page and for the floor app.

    nice .venv/bin/python benchmarks/page_profile.py /metrics --size 10000 --db /tmp/cb-10000.db

The database is built as `page_load.py` builds it (kept at --db, reused when it exists).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from page_load import DONE, GRIDS, FloorServer, build, charts_drawn  # noqa: E402
from playwright import sync_api  # noqa: E402

from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer  # noqa: E402

HELLO = "document.body.innerText.includes('hello')"
USABLE = {
    "/metrics": f"{charts_drawn(1)} && {GRIDS}",
    "/leaderboard": f"{charts_drawn(2)} && {GRIDS}",
    # As page_load.py waits for them: the cards' (the matrix cells') links to their comparisons.
    "/": "document.querySelectorAll('a[href*=\"?comparison=\"]').length >= 8",
    "/matrix": "document.querySelectorAll('a[href*=\"?comparison=\"]').length >= 8",
}


def profile(browser: Any, url: str, usable: str) -> tuple[float, dict[str, float], dict[str, int]]:
    """(s to usable, self ms per script, bytes per script) of one cold load with the CPU profiler on."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    sizes: dict[str, int] = collections.Counter()

    def on_response(resp: Any) -> None:
        if resp.request.resource_type == "script":
            with contextlib.suppress(Exception):  # a body gone with its page
                sizes[resp.url.rsplit("/", 1)[-1]] += len(resp.body())

    page.on("response", on_response)
    cdp = context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 500})
    cdp.send("Profiler.start")
    start = time.monotonic()
    page.goto(url, wait_until="commit")
    page.wait_for_function(f"{DONE} && ({usable})", timeout=120_000, polling=50)
    took = time.monotonic() - start
    prof = cdp.send("Profiler.stop")["profile"]
    context.close()
    nodes = {n["id"]: n for n in prof["nodes"]}
    deltas = collections.Counter[int]()
    for sample, dt in zip(prof["samples"], prof["timeDeltas"], strict=True):
        deltas[sample] += dt
    by_script: dict[str, float] = collections.Counter()
    for node_id, us in deltas.items():
        frame = nodes[node_id]["callFrame"]
        name = frame["url"].rsplit("/", 1)[-1] or f"({frame['functionName'] or 'native'})"
        by_script[name] += us / 1000
    return took, by_script, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="the page's path and query, e.g. /metrics")
    parser.add_argument("--size", default="normal", choices=["normal", "10000"])
    parser.add_argument("--db", type=Path, help="where to keep the benchmark database (built when missing)")
    parser.add_argument("--loads", type=int, default=2)
    parser.add_argument("--usable", help="JS condition for usable (default: the benchmark's for the page)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cb-profile-"))
    db = args.db or tmp / "bench.db"
    if not db.exists():
        build(db, bulk=1000 if args.size == "10000" else 0)
    (tmp / "floor.py").write_text('import streamlit as st\nst.write("hello")\n')
    floor = FloorServer(tmp / "floor.py", tmp / "floor.log")
    ours = AppServer({"CANVASBENCH_DB": str(db), "CANVASBENCH_PRICES": str(tmp / "p.toml")}, log=tmp / "app.log")
    usable = args.usable or USABLE.get(args.path.split("?")[0], "true")
    try:
        floor.wait_ready()
        ours.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            profile(browser, ours.url + args.path, usable)  # warm the server's caches
            for _ in range(args.loads):
                f_took, f_cpu, f_bytes = profile(browser, floor.url, HELLO)
                took, cpu, sizes = profile(browser, ours.url + args.path, usable)
                floor_js, page_js = sum(f_bytes.values()) / 1e6, sum(sizes.values()) / 1e6
                f_busy, busy = (sum(c.values()) - c.get("((idle))", 0) for c in (f_cpu, cpu))
                # Busy main-thread time (all but idle) moves much less with the machine's load than seconds do.
                print(f"\nfloor {f_took:.2f} s, busy {f_busy:.0f} ms, js {floor_js:.2f} MB | page "
                      f"{took:.2f} s ({took / f_took:.2f}x), busy {busy:.0f} ms ({busy / f_busy:.2f}x), "
                      f"js {page_js:.2f} MB, {len(sizes)} scripts (floor {len(f_bytes)})")  # fmt: skip
                extra = sorted(((v, k) for k, v in sizes.items() if k not in f_bytes), reverse=True)
                print("  scripts beyond the floor's:", ", ".join(f"{k} {v / 1e3:.0f}k" for v, k in extra[:25]))
                for name, ms in sorted(cpu.items(), key=lambda kv: -kv[1])[:14]:
                    print(f"  {ms:7.0f} ms  {name}  (floor {f_cpu.get(name, 0):.0f})")
            browser.close()
    finally:
        ours.stop()
        floor.stop()


if __name__ == "__main__":
    main()
