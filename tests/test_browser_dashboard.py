"""The dashboard in real Debian chromium against the fake providers: launch, watch, gallery, code, export, hostility."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from canvasbench.store import RunStore
from canvasbench.store.reads import EXPORT_COLUMNS
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, AppServer, seed_comparison
from tests.fakes import start_fake_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARTIFACTS = ROOT / "test-artifacts"
MODELS = (
    "gemini:fake;chunks=80;interval_ms=100;first_delay_ms=300",
    "openai:fake;text=svg;chunks=40;interval_ms=150",
    "anthropic:fake;thinking=2;chunks=80;interval_ms=90",
)

# Tries every way out of the sandbox and reports to the app window by postMessage (which a sandboxed
# frame may still do). Each probe reports "ESCAPED..." only if it actually got through.
HOSTILE_PAGE = """<!doctype html><html><head><title>hostile</title></head><body>
<h1 id="h">hostile artifact</h1>
<script>
const results = {};
function probe(name, fn) {
  try {
    const v = fn();
    results[name] = (v === null || v === undefined) ? "blocked:null" : "ESCAPED:" + String(v).slice(0, 60);
  }
  catch (e) { results[name] = "blocked:" + e.name; }
}
probe("parent.document", () => {
  const d = window.parent.document; d.body.setAttribute("data-pwned", "1"); return d.title;
});
probe("top.document", () => { const d = window.top.document; d.body.setAttribute("data-pwned", "1"); return d.title; });
// The page has storage and cookies of its own (the sandbox's stand-ins in memory); the app's must stay out of reach.
probe("cookie", () => /app_secret=/.test(document.cookie) ? document.cookie : null);
probe("localStorage", () => { localStorage.setItem("pwned", "1"); return localStorage.getItem("app-secret"); });
probe("parent.localStorage", () => window.parent.localStorage.length);
probe("top.location.href", () => window.top.location.href);
probe("window.open", () => window.open("about:blank#pwned"));
try { window.top.location.href = "about:blank#pwned"; } catch (e) {}
async function net(name, fn) {
  try { const v = await Promise.race([fn(), new Promise((_, no) => setTimeout(() => no(new Error("timeout")), 3000))]);
        results[name] = "ESCAPED:" + String(v).slice(0, 60); }
  catch (e) { results[name] = "blocked:" + (e.name || e); }
}
const ws = () => new Promise((yes, no) => {
  const base = document.baseURI.replace(/^http/, "ws").replace(/[?#].*$/, "").replace(/\\/[^/]*$/, "/");
  const s = new WebSocket(base + "_stcore/stream");
  s.onopen = () => yes("open"); s.onerror = () => no(new Error("ws-error"));
});
Promise.all([
  net("fetch /_stcore/health", () => fetch("/_stcore/health").then(r => r.text())),
  net("fetch absolute", () => fetch(new URL("/_stcore/health", document.baseURI).href).then(r => r.text())),
  net("websocket", ws),
]).then(() => window.top.postMessage({canvasbenchProbe: true, results}, "*"));
</script></body></html>"""


def _drawn_pixels(png: bytes) -> int:
    """How many pixels differ from the most common colour (a blank frame has almost none)."""
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((160, 120))
    pixels = list(image.get_flattened_data()) if hasattr(image, "get_flattened_data") else list(image.getdata())
    background = max(set(pixels), key=pixels.count)
    colours = {p for p in pixels}
    return sum(1 for p in pixels if p != background) if len(colours) > 1 else 0


def _inner_frames(page: Any) -> list[Any]:
    """The sandboxed artifact frames: children of the outer st.iframe documents."""
    return [f for f in page.frames if f.parent_frame is not None and f.parent_frame.parent_frame is not None]


def _settle(page: Any) -> None:
    """Wait until Streamlit says it is not running a script (best effort: fragments may poll)."""
    with contextlib.suppress(Exception):
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=20_000, polling=200
        )
    page.wait_for_timeout(700)


def _shot(page: Any, name: str) -> None:
    _settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _wait_text(page: Any, text: str, timeout: float = 60) -> None:
    try:
        page.get_by_text(text, exact=False).first.wait_for(timeout=timeout * 1000)
    except Exception:
        _shot(page, "failed-waiting-for-" + "".join(c if c.isalnum() else "-" for c in text))
        raise


@pytest.fixture
def app(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The app headless against a fake provider server, with one hostile comparison already stored."""
    fake = start_fake_server()
    db = tmp_path / "dash.db"
    store = RunStore(db)
    hostile_id, _hostile_runs = seed_comparison(
        store,
        title="Hostile artifact",
        category="security",
        models=("openai:hostile",),
        artifacts=[("html", HOSTILE_PAGE)],
    )
    env = {
        **fake.env(key="dummy-key"),
        "CANVASBENCH_DB": str(db),
        "CANVASBENCH_PRICES": str(tmp_path / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp_path / "endpoints.toml"),
    }
    server = AppServer(env, log=tmp_path / "streamlit.log")
    try:
        server.wait_ready()
        yield {"url": server.url, "store": store, "hostile": hostile_id, "fake": fake}
    finally:
        server.stop()
        fake.stop()


@pytest.fixture
def page(app: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1300}, accept_downloads=True)
        context.add_init_script(
            "window.__probes = []; window.addEventListener('message', e => {"
            " if (e.data && e.data.canvasbenchProbe) window.__probes.push(e.data.results); });"
        )
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        try:
            yield pg
        finally:
            context.close()
            browser.close()


def test_launch_watch_gallery_code_and_export_in_a_real_browser(app: dict[str, Any], page: Any) -> None:
    url = app["url"]
    page.goto(url + "/new_comparison")
    page.get_by_role("heading", name="New comparison").wait_for(timeout=90_000)
    # One box for the prompt, in a menu whose button names the prompt chosen: its first choice is writing your own.
    page.get_by_role("button", name=re.compile("^Prompt: ")).click()
    prompt = page.get_by_label("Prompt: one of the suite, or your own")
    prompt.click()
    page.get_by_role("option", name="✎ Write my own prompt").click()
    page.get_by_label("Prompt text", exact=True).fill("Write one HTML page with a bouncing ball on a canvas.")
    page.get_by_label("Title (optional)").fill("Browser test bounce")
    page.get_by_role("button", name="Prompt: your own").wait_for()  # the menu's button says what was chosen
    page.keyboard.press("Escape")
    # One box for the models, in its own menu: ids not in the catalogue are typed, each followed by Enter.
    page.get_by_role("button", name="Choose models").click()
    models = page.get_by_label("From the catalogue, or type any provider:model and press Enter")
    for model_id in MODELS:
        models.click()
        models.fill(model_id)
        page.get_by_role("option", name=f"Add: {model_id}").wait_for()
        models.press("Enter")
    models.press("Escape")
    page.get_by_role("heading", name="New comparison").click()  # out of the box: its last change is sent
    _settle(page)
    # A visit to another page leaves the form as it was: the prompt, the title and each model chosen.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Metrics").click()
    page.get_by_role("heading", name="Metrics").wait_for()
    _settle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("New comparison").click()
    page.get_by_role("heading", name="New comparison").wait_for()
    _settle(page)
    assert page.get_by_label("Prompt text", exact=True).input_value().startswith("Write one HTML page")
    assert page.get_by_label("Title (optional)").input_value() == "Browser test bounce"
    page.get_by_role("button", name=re.compile("^3 models: ")).click()
    chosen = page.get_by_test_id("stMultiSelect").first.inner_text()
    assert all(model_id in chosen for model_id in MODELS), chosen
    page.keyboard.press("Escape")
    # The estimate names the three models once the server has them all: Launch launches those three.
    page.get_by_text(re.compile(r"Estimated cost.*anthropic:fake")).wait_for()
    _settle(page)
    # A double click (as an impatient user gives a slow page) launches once: nothing is paid for twice.
    page.get_by_role("button", name="Launch").dblclick()

    # Live panels stream in: a running badge and growing line counts.
    _wait_text(page, "running", timeout=30)
    # Lines so far appear while the code streams in.
    page.get_by_text(re.compile(r"\b[1-9]\d* lines ·")).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1200)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "new-comparison-running.png"))

    # Launch opened the comparison's own page; leave it while it runs, come back with Back: the runs finish.
    page.wait_for_url("**comparison=*", timeout=30_000)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Metrics").click()
    page.get_by_role("heading", name="Metrics").wait_for()
    page.go_back()
    page.get_by_role("heading", name="Browser test bounce").wait_for()
    store: RunStore = app["store"]
    (comparison_id,) = [
        r["id"] for r in store.db.query("SELECT id FROM comparisons WHERE title = 'Browser test bounce'")
    ]
    deadline = time.monotonic() + 90
    while store.db.execute(
        "SELECT count(*) FROM runs WHERE comparison_id = ? AND status IN ('queued', 'running')", [comparison_id]
    ).fetchone()[0]:
        assert time.monotonic() < deadline, "the three runs did not finish"
        page.wait_for_timeout(1000)
    # The lanes gave way to the finished columns (with the views); each run's downloads and "Check render" are
    # one click away, under Actions.
    page.locator('nav[aria-label="Views"]').wait_for(timeout=60_000)
    actions = page.locator('[data-testid="stPopoverButton"]:visible', has_text="Actions")
    actions.click()
    page.get_by_role("button", name="Check render").first.wait_for()
    assert page.get_by_role("button", name="Check render").count() == 3
    actions.click()  # closed again
    _shot(page, "new-comparison-finished")
    statuses = [
        r["status"]
        for r in store.db.query("SELECT status FROM runs WHERE comparison_id = ? ORDER BY position", [comparison_id])
    ]
    assert statuses == ["done", "done", "done"]
    # Each finished run is checked in headless Chromium in the background; its verdict shows on the open page
    # by itself. Leave only once all three are in: a link clicked in the instant the page redraws itself for
    # the last verdict can be lost (a known leftover), and this test is about what the gallery lists.
    deadline = time.monotonic() + 90
    while (
        store.db.execute(
            "SELECT count(*) FROM render_checks c JOIN runs r ON r.id = c.run_id WHERE r.comparison_id = ?",
            [comparison_id],
        ).fetchone()[0]
        < 3
    ):
        assert time.monotonic() < deadline, "the three render checks did not finish"
        page.wait_for_timeout(1000)
    verdicts = [
        row["verdict"]
        for row in store.db.query(
            "SELECT c.verdict FROM render_checks c JOIN runs r ON r.id = c.run_id WHERE r.comparison_id = ?",
            [comparison_id],
        )
    ]
    assert verdicts == ["renders"] * 3, verdicts  # three pages that draw: any other verdict is a wrong one
    # The third verdict, drawn without a reload (the page polls; on a loaded machine a poll can take a while).
    page.get_by_text(re.compile(r"\brenders\b")).nth(2).wait_for(timeout=90_000)
    _settle(page)

    # The gallery lists it (and the hostile comparison stored before); opening it shows three live previews.
    page.get_by_role("link", name="All comparisons").click()
    page.wait_for_url(url + "/")
    _wait_text(page, "Hostile artifact")
    _wait_text(page, "Browser test bounce")
    # Each check's screenshot becomes a thumbnail on the card.
    thumbnails = page.locator('[data-testid="stHtml"] img[src^="data:image/jpeg"]')
    deadline = time.monotonic() + 90
    while thumbnails.count() < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(2000)
        page.reload()
        _wait_text(page, "Browser test bounce")
        _settle(page)
    assert thumbnails.count() >= 3, "render-check thumbnails on the card"
    _shot(page, "gallery")
    # The link people type: /gallery forwards to the gallery at / and keeps the comparison.
    page.goto(f"{url}/gallery?comparison={comparison_id}")
    page.get_by_role("heading", name="Browser test bounce").wait_for()
    assert "comparison=" in page.url and "Page not found" not in page.inner_text("body")
    deadline = time.monotonic() + 30
    while len(_inner_frames(page)) < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(300)
    page.wait_for_timeout(1500)  # let the animations draw a few frames
    frames = _inner_frames(page)
    assert len(frames) == 3
    svg_frames = [f for f in frames if f.evaluate("() => document.querySelectorAll('svg *').length") > 0]
    canvas_frames = [f for f in frames if f.evaluate("() => document.querySelectorAll('canvas').length") > 0]
    assert len(svg_frames) == 1 and len(canvas_frames) == 2
    for frame in frames:
        assert frame.evaluate("() => window.origin") == "null", "the artifact runs with an opaque origin"
        assert _drawn_pixels(frame.frame_element().screenshot()) > 500, "the preview drew something"
    _shot(page, "comparison")

    # Reload re-runs a preview; the deep link survives a browser reload.
    page.reload()
    page.get_by_role("heading", name="Browser test bounce").wait_for()
    assert f"comparison={comparison_id}" in page.url

    # The code view: one full-width viewer with line numbers, search and go-to-line.
    page.locator('nav[aria-label="Views"]').get_by_role("link", name="Code", exact=True).click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            frames = _inner_frames(page)
            if len(frames) == 1 and frames[0].evaluate("() => document.querySelectorAll('#view .row .n').length > 5"):
                break
        except sync_api.Error:  # a frame replaced while we looked: look again
            pass
        page.wait_for_timeout(300)
    else:
        raise AssertionError("code view did not show the code with line numbers")
    _shot(page, "comparison-code")

    # Metrics: export the table as CSV and read the file.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Metrics").click()
    page.get_by_role("heading", name="Metrics").wait_for()
    # Charts are SVG drawn on the server: the first chart is in the page with its marks.
    page.locator("figure.cb-chart svg circle").first.wait_for()
    _shot(page, "metrics")
    page.get_by_text("Export: CSV, JSON, Parquet").click()  # the exports open on a click
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"]').filter(has_text="CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == list(EXPORT_COLUMNS)
    ours = [r for r in rows if r["comparison_id"] == comparison_id]
    assert [r["status"] for r in ours] == ["done", "done", "done"]
    assert all(int(r["lines"]) > 0 for r in ours), ours
    # With "Include the code" the same export carries each run's artifact, as the last column.
    page.get_by_text("Include the code", exact=True).click()
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"]').filter(has_text="CSV with code").click()
    table = list(csv.reader(io.StringIO(Path(info.value.path()).read_bytes().decode("utf-8"), newline="")))
    assert table[0] == [*EXPORT_COLUMNS, "artifact"]
    stored = {r["id"]: r["artifact"] or "" for r in store.db.query("SELECT id, artifact FROM runs")}
    assert {row[1]: row[-1] for row in table[1:]} == stored

    page.locator('[data-testid="stSidebarNav"]').get_by_text("Models").click()
    page.get_by_role("heading", name="Models and prices").wait_for()
    page.wait_for_timeout(1000)
    _shot(page, "models")


def test_launch_clicked_again_while_the_first_is_still_sending_submits_one_batch(
    app: dict[str, Any], page: Any
) -> None:
    # The provider is slow to take the first click's batch; the second click runs in a new script thread meanwhile
    # (fastReruns stops the old one only at its next Streamlit call). It waits for the first launch and opens what
    # it started: one batch is submitted and paid for, not two.
    fake, store = app["fake"], app["store"]
    release = threading.Event()
    fake.batches.hold_create = release
    page.goto(app["url"] + "/new_comparison?more=true")
    page.get_by_role("heading", name="New comparison").wait_for(timeout=90_000)
    page.get_by_role("button", name=re.compile("^Prompt: ")).click()
    page.get_by_label("Prompt: one of the suite, or your own").click()
    page.get_by_role("option", name="✎ Write my own prompt").click()
    page.get_by_label("Prompt text", exact=True).fill("Write one HTML page with a bouncing ball.")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Choose models").click()
    models = page.get_by_label("From the catalogue, or type any provider:model and press Enter")
    models.click()
    models.fill("openai:fake")
    page.get_by_role("option", name="Add: openai:fake").wait_for()
    models.press("Enter")
    models.press("Escape")
    page.get_by_role("heading", name="New comparison").click()  # out of the box: its last change is sent
    _settle(page)
    page.get_by_text("Run as batch: half price").click()
    page.get_by_text(re.compile(r"Runs as a batch: 1 request")).wait_for()
    _settle(page)
    launch = page.get_by_role("button", name="Launch")
    try:
        launch.click()
        assert fake.batches.create_held.wait(60), "the first launch never reached the provider"
        launch.click()  # while the first click's launch still waits on the provider
        # Time for the second click to reach the server: on a slower machine it only makes the test less sharp.
        page.wait_for_timeout(2000)
    finally:
        release.set()
    page.wait_for_url("**comparison=*", timeout=60_000)
    _settle(page)
    assert store.db.execute("SELECT count(*) FROM batch_jobs").fetchone()[0] == 1
    assert store.db.execute("SELECT count(*) FROM comparisons WHERE title != 'Hostile artifact'").fetchone()[0] == 1


def test_a_hostile_artifact_is_blocked_every_time(app: dict[str, Any], page: Any) -> None:
    url = app["url"]
    target = f"{url}/comparison?comparison={app['hostile']}"
    page.goto(url)
    # Something of the app's own that the artifact must not be able to read.
    page.evaluate("() => { localStorage.setItem('app-secret', 's3cret'); document.cookie = 'app_secret=s3cret'; }")
    page.goto(target)
    page.get_by_role("heading", name="Hostile artifact").wait_for(timeout=90_000)
    title_before = page.title()
    page.wait_for_function("() => window.__probes.length >= 1", timeout=30_000)

    # Reload the preview with its own button: it runs again and is blocked again.
    page.frame_locator('iframe[data-testid="stIFrame"]').first.get_by_role("button", name="Reload").click()
    page.wait_for_function("() => window.__probes.length >= 2", timeout=30_000)
    page.wait_for_timeout(1500)
    probes = page.evaluate("() => window.__probes")
    assert len(probes) >= 2
    expected = {
        "parent.document",
        "top.document",
        "cookie",
        "localStorage",
        "parent.localStorage",
        "top.location.href",
        "window.open",
        "fetch /_stcore/health",
        "fetch absolute",
        "websocket",
    }
    for results in probes:
        assert set(results) == expected
        escaped = {k: v for k, v in results.items() if not v.startswith("blocked")}
        assert not escaped, f"the artifact got out: {escaped}"

    # And from the app's side: nothing changed.
    assert page.url == target
    assert page.title() == title_before
    assert page.evaluate("() => document.body.hasAttribute('data-pwned')") is False
    assert page.evaluate("() => localStorage.getItem('pwned')") is None
    assert len(page.context.pages) == 1, "no window was opened"
    _shot(page, "hostile-blocked")
