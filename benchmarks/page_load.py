"""How long do the dashboard's pages take to paint and to become usable in a real browser, against a
one-line Streamlit app on the same machine as the floor? Median of 5 cold loads each.

    .venv/bin/python benchmarks/page_load.py            # about 3 minutes on 2 cores
    .venv/bin/python benchmarks/page_load.py --runs 3

A fresh database gets 12 comparisons of 3 to 8 models and one comparison of four 2,000-line outputs. Each
load opens a new browser context (no cache, no session) and measures from navigation start:
  paint  - the page's own first text is on screen (the floor app: its one line);
  usable - the script has finished (no running indicator, no skeletons) and the page's main content is
           there (for a comparison: every preview frame attached).
The floor is `st.write("hello")` served by the same Streamlit. Targets from issue 13: paint within 1.5x
the floor, usable within 2.5x; the four-model comparison usable in under 2 s on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright import sync_api  # noqa: E402

from canvasbench.providers.catalogue import known_models  # noqa: E402
from canvasbench.store import RunStore  # noqa: E402
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer, free_port, seed_comparison  # noqa: E402

DONE = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
)


def _page_of(lines: int) -> str:
    body = "".join(f"  ctx.fillRect({i % 600}, {(i * 7) % 380}, 3, 3); // step {i}\n" for i in range(lines - 8))
    return (
        "<!doctype html><html><body><canvas id=c width=640 height=400></canvas><script>\n"
        "const ctx = document.getElementById('c').getContext('2d');\nctx.fillStyle = '#2563eb';\n"
        f"{body}</script></body></html>"
    )


def build(db: Path) -> dict[str, str]:
    """The benchmark database; returns the ids of the pages to load."""
    store = RunStore(db)
    models = [m.model_id for m in known_models()]
    for i in range(12):
        seed_comparison(store, title=f"Comparison {i}", models=models[: 3 + i % 6])
    big, _ = seed_comparison(
        store, title="Four 2,000-line outputs", models=models[:4], artifacts=[("html", _page_of(2000))] * 4
    )
    return {"big": big}


class FloorServer(AppServer):
    """The one-line app, served like ours."""

    def __init__(self, script: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def load(browser: object, url: str, paint_text: str, usable: str) -> tuple[float, float]:
    """(paint s, usable s) of one cold load in a new context."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        start = time.monotonic()
        page.goto(url, wait_until="commit")
        page.get_by_text(paint_text, exact=False).first.wait_for(timeout=60_000)
        paint = time.monotonic() - start
        page.wait_for_function(DONE + f" && ({usable})", timeout=60_000, polling=50)
        return paint, time.monotonic() - start
    finally:
        context.close()


def open_from_gallery(browser: object, url: str, comparison_id: str, usable: str) -> float:
    """Seconds from clicking a comparison's Open link on a loaded gallery until that comparison is usable."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        link = page.locator(f'a[href*="comparison={comparison_id}"]').first
        link.wait_for(timeout=60_000)
        page.wait_for_function(DONE, timeout=60_000, polling=50)
        start = time.monotonic()
        link.click()
        page.wait_for_function(
            DONE + f" && location.search.includes({comparison_id!r}) && ({usable})", timeout=60_000, polling=50
        )
        return time.monotonic() - start
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cb-pageload-"))
    ids = build(tmp / "bench.db")
    floor_script = tmp / "floor.py"
    floor_script.write_text('import streamlit as st\nst.write("hello")\n')
    env = {"CANVASBENCH_DB": str(tmp / "bench.db"), "CANVASBENCH_PRICES": str(tmp / "p.toml")}
    ours, floor = AppServer(env, log=tmp / "app.log"), FloorServer(floor_script, tmp / "floor.log")
    frames4 = "document.querySelectorAll('iframe').length >= 4"
    pages = [
        ("floor: st.write('hello')", floor, "/", "hello", "true"),
        ("gallery", ours, "/", "Four 2,000-line", "document.querySelectorAll('a[href*=\"?comparison=\"]').length >= 8"),
        ("comparison, 4 x 2,000 lines", ours, f"/comparison?comparison={ids['big']}", "Four 2,000-line", frames4),
        ("comparison code view", ours, f"/comparison?comparison={ids['big']}&view=code", "Four 2,000-line",
         "document.querySelectorAll('iframe').length >= 1"),
        ("new comparison", ours, "/new_comparison", "Launch", "true"),
        ("metrics", ours, "/metrics", "Per model", "document.querySelectorAll('.js-plotly-plot').length >= 1"),
        ("models", ours, "/models", "Models", "true"),
    ]  # fmt: skip
    try:
        ours.wait_ready()
        floor.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            results = {}
            for name, server, path, paint_text, usable in pages:
                try:
                    load(browser, server.url + path, paint_text, usable)  # the first visit warms the server's caches
                    times = [load(browser, server.url + path, paint_text, usable) for _ in range(args.runs)]
                except sync_api.TimeoutError:
                    print(f"{name}: did not become usable within 60 s", file=sys.stderr)
                    continue
                results[name] = (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))
                print(f"{name}: {results[name][0]:.2f} / {results[name][1]:.2f} s", file=sys.stderr)
            open_from_gallery(browser, ours.url + "/", ids["big"], frames4)
            opened = statistics.median(
                open_from_gallery(browser, ours.url + "/", ids["big"], frames4) for _ in range(args.runs)
            )
            print(f"open the 4 x 2,000-line comparison from the gallery: {opened:.2f} s", file=sys.stderr)
            browser.close()
    finally:
        ours.stop()
        floor.stop()
    floor_paint, floor_usable = results["floor: st.write('hello')"]
    print(f"median of {args.runs} cold loads (new browser context each), 1440x900, seconds")
    print(f"{'page':<30} {'paint':>7} {'x floor':>8} {'usable':>7} {'x floor':>8}")
    for name, (paint, usable) in results.items():
        print(f"{name:<30} {paint:7.2f} {paint / floor_paint:8.2f} {usable:7.2f} {usable / floor_usable:8.2f}")
    print(f"opening the 4 x 2,000-line comparison from the gallery (click to usable, median): {opened:.2f} s")


if __name__ == "__main__":
    main()
