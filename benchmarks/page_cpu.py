"""How much CPU does the browser's renderer main thread spend on a cold load of a dashboard page, against the
one-line Streamlit app? Thread time, not wall time: it moves little with the machine's load, so two versions of a
page can be compared while other work runs (wall-time ratios move by +-0.2x at load 15; this by a few percent).

    nice .venv/bin/python benchmarks/page_cpu.py /models "Catalogue"
    nice .venv/bin/python benchmarks/page_cpu.py "/comparison?comparison=ID" "Four 2,000" --usable JS --loads 7
    nice .venv/bin/python benchmarks/page_cpu.py /metrics "Per contestant" --against ../other-checkout

Each load opens a new browser context, traces it (Chrome's "toplevel" category) from navigation until the page's
text is there and it is usable (as page_load.py waits), and sums the thread time (`tdur`) of the top-level tasks
of the renderer main thread that drew the page. The floor (or --against's app) is loaded in turn with this app.
The databases are page_load.py's (--db, default /tmp/plw/dbs/bench-normal.db; build them with its --keep).
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from page_load import DONE, FloorServer  # noqa: E402
from playwright import sync_api  # noqa: E402

import tests.browser_helpers as helpers  # noqa: E402
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer  # noqa: E402

TASKS = ("ThreadControllerImpl::RunTask", "RunTask")


def renderer_cpu_ms(browser: Any, url: str, paint: str, usable: str) -> float:
    """Thread-time ms of the busiest renderer main thread over one cold load of `url` until it is usable."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    browser.start_tracing(page=page, categories=["toplevel"])
    page.goto(url, wait_until="commit")
    page.wait_for_function(f"document.body && document.body.innerText.includes({paint!r})", timeout=60_000, polling=50)
    page.wait_for_function(f"({DONE})() && ({usable})", timeout=60_000, polling=50)
    events = json.loads(browser.stop_tracing())["traceEvents"]
    context.close()
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    per_process: collections.Counter[int] = collections.Counter()
    for e in events:
        task = e.get("ph") == "X" and e.get("name") in TASKS and "tdur" in e
        if task and names.get((e["pid"], e["tid"])) == "CrRendererMain":
            per_process[e["pid"]] += e["tdur"] / 1000
    # The page's renderer; a spare renderer the browser starts beside it is not the page's work.
    return max(per_process.values(), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="the page's path and query, e.g. /metrics")
    parser.add_argument("paint", help="text of the page's own that shows it has drawn (not the sidebar's)")
    parser.add_argument("--usable", default="true", help="JS condition for usable, as page_load.py's measure()")
    parser.add_argument("--db", type=Path, default=Path("/tmp/plw/dbs/bench-normal.db"))
    parser.add_argument("--loads", type=int, default=6)
    parser.add_argument("--against", type=Path, help="another checkout whose app is loaded in turn with this one")
    args = parser.parse_args()
    if not args.db.exists():
        parser.error(f"no database at {args.db}: build it with benchmarks/page_load.py --keep {args.db.parent}")
    tmp = Path(tempfile.mkdtemp(prefix="cb-cpu-"))
    env = {"CANVASBENCH_DB": str(args.db), "CANVASBENCH_PRICES": str(tmp / "p.toml")}
    if args.against:
        helpers.ROOT = args.against.resolve()  # AppServer runs the app of the checkout ROOT names
        other: AppServer = AppServer({**env, "PYTHONPATH": str(helpers.ROOT)}, log=tmp / "other.log")
        helpers.ROOT = ROOT
    else:
        (tmp / "floor.py").write_text('import streamlit as st\nst.write("hello")\n')
        other = FloorServer(tmp / "floor.py", tmp / "floor.log")
    ours = AppServer({**env, "PYTHONPATH": str(ROOT)}, log=tmp / "ours.log")
    them = (args.path, args.paint, args.usable) if args.against else ("/", "hello", "true")
    try:
        other.wait_ready()
        ours.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ours_ms, theirs_ms = [], []
            for i in range(args.loads + 1):  # the first pair warms the servers' caches
                pair = [(ours, (args.path, args.paint, args.usable), ours_ms), (other, them, theirs_ms)]
                for server, (path, paint, usable), out in pair if i % 2 else reversed(pair):
                    ms = renderer_cpu_ms(browser, server.url + path, paint, usable)
                    if i:
                        out.append(ms)
            browser.close()
    finally:
        ours.stop()
        other.stop()
    mine, base = statistics.median(ours_ms), statistics.median(theirs_ms)
    what = f"the app at {args.against}" if args.against else "the one-line floor"
    print(f"{args.path}: renderer main-thread CPU, median of {args.loads} cold loads: {mine:.0f} ms; "
          f"{what}: {base:.0f} ms; ratio {mine / base:.2f}")  # fmt: skip
    print(f"  this app: {' '.join(f'{v:.0f}' for v in ours_ms)}\n  other:    {' '.join(f'{v:.0f}' for v in theirs_ms)}")


if __name__ == "__main__":
    main()
