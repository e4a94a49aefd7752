"""An open page keeps up by itself (real Chromium, 1440×900): render checks arrive without a reload, and the live
header never claims more than its lanes show.

This test process plays the other processes: it owns the runs (as a runner would) and queues, starts and stores
their checks through the core (as `canvasbench check` would), each step when the test says, so nothing waits on
the machine's speed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canvasbench.liveness import worker_token
from canvasbench.render import RenderCheck, save_check
from canvasbench.store import RunStore, writes
from tests import browser_helpers
from tests.browser_helpers import CHROMIUM, AppServer, seed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

WAIT_MS = 60_000  # an upper bound for a loaded machine, never a pause: every wait ends when the page shows it

# Counts, after every change of the page, what the live header claims against what its lanes show.
WATCH_HEADER = """() => {
  window.__claims = [];
  const main = document.querySelector('[data-testid="stMain"]');
  const look = () => {
    const text = main.innerText;
    const head = text.match(/Generating · (\\d+) of (\\d+) finished/);
    if (!head) return;
    const badges = /progress_activity\\s*running|schedule\\s*queued|hourglass_empty\\s*stalled/g;
    const streaming = (text.match(badges) || []).length;
    window.__claims.push({finished: +head[1], runs: +head[2], streaming});
  };
  new MutationObserver(look).observe(main, {subtree: true, childList: true, characterData: true});
  look();
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One app server for the module, on a database this test process writes as the runner and checker would."""
    root = tmp_path_factory.mktemp("live")
    db = root / "live.db"
    store = RunStore(db)
    env = {
        "CANVASBENCH_DB": str(db),
        "CANVASBENCH_PRICES": str(root / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(root / "endpoints.toml"),
    }
    server = AppServer(env, log=root / "streamlit.log")
    try:
        server.wait_ready()
        yield {"url": server.url, "store": store}
    finally:
        server.stop()


browser = browser_helpers.browser  # one Chromium for the module


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(WAIT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


def _end_runs(store: RunStore, run_ids: list[str], status: str) -> None:
    """Every run ends in one commit, as the runner's writer saves runs that end together."""
    now = writes.utc_now()
    with store.write():
        for run_id in run_ids:
            writes.update_run(store, run_id, status=status, finished_at=now, finish_reason="stop")


def _shows(page: Any, text: str, count: int | None = None) -> None:
    """Wait until the page's main area shows `text` (exactly `count` times if given), checked at each repaint."""
    page.wait_for_function(
        "([text, count]) => { const n = document.querySelector('[data-testid=\"stMain\"]').innerText.split(text)"
        ".length - 1; return count === null ? n > 0 : n === count; }",
        arg=[text, count],
        timeout=WAIT_MS,
        polling="raf",
    )


def _previews(page: Any) -> list[Any]:
    """The two sandboxed artifact frames (children of the outer st.iframe documents), once both are there."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        frames = [f for f in page.frames if f.parent_frame is not None and f.parent_frame.parent_frame is not None]
        if len(frames) == 2 or time.monotonic() > deadline:
            assert len(frames) == 2, "one preview per run"
            return frames
        page.wait_for_timeout(200)


def _open(context: Any, url: str, ready: str) -> Any:
    page = context.new_page()
    page.goto(url)
    _shows(page, ready)
    page.evaluate("() => { window.__same_document = true; }")  # gone if the page reloads
    return page


def test_checks_arrive_on_an_open_comparison_and_gallery_without_a_reload(app: dict[str, Any], context: Any) -> None:
    store: RunStore = app["store"]
    comparison_id, run_ids = seed_comparison(
        store, title="Checked while open", models=("gemini:gemini-3-flash-preview", "openai:gpt-5.2"),
        statuses=["running", "running"],
    )  # fmt: skip
    comparison = _open(context, f"{app['url']}/comparison?comparison={comparison_id}", "Generating")

    # The runs end; this process will check them, like `canvasbench check` in another terminal.
    _end_runs(store, run_ids, "done")
    checker = worker_token()
    for run_id in run_ids:
        writes.queue_check(store, run_id, checker)
    comparison.locator('nav[aria-label="Views"]').wait_for()  # the lanes became the finished page
    _shows(comparison, "render check queued", 2)
    writes.start_check(store, run_ids[0], checker)
    _shows(comparison, "checking the render")
    _shows(comparison, "render check queued", 1)

    # The gallery, opened meanwhile, shows the same on its tiles.
    gallery = _open(context, app["url"], "Checked while open")
    _shows(gallery, "checking the render")
    _shows(gallery, "render check queued")

    previews = _previews(comparison)
    for frame in previews:
        frame.evaluate("() => { window.__still_running = true; }")
    save_check(store, run_ids[0], RenderCheck(verdict="renders", evidence="It drew a bouncing ball."))
    _shows(comparison, "renders")
    _shows(comparison, "checking the render", 0)
    writes.start_check(store, run_ids[1], checker)
    save_check(store, run_ids[1], RenderCheck(verdict="crashed", evidence="Its only script has a SyntaxError."))
    for page in (comparison, gallery):
        _shows(page, "crashed")
        _shows(page, "render check queued", 0)
        _shows(page, "checking the render", 0)
        assert page.evaluate("() => window.__same_document === true"), "the page was reloaded"
    _shows(gallery, "renders")
    # The previews played on while the verdicts arrived: nothing restarted them.
    assert len(previews) == 2 and all(f.evaluate("() => window.__still_running === true") for f in previews)


def test_the_live_header_never_counts_a_run_its_lane_shows_streaming(app: dict[str, Any], context: Any) -> None:
    store: RunStore = app["store"]
    models = ("gemini:gemini-3-flash-preview", "openai:gpt-5.2", "anthropic:claude-opus-4-6", "openai:gpt-5-mini")
    comparison_id, run_ids = seed_comparison(store, title="Cancelled together", models=models, statuses=["running"] * 4)
    page = _open(context, f"{app['url']}/comparison?comparison={comparison_id}", "Generating · 0 of 4 finished")
    page.evaluate(WATCH_HEADER)

    # Cancel all: the four runs end in one commit, while the page redraws its lanes every second.
    _end_runs(store, run_ids, "cancelled")
    _shows(page, "Cancelled by you; the output until then is kept.", 4)
    _shows(page, "Generating", 0)
    claims = page.evaluate("() => window.__claims")
    assert claims, "the live header was watched"
    wrong = [c for c in claims if c["finished"] > c["runs"] - c["streaming"] or c["finished"] == c["runs"]]
    assert not wrong, f"the header claimed more than its lanes showed: {wrong[:5]}"
    assert page.evaluate("() => window.__same_document === true")
