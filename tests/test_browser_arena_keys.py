"""The arena at 1440×900 in real Debian chromium: fast keys all count, in order; pages laid out like the comparison."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canvasbench.store import RunStore
from canvasbench.store.reads import vote_rows
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer, seed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

MODELS = ("gemini:m-zero", "openai:m-one", "anthropic:m-two", "openai:m-three")  # four models: six pairs
NAMES = ("m-zero", "m-one", "m-two", "m-three")
VIEWPORT = {"width": 1440, "height": 900}


def circle_page(i: int) -> str:
    """A black disc on a 1280×800 canvas stretched to the window: round only in a window of that shape."""
    return (
        f"<!doctype html><html><body data-m='page-{i}' style='margin:0;background:#fff'>"
        "<canvas id='c' width='1280' height='800' style='display:block;width:100vw;height:100vh'></canvas>"
        "<script>var x = document.getElementById('c').getContext('2d');"
        "x.beginPath(); x.arc(640, 400, 300, 0, 7); x.fillStyle = '#000'; x.fill();</script></body></html>"
    )


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("arena_keys")
    db = tmp / "arena.db"
    store = RunStore(db)
    cid, runs = seed_comparison(
        store, title="Circles", models=MODELS, artifacts=[("html", circle_page(i)) for i in range(4)]
    )
    env = {
        "CANVASBENCH_DB": str(db),
        "CANVASBENCH_PRICES": str(tmp / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp / "endpoints.toml"),
    }
    server = AppServer(env, log=tmp / "streamlit.log")
    try:
        server.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            try:
                yield {"url": server.url, "store": store, "comparison": cid, "runs": runs, "page": page}
            finally:
                browser.close()
    finally:
        server.stop()


def settled(page: Any) -> None:
    """Wait until every key pressed is stored and the script run that drew it has finished (no fixed sleeps)."""
    page.wait_for_function(
        "() => !document.body.dataset.arenaPending && "
        "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning' && "
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')",
        polling=100,
    )


def open_arena(page: Any, url: str) -> None:
    page.goto(url + "/arena")
    page.get_by_role("button", name="A is better (A)").wait_for()
    settled(page)
    shown_pair(page)  # both pages loaded


def artifact_frames(page: Any, *, visible: bool = True) -> list[Any]:
    """The artifacts' own frames (inside our wrapper) whose wrapper is on screen (or, `visible=False`, not)."""
    found = []
    for frame in page.frames:
        if frame.parent_frame is None or frame.parent_frame.parent_frame is None:
            continue
        try:
            if frame.parent_frame.frame_element().is_visible() == visible:
                found.append(frame)
        except sync_api.Error:  # replaced by a script run since the list was read
            continue
    return found


def loaded(page: Any, *, visible: bool) -> dict[str, int]:
    """The artifacts loaded and laid out (on screen or in the hidden slot): frame title -> index in MODELS."""
    found: dict[str, int] = {}
    for frame in artifact_frames(page, visible=visible):
        try:
            marker = frame.evaluate("document.body && document.body.dataset.m")
            if marker and frame.parent_frame.frame_element().evaluate("e => e.offsetHeight") > 100:
                found[frame.frame_element().get_attribute("title")] = int(marker.removeprefix("page-"))
        except sync_api.Error:  # replaced by a script run since the list was read
            continue
    return found


def wait_loaded(page: Any, *, visible: bool) -> dict[str, int]:
    """Poll (bounded by the test's timeout) until a pair's two pages have loaded: slow machines take longer."""
    while len(found := loaded(page, visible=visible)) < 2:
        page.wait_for_timeout(200)
    return found


def shown_pair(page: Any, *, wait: bool = True) -> tuple[int, int]:
    """Which pages are on screen as A and B (their index in MODELS), read from the pages themselves."""
    shown = wait_loaded(page, visible=True) if wait else loaded(page, visible=True)
    assert set(shown) == {"Program A", "Program B"}, shown
    return shown["Program A"], shown["Program B"]


def visible_text(page: Any) -> str:
    return str(page.inner_text("body")).lower()  # what is drawn: display:none text is left out


def disc_ratio(png: bytes) -> float:
    """Width over height of the dark disc in a screenshot."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    dark = image.point(lambda v: 255 if v < 60 else 0)
    left, top, right, bottom = dark.getbbox() or (0, 0, 0, 1)
    return (right - left) / (bottom - top)


def test_the_vote_buttons_show_without_scrolling_and_pages_are_laid_out_as_in_the_comparison(
    arena: dict[str, Any],
) -> None:
    page = arena["page"]
    page.goto(f"{arena['url']}/comparison?comparison={arena['comparison']}")
    while len([f for f in artifact_frames(page) if f.evaluate("!!document.body?.dataset.m")]) < 4:
        page.wait_for_timeout(200)  # the four previews (the test's timeout bounds the wait)
    sizes = set()
    for frame in artifact_frames(page):
        sizes.add(tuple(frame.evaluate("[innerWidth, innerHeight]")))
    (comparison_size,) = sizes  # every page of the comparison at one desktop viewport

    open_arena(page, arena["url"])
    for label in ("A is better (A)", "B is better (B)", "Tie (T)", "Both are bad (X)"):
        box = page.get_by_role("button", name=label).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (label, box)
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    frames = artifact_frames(page)
    assert len(frames) == 2
    for frame in frames:
        assert tuple(frame.evaluate("[innerWidth, innerHeight]")) == comparison_size
        element = frame.frame_element()
        box = element.bounding_box()  # on screen, after the scaling
        assert box is not None and box["width"] >= 300
        assert box["y"] + box["height"] / 2 <= VIEWPORT["height"], "the pair on screen is where the page starts"
        assert box["width"] / box["height"] == pytest.approx(comparison_size[0] / comparison_size[1], rel=0.01)
        assert disc_ratio(element.screenshot()) == pytest.approx(1.0, abs=0.05), "the circle stays a circle"


def test_nine_fast_keys_are_votes_in_order_on_the_pairs_they_were_pressed_on(arena: dict[str, Any]) -> None:
    page, store, runs = arena["page"], arena["store"], arena["runs"]
    open_arena(page, arena["url"])
    first = shown_pair(page)
    page.get_by_text("Two programs written", exact=False).first.click()  # focus the app, not a preview
    for key in "AUANBNTNX":  # vote, undo, vote again, next, ... all without waiting for the page
        page.keyboard.press(key.lower())
    settled(page)

    votes = vote_rows(store)
    assert [v["outcome"] for v in votes] == ["left", "right", "tie", "both_bad"]
    assert (votes[0]["left_run_id"], votes[0]["right_run_id"]) == (runs[first[0]], runs[first[1]])
    assert len({frozenset((v["left_run_id"], v["right_run_id"])) for v in votes}) == 4  # four different pairs
    last = shown_pair(page)
    assert (votes[3]["left_run_id"], votes[3]["right_run_id"]) == (runs[last[0]], runs[last[1]])
    text = visible_text(page)
    assert "vote saved: both are bad" in text
    assert {name for name in NAMES if name in text} == {NAMES[last[0]], NAMES[last[1]]}  # this pair's reveal only

    # The next pair was prepared behind this one (loaded while this one is looked at): N shows it at once,
    # with nothing of the revealed pair left.
    prepared = wait_loaded(page, visible=False)
    page.keyboard.press("n")
    text = visible_text(page)
    assert not any(name in text for name in NAMES)
    assert "vote saved" not in text
    assert page.get_by_role("button", name="A is better (A)").is_visible()
    following = shown_pair(page, wait=False)  # already loaded: read at once, no wait for the server
    assert following == (prepared["Program A"], prepared["Program B"]) and frozenset(following) != frozenset(last)
    page.get_by_role("button", name="A is better (A)").click()  # a click joins the same queue as the keys
    # Shown at once and stored behind it (or, on a fast machine, already stored).
    # Either line may be up, or both for a moment (the saved line drawn while the status still says saving).
    said = [page.get_by_text(line).first for line in ("Your vote: A is better", "Vote saved: A is better")]
    assert any(line.is_visible() for line in said)
    settled(page)
    fifth = vote_rows(store)[4]
    assert (fifth["outcome"], fifth["left_run_id"], fifth["right_run_id"]) == (
        "left", runs[following[0]], runs[following[1]]
    )
