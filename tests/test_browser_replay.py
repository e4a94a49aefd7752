"""Race replay in real Debian chromium at 1440×900: the player shows what Python reconstructs, and the dashboard's
Replay view jumps to the end and draws every lane's preview.

The player takes its time from its test hook (`replay.seek`), never from the wall clock, so what is compared
does not depend on how fast the machine is.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from canvasbench.present.replay import lane_of, replay_frame, shown_lines, shown_text
from canvasbench.store import RunStore
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer, seed_comparison
from tests.fakes.behaviour import SVG_IMAGE
from tests.test_replay import record, synthetic_stream

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

# A page that needs what every preview allows (eval): the player's own policy must not take it away.
EVAL_PAGE = """<!doctype html><html><body><p id=o>waiting</p><script>
document.getElementById("o").textContent = "eval ok " + eval("6*7");
</script></body></html>"""
HOSTILE = "</script><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


def player_frame(page: Any, timeout: float = 60) -> Any:
    """The frame the player runs in (it answers `window.replay`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("typeof window.replay === 'object' && window.replay !== null"):
                    return frame
            except Exception:  # a frame navigating or gone while we asked: look again
                continue
        time.sleep(0.1)
    raise AssertionError("the replay player never started")


def test_the_player_shows_exactly_what_python_reconstructs(page: Any) -> None:
    text, chunks = synthetic_stream(minutes=2)
    timeline, _ = record(chunks, text)
    sparse = f"Old run 😀 with a hostile line {HOSTILE}\n" + "\n".join(f"<p>line {i} 🎨</p>" for i in range(200))
    runs = [
        {"model_id": "dense", "response": text, "timeline": timeline, "ttft_s": 4.0, "latency_s": 120.0,
         "artifact_kind": "html", "artifact": EVAL_PAGE, "status": "done", "output_tokens": 40_000},
        {"model_id": "sparse", "response": sparse, "timeline": [[1.0 + 2 * k, 600 * k, 0] for k in range(6)],
         "ttft_s": 0.7, "latency_s": 30.0, "artifact_kind": "svg", "artifact": SVG_IMAGE, "status": "done"},
    ]  # fmt: skip
    lanes = [lane_of(run) for run in runs]
    repaired = [  # a third contestant with two repair rounds, in one lane, the second after the first
        {"id": f"fix{number}", "parent_run_id": f"fix{number - 1}" if number else None,
         "model_id": "fixer", "round": number, "response": f"round {number} " * 80, "ttft_s": 1.0, "latency_s": 20.0,
         "timeline": [[1.0 + 0.095 * k, 640 * k // 200, 1] for k in range(201)], "artifact_kind": "svg",
         "artifact": SVG_IMAGE, "status": "done"}
        for number in (0, 1)
    ]  # fmt: skip
    page.set_content(replay_frame([*runs, *repaired]))
    frame = player_frame(page)
    for t in [0.0, 0.5, 3.99, 4.0, 9.3, 17.77, 31.0, 44.4, 60.0, 88.8, 119.0, 120.0]:
        shown = frame.evaluate("t => { replay.seek(t); return [0, 1].map(i => replay.shownText(i)); }", t)
        state = frame.evaluate("replay.state()")
        for i, lane in enumerate(lanes):
            assert shown[i] == shown_text(lane, t), f"{lane.name} at {t} s"
            assert state[i]["lines"] == shown_lines(lane, t)
    assert frame.locator(".coarse").count() == 1, "the old run, and only it, is marked as a sparse timeline"
    assert frame.locator("section.lane").count() == 3
    for t, number in ((10.0, 1), (30.0, 2)):
        text = frame.evaluate("t => { replay.seek(t); return replay.shownText(2); }", t)
        assert text and (f"round {number - 1} " * 80).startswith(text)
        assert frame.evaluate("replay.state()")[2]["round"] == number
        assert frame.locator(".round").text_content() == f"round {number} of 2"
    # The hostile line arrived as text: shown literally, never run.
    assert frame.evaluate("document.scripts.length") == 2 and frame.evaluate("document.title") == "race replay"
    frame.evaluate("replay.seek(1e6)")
    deadline = time.monotonic() + 30
    while not any("eval ok 42" in (f.text_content("body") or "") for f in _artifact_frames(frame)):
        assert time.monotonic() < deadline, "a finished lane's preview runs as the dashboard's previews do"
        time.sleep(0.2)
    frame.evaluate("replay.seek(1.5)")  # the hostile line is arriving in the old run's lane
    assert HOSTILE[:30] in frame.locator("pre.code").nth(1).text_content()
    assert frame.evaluate("document.scripts.length") == 2 and frame.evaluate("document.title") == "race replay"


def _artifact_frames(player: Any) -> list[Any]:
    """The artifacts' own documents: inside each preview's wrapper, inside the player."""
    return [inner for wrapper in player.child_frames for inner in wrapper.child_frames]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("replay-app")
    store = RunStore(tmp / "replay.db")
    comparison_id, _ = seed_comparison(store, title="Replayed race")
    server = AppServer({"CANVASBENCH_DB": str(store.path)}, log=tmp / "streamlit.log")
    try:
        server.wait_ready()
        yield {"url": server.url, "id": comparison_id}
    finally:
        server.stop()


def _colours(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((64, 40))
    return len(image.getcolors(maxcolors=64 * 40) or [])


def test_replay_view_jumps_to_the_end_and_draws_every_preview(page: Any, app: dict[str, Any]) -> None:
    page.goto(f"{app['url']}/comparison?comparison={app['id']}&view=replay")
    page.get_by_role("heading", name="Replayed race").wait_for(timeout=90_000)
    frame = player_frame(page)
    assert frame.locator("section.lane").count() == 3
    frame.get_by_role("button", name="Jump to end").click()
    state = frame.evaluate("replay.state()")
    assert all(lane["finished"] and lane["preview"] for lane in state), json.dumps(state)
    previews = frame.locator("iframe.preview")
    assert previews.count() == 3
    for i in range(3):
        # Drawn: the sandboxed page painted more than a blank box (the canvas animates, the SVG is static).
        deadline = time.monotonic() + 30
        while _colours(previews.nth(i).screenshot()) < 3:
            assert time.monotonic() < deadline, f"lane {i}'s preview stayed blank"
            time.sleep(0.2)
        assert previews.nth(i).get_attribute("sandbox") == "allow-scripts allow-pointer-lock"
