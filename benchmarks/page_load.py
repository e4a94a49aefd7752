"""How long do the dashboard's pages take to paint and to become usable in a real browser, against a
one-line Streamlit app on the same machine as the floor? Median of 5 cold loads each.

    nice .venv/bin/python benchmarks/page_load.py                 # normal size, then 10,000 runs
    nice .venv/bin/python benchmarks/page_load.py --runs 3 --sizes normal

Two databases: "normal" gets 12 comparisons of 3 to 8 models, one comparison of four 2,000-line outputs
(render-checked in headless Chromium, as every finished run is) and a vote on each comparison; "10,000 runs"
adds 1,000 comparisons of the ten catalogue models with a vote each. Each load opens a new browser context
(no cache, no session) and measures from navigation start:
  paint  - the page's own first text is on screen (the floor app: its one line);
  usable - the script has finished (no running indicator, no skeletons) and the page's main content is
           there, charts included: every chart the page shows is there (SVG drawn on the server), every data grid
           its canvas, every preview frame is attached. The comparison is also timed until its four
           artifacts have loaded in their sandboxed frames (their scripts have run).
The timeline rows time a click on the comparison's "Timeline" view (on a loaded page) until its chart has
drawn. The floor is `st.write("hello")` served by the same Streamlit, loaded between each two
loads of ours so that both see the same load on a shared machine. Targets (issue 21): every page usable,
charts included, within 1.5x the floor, at either size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright import sync_api  # noqa: E402

from canvasbench.providers.catalogue import known_models  # noqa: E402
from canvasbench.render import RenderCheckPool  # noqa: E402
from canvasbench.store import RunStore, reads, writes  # noqa: E402
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer, free_port, seed_comparison  # noqa: E402

DONE = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
)


def charts_drawn(count: int) -> str:
    """JS: at least `count` of our charts are in the page (server-drawn SVG: drawn once their element is)."""
    return f"document.querySelectorAll('figure.cb-chart svg').length >= {count}"


GRIDS = "[...document.querySelectorAll('[data-testid=\"stDataFrame\"]')].every(g => g.querySelector('canvas'))"


def _page_of(lines: int) -> str:
    body = "".join(f"  ctx.fillRect({i % 600}, {(i * 7) % 380}, 3, 3); // step {i}\n" for i in range(lines - 8))
    return (
        "<!doctype html><html><body><canvas id=c width=640 height=400></canvas><script>\n"
        "const ctx = document.getElementById('c').getContext('2d');\nctx.fillStyle = '#2563eb';\n"
        f"{body}</script></body></html>"
    )


def _vote(store: RunStore, comparison_id: str, run_ids: list[str], i: int) -> None:
    writes.insert_vote(store, comparison_id, run_ids[i % len(run_ids)], run_ids[(i + 1) % len(run_ids)],
                       ("left", "right", "tie")[i % 3], None)  # fmt: skip


def build(db: Path, bulk: int = 0) -> dict[str, str]:
    """The benchmark database (plus `bulk` comparisons of ten models each); returns the ids of pages to load."""
    store = RunStore(db)
    models = [m.model_id for m in known_models()]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(bulk):
        cid, runs = seed_comparison(store, title=f"Bulk {i}", category=("canvas", "svg", "game")[i % 3],
                                    models=models, created=start + timedelta(minutes=i))  # fmt: skip
        _vote(store, cid, runs, i)
    for i in range(12):
        cid, runs = seed_comparison(store, title=f"Comparison {i}", models=models[: 3 + i % 6])
        _vote(store, cid, runs, i)
    big, big_runs = seed_comparison(
        store, title="Four 2,000-line outputs", models=models[:4], artifacts=[("html", _page_of(2000))] * 4
    )
    # Every finished run is checked in real use: its column shows the verdict and its details (screenshots).
    pool = RenderCheckPool(store.path, workers=2)
    try:
        for future in [pool.submit(run_id) for run_id in big_runs]:
            future.result()
    finally:
        pool.shutdown()
    return {"big": big}


def _kept(db: Path, ids_file: Path) -> dict[str, str] | None:
    """The ids of a kept database's pages, or None when it must be built again (missing, or its big comparison
    deleted since: its page would only say "No comparison with id ...", and never become usable)."""
    if not (db.exists() and ids_file.exists()):
        return None
    return _ids(db, ids_file.read_text().strip())


def _ids(db: Path, big: str) -> dict[str, str] | None:
    """The big comparison's id and its first run's (the run page), or None when the comparison is gone."""
    detail = reads.comparison_detail(RunStore(db), big)
    return {"big": big, "run": detail["runs"][0]["id"]} if detail else None


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


def _artifacts_loaded(page: sync_api.Page, count: int) -> bool:
    """Whether `count` previews' artifacts (frames two below the page: app, wrapper, artifact) have loaded."""
    inner = [f for f in page.frames if f.parent_frame is not None and f.parent_frame.parent_frame is not None]
    try:
        return len(inner) >= count and all(f.evaluate("document.readyState") == "complete" for f in inner)
    except sync_api.Error:  # a frame went away or is still being set up
        return False


def load(browser: object, url: str, paint_text: str, usable: str, artifacts: int = 0) -> tuple[float, float]:
    """(paint s, usable s) of one cold load in a new context, from navigation start, as the page's clock saw them.

    Both moments are polled in the page every 50 ms and stamped with its own `performance.now()`. Not
    `locator.wait_for`: Playwright polls that at growing intervals (0, 20, 100, 100, 500 ms, ...), so text that
    arrived 60 ms after the wait began was seen up to 0.45 s late, a delay that fell on some loads and not others.
    """
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        painted = f"document.body && document.body.innerText.includes({paint_text!r}) ? performance.now() : 0"
        paint = page.wait_for_function(painted, timeout=60_000, polling=50).json_value()
        ready = f"({DONE})() && ({usable}) ? performance.now() : 0"
        usable_at = page.wait_for_function(ready, timeout=60_000, polling=50).json_value()
        if artifacts:  # then until that many artifacts have loaded in their frames (their scripts have run)
            give_up = time.monotonic() + 60
            while not _artifacts_loaded(page, artifacts):
                if time.monotonic() > give_up:
                    raise sync_api.TimeoutError(f"{artifacts} artifacts did not load within 60 s")
                page.wait_for_timeout(50)
            usable_at = page.evaluate("performance.now()")
        return paint / 1000, usable_at / 1000
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


def toggle_timeline(browser: object, url: str) -> tuple[float, float]:
    """(s from navigation until usable, s from clicking the Timeline view until its chart has drawn)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        start = time.monotonic()
        page.goto(url, wait_until="commit")
        # The views are links (ui/view_links.py): the click loads the page's timeline view.
        toggle = page.locator('nav[aria-label="Views"]').get_by_role("link", name="Timeline", exact=True)
        toggle.wait_for(timeout=60_000)
        page.wait_for_function(DONE + f" && {FRAMES4}", timeout=60_000, polling=50)
        loaded = time.monotonic() - start
        start = time.monotonic()
        toggle.click()
        page.wait_for_url("**view=timeline", timeout=60_000)
        page.wait_for_function(DONE + " && " + charts_drawn(1), timeout=60_000, polling=50)
        return loaded, time.monotonic() - start
    finally:
        context.close()


FRAMES4 = "document.querySelectorAll('iframe').length >= 4"


# Median paint, usable; the floor's, loaded in between; the median of each load's usable over the floor load beside
# it (steadier than the ratio of the medians when the machine's load changes between pairs), and the first and third
# quartiles of those ratios: how far one run of the benchmark can be from another.
Result = tuple[float, float, float, float, float, float, float]
Pair = tuple[tuple[float, float], tuple[float, float]]  # (floor's (paint, usable), ours)


def _pair(floor: Callable[[], tuple[float, float]], ours: Callable[[], tuple[float, float]], i: int) -> Pair:
    """One load of each, the floor first on even pairs and ours first on odd ones: neither always follows the other
    (a page's leftover work, or the machine's, then falls on both alike)."""
    if i % 2:
        mine = ours()
        return floor(), mine
    return floor(), ours()


def _result(pairs: list[Pair]) -> Result:
    """The medians of a page's pairs of loads, and the quartiles of its usable ratios."""
    ratios = [ours[1] / floor[1] for floor, ours in pairs]
    low, mid, high = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else ratios * 3
    return (
        statistics.median(p[1][0] for p in pairs), statistics.median(p[1][1] for p in pairs),
        statistics.median(p[0][0] for p in pairs), statistics.median(p[0][1] for p in pairs), mid, low, high,
    )  # fmt: skip


PAGE_KEYS = (
    "gallery", "comparison", "previews", "code", "run", "new", "metrics", "leaderboard", "models", "arena", "matrix",
    "timeline",
)
ARTIFACTS = {"previews": 4}  # pages timed until that many artifacts have loaded in their preview frames


def measure(
    browser: object, ours: AppServer, floor: AppServer, ids: dict[str, str], runs: int, only: set[str] | None = None
) -> dict[str, Result]:
    """Per page of our app: median (paint, usable) and the floor's (paint, usable), each load of ours alternating
    with one of the floor so both see the same load on a shared machine; for the timeline toggle (page usable,
    click to chart). `only`: the PAGE_KEYS to measure (default all)."""
    comparison = f"/comparison?comparison={ids['big']}"
    pages = [
        ("gallery", "/", "Comparison", "document.querySelectorAll('a[href*=\"?comparison=\"]').length >= 8"),
        ("comparison, 4 x 2,000 lines", comparison, "Four 2,000-line", FRAMES4),
        ("... until its 4 artifacts loaded", comparison, "Four 2,000-line", FRAMES4),
        ("comparison code view", comparison + "&view=code", "Four 2,000-line",
         "document.querySelectorAll('iframe').length >= 1"),
        ("run at full size (2,000 lines)", f"/comparison?run={ids['run']}", "Back to the comparison",
         "document.querySelectorAll('iframe').length >= 1"),
        ("new comparison", "/new_comparison", "Launch", "true"),
        ("metrics (first chart drawn)", "/metrics", "Per contestant", f"{charts_drawn(1)} && {GRIDS}"),
        ("leaderboard (both charts drawn)", "/leaderboard", "Bradley", f"{charts_drawn(2)} && {GRIDS}"),
        # Its own text, not "Models", which the sidebar's link shows before the page has drawn anything.
        ("models", "/models", "Catalogue", "true"),
        # A blind pair: both frames attached and the vote buttons there.
        ("arena (a pair, vote buttons)", "/arena", "Arena",
         "document.querySelectorAll('iframe').length >= 2 && [...document.querySelectorAll('button')]"
         ".some(b => b.innerText.includes('Tie'))"),
        ("sweep matrix (every comparison)", "/matrix", "Sweep matrix",
         "document.querySelectorAll('a[href*=\"?comparison=\"]').length >= 8"),
    ]  # fmt: skip
    results: dict[str, Result] = {}
    for key, (name, path, paint_text, usable) in zip(PAGE_KEYS, pages, strict=False):
        if only is not None and key not in only:
            continue
        ours_load = partial(load, browser, ours.url + path, paint_text, usable, ARTIFACTS.get(key, 0))
        try:
            ours_load()  # the first visit warms the server's caches
            pairs = [_pair(partial(load, browser, floor.url, "hello", "true"), ours_load, i) for i in range(runs)]
        except sync_api.TimeoutError:
            print(f"{name}: did not become usable within 60 s", file=sys.stderr)
            continue
        results[name] = _result(pairs)
        print(f"{name}: {results[name][1]:.2f} s usable, floor {results[name][3]:.2f} s", file=sys.stderr)
    if only is not None and "timeline" not in only:
        return results
    try:
        toggle_timeline(browser, ours.url + comparison)
        toggle = partial(toggle_timeline, browser, ours.url + comparison)
        pairs = [_pair(partial(load, browser, floor.url, "hello", "true"), toggle, i) for i in range(runs)]
        name = "timeline view: click to chart"
        results[name] = _result(pairs)
        print(f"{name}: {results[name][1]:.2f} s, floor {results[name][3]:.2f} s", file=sys.stderr)
    except sync_api.TimeoutError:
        print("timeline view: no chart within 60 s", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="normal,10000", help="comma-separated database sizes: normal, 10000")
    parser.add_argument(
        "--pages", default=",".join(PAGE_KEYS), help=f"comma-separated pages to measure: {', '.join(PAGE_KEYS)}"
    )
    parser.add_argument("--keep", type=Path, help="a folder to keep the built databases in and reuse them from")
    parser.add_argument("--no-open", action="store_true", help="skip timing a comparison opened from the gallery")
    args = parser.parse_args()
    only = {p.strip() for p in args.pages.split(",") if p.strip()}
    unknown = only - set(PAGE_KEYS)
    if unknown:
        parser.error(f"unknown page(s) {', '.join(sorted(unknown))}; choose from {', '.join(PAGE_KEYS)}")
    tmp = Path(tempfile.mkdtemp(prefix="cb-pageload-"))
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    floor_script = tmp / "floor.py"
    floor_script.write_text('import streamlit as st\nst.write("hello")\n')
    floor = FloorServer(floor_script, tmp / "floor.log")
    before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    tables: dict[str, dict[str, Result]] = {}
    opened = float("nan")
    try:
        floor.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            load(browser, floor.url, "hello", "true")
            for size in sizes:
                db = (args.keep or tmp) / f"bench-{size}.db"
                ids_file = db.with_suffix(".ids")
                ids = _kept(db, ids_file) if args.keep else None
                if ids is None:
                    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                        stale.unlink(missing_ok=True)
                    db.parent.mkdir(parents=True, exist_ok=True)
                    big = build(db, bulk=1000 if size == "10000" else 0)["big"]
                    ids_file.write_text(big)
                    ids = _ids(db, big)
                    assert ids is not None
                env = {"CANVASBENCH_DB": str(db), "CANVASBENCH_PRICES": str(tmp / "p.toml")}
                ours = AppServer(env, log=tmp / f"app-{size}.log")
                try:
                    ours.wait_ready()
                    tables[size] = measure(browser, ours, floor, ids, args.runs, only)
                    if size == sizes[0] and not args.no_open and "gallery" in only:
                        open_from_gallery(browser, ours.url + "/", ids["big"], FRAMES4)
                        opened = statistics.median(
                            open_from_gallery(browser, ours.url + "/", ids["big"], FRAMES4) for _ in range(args.runs)
                        )
                finally:
                    ours.stop()
            browser.close()
    finally:
        floor.stop()
    after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"median of {args.runs} cold loads (new browser context each), 1440x900, seconds; each load of a page "
        f"alternates with one of the floor st.write('hello'); load average before {before}, after {after}"
    )
    for size, results in tables.items():
        print(f"\n{'normal size' if size == 'normal' else '10,000 runs'}")
        print(f"{'page':<36} {'paint':>6} {'usable':>7} {'floor':>6} {'usable x floor':>15} {'median of pairs':>16}"
              f" {'middle half':>12}")  # fmt: skip
        for name, (paint, usable, _floor_paint, floor_usable, paired, low, high) in results.items():
            ratio = usable / floor_usable
            print(f"{name:<36} {paint:6.2f} {usable:7.2f} {floor_usable:6.2f} {ratio:15.2f} {paired:16.2f}"
                  f" {f'{low:.2f}-{high:.2f}':>12}")  # fmt: skip
    if opened == opened:  # not NaN: it was measured
        print(f"\nopening the 4 x 2,000-line comparison from the gallery (click to usable, median): {opened:.2f} s")


if __name__ == "__main__":
    main()
