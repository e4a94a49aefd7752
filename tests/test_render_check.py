"""Render checks in the real Debian chromium, the offline CDN mirror, and checks of stored runs.

The mirror is needed by the Three.js tests: the `mirror` session fixture builds it ONCE into the
default mirror folder (storage/mirror, or $CANVASBENCH_MIRROR) with `npm pack` if it is missing —
a package-registry download, the only network use here. Every page itself runs offline.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from canvasbench.errors import UsageError
from canvasbench.paths import mirror_dir
from canvasbench.render import (
    CheckLimits,
    RenderCheck,
    RenderCheckPool,
    RenderEngine,
    check_artifact,
    check_run,
    save_check,
)
from canvasbench.render.processes import chromium_path
from canvasbench.render.verdict import png_size
from canvasbench.sandbox.mirror import MIRROR_PACKAGES, MirrorError, load_mirror
from canvasbench.sandbox.mirror_build import build_mirror
from canvasbench.status import VERDICTS
from canvasbench.store import RunStore, reads, writes
from canvasbench.store.reads import latest_check, latest_checks, moments_of, screenshot_of, unchecked_run_ids

PAGES = Path(__file__).parent / "render_pages"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Short sampling keeps the file fast; the page still gets a generous load deadline on a busy machine.
FAST = CheckLimits(load_timeout_s=15.0, sample_s=1.5, step_timeout_s=10.0)

needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The default mirror, built once with `npm pack` if a package is missing (registry download)."""
    root = mirror_dir()
    have = set(load_mirror(root).summary())
    if any(f"{n}@{v}" not in have for n, v in MIRROR_PACKAGES):
        build_mirror(root)
    return root


@pytest.fixture(scope="session")
def pinned_mirror(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only the packages `mirror build` fetches (links into the default mirror), whatever was fetched since."""
    root = tmp_path_factory.mktemp("pinned-mirror")
    for name, version in MIRROR_PACKAGES:
        link = root / f"{name}@{version}"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(mirror / f"{name}@{version}", target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    """One browser shared by every test in this file."""
    eng = RenderEngine(max_concurrent=2)
    yield eng
    eng.close()


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def run_page(engine: RenderEngine, name: str, mirror: Path, limits: CheckLimits = FAST) -> RenderCheck:
    kind = "svg" if name.endswith(".svg") else "html"
    return check_artifact(page(name), kind, mirror=mirror, limits=limits, engine=engine)


def assert_screenshot(check: RenderCheck) -> None:
    assert check.screenshot is not None and check.screenshot.startswith(PNG_MAGIC)
    assert png_size(check.screenshot) == (1280, 800)
    assert (check.width, check.height) == (1280, 800)


# --- the mirror answers CDN URLs (no browser) ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "version", "path"),
    [
        ("https://unpkg.com/three@0.160.0/build/three.module.js", "0.170.0", "build/three.module.js"),
        (
            "https://cdn.jsdelivr.net/npm/three@0.170.0/examples/jsm/controls/OrbitControls.js",
            "0.170.0",
            "examples/jsm/controls/OrbitControls.js",
        ),
        ("https://esm.sh/three@0.165.0/addons/loaders/GLTFLoader.js", "0.170.0", "examples/jsm/loaders/GLTFLoader.js"),
        ("https://cdnjs.cloudflare.com/ajax/libs/three.js/r128/three.min.js", "0.128.0", "build/three.min.js"),
        ("https://cdnjs.cloudflare.com/ajax/libs/three.js/r134/three.min.js", "0.128.0", "build/three.min.js"),
        (
            "https://cdn.jsdelivr.net/gh/mrdoob/three.js@r128/examples/js/controls/OrbitControls.js",
            "0.128.0",
            "examples/js/controls/OrbitControls.js",
        ),
        ("https://cdn.skypack.dev/three", "0.170.0", "build/three.module.js"),
        ("https://cdn.jsdelivr.net/npm/three/+esm", "0.170.0", "build/three.module.js"),
        ("https://cdnjs.cloudflare.com/ajax/libs/p5.js/1.9.0/p5.min.js", "1.11.3", "lib/p5.min.js"),
        ("https://d3js.org/d3.v7.min.js", "7.9.0", "dist/d3.min.js"),
        ("https://cdn.jsdelivr.net/npm/chart.js", "4.4.1", "dist/chart.umd.js"),
        (
            "https://cdnjs.cloudflare.com/ajax/libs/gsap/3.12.2/ScrollTrigger.min.js",
            "3.12.7",
            "dist/ScrollTrigger.min.js",
        ),
        ("https://cdnjs.cloudflare.com/ajax/libs/matter-js/0.19.0/matter.min.js", "0.20.0", "build/matter.min.js"),
        ("https://esm.sh/cannon-es@0.20.0", "0.20.0", "dist/cannon-es.js"),
        ("https://cdn.tailwindcss.com/3.4.1", "4.1.17", "dist/index.global.js"),
    ],
)
def test_mirror_answers_cdn_urls_with_the_mirrored_file(pinned_mirror: Path, url: str, version: str, path: str) -> None:
    hit = load_mirror(pinned_mirror).resolve(url)
    assert hit is not None, url
    assert hit.version == version
    assert hit.path.as_posix().endswith(path)
    assert hit.content_type.startswith("text/javascript")


def test_a_version_the_mirror_lacks_is_named_for_fetching_and_a_stand_in_says_so(pinned_mirror: Path) -> None:
    mirror = load_mirror(pinned_mirror)
    url = "https://unpkg.com/three@0.121.1/examples/jsm/controls/OrbitControls.js"
    assert mirror.missing_version(url) == ("three", "0.121.1")
    hit = mirror.resolve(url)
    assert hit is not None and not hit.exact
    assert hit.substitution == f"served three@{hit.version} for three@0.121.1"
    # Versions the mirror has, ranges it satisfies and unversioned URLs need no fetch.
    assert mirror.missing_version("https://unpkg.com/three@0.170.0/build/three.module.js") is None
    assert mirror.missing_version("https://cdn.jsdelivr.net/npm/three@^0.170/build/three.module.js") is None
    assert mirror.missing_version("https://cdn.jsdelivr.net/npm/three/build/three.module.js") is None
    # A name the mirror does not know is never sent to the registry (it could carry the page's data).
    assert mirror.missing_version("https://unpkg.com/secret-token-abc@1.0.0/index.js") is None


def test_esm_cdn_addons_import_three_from_the_same_cdn_and_version(pinned_mirror: Path) -> None:
    hit = load_mirror(pinned_mirror).resolve("https://esm.sh/three@0.160.0/examples/jsm/controls/OrbitControls.js")
    assert hit is not None
    assert b"from 'https://esm.sh/three@0.170.0'" in hit.body
    assert b"from 'three'" not in hit.body


@pytest.mark.parametrize(
    "url",
    [
        "https://unpkg.com/three@0.160.0/build/no-such-file.js",
        "https://cdn.jsdelivr.net/npm/left-pad@1.3.0/index.js",
        "https://fonts.googleapis.com/css2?family=Inter",
        "https://example.com/three.min.js",
    ],
)
def test_anything_not_in_the_mirror_is_not_answered(mirror: Path, url: str) -> None:
    assert load_mirror(mirror).resolve(url) is None


def test_building_the_mirror_without_npm_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(MirrorError, match="npm"):
        build_mirror(tmp_path / "mirror")


# --- real chromium ---------------------------------------------------------------------------------


@needs_chromium
def test_three_js_through_an_import_map_renders_a_moving_frame(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "three_importmap.html", mirror)
    assert check.verdict == "renders", check.evidence
    assert check.drawn and check.loaded and check.js_errors == 0
    assert check.frames > 0  # the animation loop ran
    assert check.blocked_requests == ()
    assert any("three.module.js" in url for url in check.mirrored)
    assert any("OrbitControls.js" in url for url in check.mirrored)
    assert check.details["main_canvas"]["context"] in ("webgl", "webgl2")
    assert check.first_paint_ms is not None and check.render_ms is not None
    assert_screenshot(check)


@needs_chromium
def test_three_js_global_build_from_cdnjs_renders(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "three_umd.html", mirror)
    assert check.verdict == "renders", check.evidence
    assert check.frames > 0
    assert "https://cdnjs.cloudflare.com/ajax/libs/three.js/r128/three.min.js" in check.mirrored
    assert "WebGL" in check.evidence
    assert_screenshot(check)


@needs_chromium
def test_common_libraries_from_every_cdn_style_load_offline(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "many_libraries.html", mirror)
    assert check.verdict == "renders", check.evidence
    assert check.blocked_requests == ()
    assert check.js_errors == 0
    assert len(check.mirrored) >= 9  # tailwind, d3, chart.js, gsap, p5, three + addon, cannon-es, lil-gui
    assert check.details["contexts"].get("webgl2") or check.details["contexts"].get("webgl")
    assert check.details["svg_shapes"] >= 4


@needs_chromium
def test_page_that_draws_then_throws_renders_with_errors(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "thrown_error.html", mirror)
    assert check.verdict == "renders with errors"
    assert check.js_errors == 1
    assert "world.step is not a function" in check.errors[0]
    assert "world.step is not a function" in check.evidence
    assert_screenshot(check)


@needs_chromium
def test_a_page_that_breaks_three_seconds_of_frames_in_renders_with_errors(engine: RenderEngine, mirror: Path) -> None:
    # Its 180th frame comes after the player's input ends on a quiet machine, and later still on a busy one:
    # the check lets a page still animating run on to its 200th frame.
    check = run_page(engine, "throws_three_seconds_in.html", mirror)
    assert check.verdict == "renders with errors", check.evidence
    assert "spawnBoss is not defined" in check.evidence
    assert check.limit_hit is None
    # The frames it ran on count in what it says it saw (the error came at the 180th; the first look is
    # within the first few dozen).
    assert check.frames >= 120 and f"{check.frames} animation frames in" in check.evidence


@needs_chromium
def test_page_that_throws_before_drawing_anything_is_crashed(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "error_before_drawing.html", mirror)
    assert check.verdict == "crashed"
    assert not check.drawn
    assert "THREE is not defined" in check.evidence


@needs_chromium
def test_empty_page_is_blank(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "blank.html", mirror)
    assert check.verdict == "blank"
    assert check.loaded and not check.drawn and check.js_errors == 0
    assert_screenshot(check)


@needs_chromium
def test_overlay_text_on_an_undrawn_canvas_is_still_blank(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "canvas_never_drawn.html", mirror)
    assert check.verdict == "blank"
    assert "canvas never had a drawing context" in check.evidence


@needs_chromium
def test_a_canvas_framed_and_shaded_by_css_but_never_drawn_on_is_blank(engine: RenderEngine, mirror: Path) -> None:
    # A border, a gradient background and a glow from CSS, a 2D context, a loop that only clears.
    check = run_page(engine, "corpus/styled_canvas_never_drawn.html", mirror)
    assert check.verdict == "blank", check.evidence
    assert not check.drawn
    assert "800×600 canvas got a 2D context but nothing was ever drawn on it" in check.evidence


@needs_chromium
def test_the_player_presses_the_visible_start_button_not_one_on_a_faded_out_screen(
    engine: RenderEngine, mirror: Path
) -> None:
    # "PLAY AGAIN" and "TRY AGAIN" (bigger) sit on game-over screens at opacity 0 under the start screen.
    check = run_page(engine, "corpus/start_button_beside_hidden_overlays.html", mirror)
    assert check.interaction[0] == "clicked the start control 'START GAME'"
    assert check.verdict == "renders", check.evidence
    assert check.responds_to_input is True
    assert "came alive only after input (clicked the start control 'START GAME')" in check.evidence


@needs_chromium
def test_a_rejection_from_the_browsers_own_code_is_worded_like_any_uncaught_error(
    engine: RenderEngine, mirror: Path
) -> None:
    # A response that is not JSON, read with .json(): the browser names that rejection "Uncaught (in promise)
    # SyntaxError", and the evidence said "Uncaught Uncaught (in promise) SyntaxError: ...".
    code = (
        "<!doctype html><canvas id=c width=1280 height=800></canvas><script>"
        "document.getElementById('c').getContext('2d').fillRect(100, 100, 300, 200);"
        "fetch('data:application/json,<html>').then((r) => r.json()).then((levels) => console.log(levels));</script>"
    )
    check = check_artifact(code, "html", mirror=mirror, limits=FAST, engine=engine)
    assert check.verdict == "renders with errors", check.evidence
    assert [e.split(":")[0] for e in check.errors] == ["Uncaught SyntaxError"], check.errors
    assert "JSON" in check.errors[0]


@needs_chromium
def test_svg_artifact_renders(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "dashboard.svg", mirror)
    assert check.verdict == "renders", check.evidence
    assert check.details["svg_shapes"] >= 6
    assert "SVG" in check.evidence
    assert_screenshot(check)


@needs_chromium
def test_unmirrored_cdn_file_is_blocked_at_once_and_reported(engine: RenderEngine, mirror: Path) -> None:
    url = "https://cdn.jsdelivr.net/npm/not-a-mirrored-library@2.1.0/dist/lib.min.js"
    check = run_page(engine, "unmirrored_cdn.html", mirror)
    assert check.blocked_requests == (url,)
    assert check.loaded and check.limit_hit is None  # the load was not held up by the request
    assert check.verdict == "blank"
    assert url in check.evidence


@needs_chromium
def test_page_is_sandboxed_offline_and_cannot_leave(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "escape_attempts.html", mirror)
    # Opaque origin, and no origin's storage: only the sandbox's stand-in in memory (the dashboard's policy).
    assert check.details["title"] == "origin=null;storage=in memory"
    for url in (
        "https://example.com/pixel.png",
        "wss://example.com/socket",
        "https://api.example.com/data",
    ):
        assert url in check.blocked_requests
    assert check.navigations == ("https://example.com/elsewhere",)
    # The navigation away was refused: the artifact itself was still there to measure.
    assert check.verdict == "renders", check.evidence
    assert check.details["text_chars"] > len("Escape artist")


@needs_chromium
def test_endless_loop_is_stopped_at_the_time_limit(engine: RenderEngine, mirror: Path) -> None:
    limits = CheckLimits(load_timeout_s=3.0, sample_s=1.0, stuck_cpu_s=1.0)
    check = run_page(engine, "infinite_loop.html", mirror, limits)
    assert check.verdict == "crashed"
    assert check.limit_hit == "time"
    # Judged by the CPU its main thread spent without finishing a task, first with 1 s, then alone with 6 s.
    assert "computed for" in check.evidence and "without finishing a task" in check.evidence
    assert "Checked again alone with a 6 s CPU allowance" in check.evidence
    # The engine recovers: the next page checks normally.
    assert run_page(engine, "dashboard.svg", mirror).verdict == "renders"


@needs_chromium
def test_a_page_that_hangs_after_drawing_keeps_what_it_drew(engine: RenderEngine, mirror: Path) -> None:
    # It draws at once and hangs at the player's first input, after the first look has seen it drawn.
    # A 1 s CPU allowance (the second look 6 s): what is kept does not depend on it, and it costs 15 s less.
    limits = CheckLimits(load_timeout_s=15.0, sample_s=3.0, stuck_cpu_s=1.0)
    check = run_page(engine, "hangs_after_drawing.html", mirror, limits)
    assert check.limit_hit == "time"
    assert check.verdict == "renders with errors", check.evidence
    assert check.drawn and check.screenshot is not None and check.screenshot.startswith(PNG_MAGIC)
    assert "stopped responding" in check.evidence and "2D canvas" in check.evidence
    assert run_page(engine, "dashboard.svg", mirror).verdict == "renders"  # the engine recovers


@needs_chromium
def test_endless_allocation_is_stopped_at_the_memory_limit(mirror: Path) -> None:
    small = RenderEngine(memory_mb=400, max_concurrent=1)
    try:
        check = check_artifact(page("endless_allocation.html"), "html", mirror=mirror, limits=FAST, engine=small)
    finally:
        small.close()
    assert check.verdict == "crashed"
    assert check.limit_hit == "memory"
    assert "used over 400 MB" in check.evidence  # the renderer memory watchdog stopped it


@needs_chromium
def test_popup_flood_is_refused_and_recorded(engine: RenderEngine, mirror: Path) -> None:
    check = run_page(engine, "popup_flood.html", mirror)
    assert check.popups >= 300
    assert check.limit_hit == "popups"
    assert check.verdict == "renders with errors"
    assert "popup" in check.evidence
    assert_screenshot(check)


# --- stored runs -----------------------------------------------------------------------------------


def stored_run(store: RunStore, code: str | None, kind: str, status: str = "done") -> str:
    prompt = {"id": "p1", "title": "t", "category": "svg", "kind": kind, "text": "draw"}
    _, (run_id,) = writes.create_comparison(store, prompt=prompt, model_ids=["fake:fake"])
    writes.update_run(store, run_id, status=status, artifact=code, artifact_kind=kind if code else "none")
    return run_id


def test_run_without_an_artifact_is_recorded_as_not_checked() -> None:
    store = RunStore()
    run_id = stored_run(store, None, "html")
    check = check_run(store, run_id)
    assert check.verdict == "not checked"
    row = latest_check(store, run_id)
    assert row is not None and row["verdict"] == "not checked"
    assert "no HTML or SVG artifact" in row["evidence"]


def test_unknown_run_id_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="NOPE"):
        check_run(RunStore(), "NOPE")


def test_running_run_is_not_checked_yet_and_nothing_is_saved() -> None:
    store = RunStore()
    run_id = stored_run(store, "<svg></svg>", "svg", status="running")
    assert check_run(store, run_id).verdict == "not checked"
    assert latest_check(store, run_id) is None


@needs_chromium
def test_pool_checks_runs_in_the_background_and_saves_verdict_and_thumbnail(engine: RenderEngine, mirror: Path) -> None:
    store = RunStore()
    good = stored_run(store, page("dashboard.svg"), "svg")
    broken = stored_run(store, page("thrown_error.html"), "html")
    assert set(unchecked_run_ids(store)) == {good, broken}
    pool = RenderCheckPool(store.path, workers=2, limits=FAST, engine=engine, mirror=mirror)
    try:
        futures = [pool.submit(good), pool.submit(broken)]
        assert pool.submit(good) is futures[0]  # not queued twice
        results = [f.result(timeout=120) for f in futures]
    finally:
        pool.shutdown()
    assert [r.verdict for r in results] == ["renders", "renders with errors"]
    row = latest_check(store, broken)
    assert row is not None
    assert row["js_errors"] == 1 and row["drawn"] is True
    assert "world.step is not a function" in row["errors"][0]
    assert row["verdict"] in VERDICTS
    moments = moments_of(store, good)
    assert [label for label, _ in moments] == ["after load", "after watching", "after interacting"]
    assert all(png is not None and png.startswith(PNG_MAGIC) for _, png in moments)
    assert row["interaction"] and row["animates"] is not None and row["responds_to_input"] is not None
    thumb = screenshot_of(store, good)
    assert thumb is not None and png_size(thumb) == (1280, 800)
    badges = latest_checks(store, [good, broken])
    assert badges[good]["verdict"] == "renders" and badges[good]["has_screenshot"]
    assert "screenshot" not in badges[good]
    assert unchecked_run_ids(store) == []
    exported = store.db.execute("SELECT blocked_requests FROM render_checks WHERE run_id = ?", [good]).fetchone()
    assert json.loads(exported[0]) == []


@needs_chromium
def test_a_check_of_a_run_deleted_meanwhile_is_not_stored_and_is_no_error(
    engine: RenderEngine, mirror: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A comparison deleted while its checks wait in the queue, or while a page is open in the browser."""
    store = RunStore()
    queued, checking = stored_run(store, page("dashboard.svg"), "svg"), stored_run(store, page("dashboard.svg"), "svg")
    for run_id in (queued, checking):
        writes.delete_comparison(store, reads.get_run(store, run_id)["comparison_id"])
    pool = RenderCheckPool(store.path, workers=1, limits=FAST, engine=engine, mirror=mirror)
    try:
        with caplog.at_level(logging.WARNING):
            result = pool.submit(queued).result(timeout=120)
    finally:
        pool.shutdown()
    assert result.verdict == "not checked" and "deleted" in result.evidence
    # The check whose page was open when its run went: what it found has nowhere to go.
    assert save_check(store, checking, RenderCheck(verdict="renders", evidence="drawn")) is False
    assert store.db.execute("SELECT COUNT(*) FROM render_checks").fetchone()[0] == 0
    assert store.db.execute("SELECT COUNT(*) FROM check_queue").fetchone()[0] == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [r.getMessage() for r in caplog.records]


@needs_chromium
def test_runner_hook_checks_each_finished_run_automatically(
    engine: RenderEngine, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wiring the dashboard uses: a run-finished hook that hands the run to the pool, against the fakes."""
    from canvasbench.run.prompt_suite import custom_prompt
    from canvasbench.run.runner import Runner
    from tests.fakes import FakeBehaviour, start_fake_server

    server = start_fake_server()
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    server.add_preset("svgmodel", FakeBehaviour(text="```svg\n" + page("dashboard.svg") + "\n```", chunks=4))
    store = RunStore()
    pool = RenderCheckPool(store.path, workers=1, limits=FAST, engine=engine, mirror=mirror)
    runner = Runner(store.path)
    runner.add_run_finished_hook(lambda run_id, _status: pool.on_run_finished(run_id))
    try:
        comparison = runner.submit(custom_prompt("Draw a console blueprint as SVG."), ["openai:svgmodel"])
        (run,) = runner.wait(comparison, timeout=60)
        assert run["status"] == "done"
        deadline = time.monotonic() + 120
        while latest_check(store, run["id"]) is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        runner.shutdown()
        pool.shutdown()
        server.stop()
    row = latest_check(store, run["id"])
    assert row is not None, "the finished run was never checked"
    assert row["verdict"] == "renders", row["evidence"]
    assert row["screenshot"].startswith(PNG_MAGIC)


@needs_chromium
def test_closing_an_engine_returns_once_it_has_closed_not_after_its_whole_wait(mirror: Path) -> None:
    # The engine's loop used to stop before the closing call heard that shutdown had finished, so every close
    # (each CLI exit, each test module's engine) waited its full `wait_s`: 30 s by default.
    own = RenderEngine(max_concurrent=1)
    assert check_artifact(page("dashboard.svg"), "svg", mirror=mirror, engine=own).verdict == "renders"
    started = time.monotonic()
    own.close(wait_s=240.0)
    assert time.monotonic() - started < 120.0  # closing takes seconds even on a loaded machine; the bug took 240
