"""The arena in real Debian chromium: no trace of a model anywhere in the page or its frames until the vote."""

from __future__ import annotations

import contextlib
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

# Names that appear nowhere else in the app, so any occurrence is a leak.
MODELS = ("gemini:zanzibar-pro-7", "anthropic:quetzal-mini-3", "openai:yarrowfield-9")
NAMES = ("zanzibar", "quetzal", "yarrowfield")


@pytest.fixture
def arena(tmp_path: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "arena.db"
    store = RunStore(db)
    # Two finished runs and a third still streaming: the third is never shown and never named.
    cid, runs = seed_comparison(store, title="Bouncing canvas", models=MODELS, statuses=["done", "done", "running"])
    env = {
        "CANVASBENCH_DB": str(db),
        "CANVASBENCH_PRICES": str(tmp_path / "prices.toml"),
        "CANVASBENCH_ENDPOINTS": str(tmp_path / "endpoints.toml"),
    }
    server = AppServer(env, log=tmp_path / "streamlit.log")
    try:
        server.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1500, "height": 1200}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(60_000)
            try:
                yield {"url": server.url, "store": store, "comparison": cid, "runs": runs, "page": page}
            finally:
                context.close()
                browser.close()
    finally:
        server.stop()


def _settle(page: Any) -> None:
    # The page shows a key's outcome before it is stored: wait until the browser has no key pending too.
    with contextlib.suppress(Exception):
        page.wait_for_function(
            "() => !document.body.dataset.arenaPending && "
            "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning' && "
            "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=20_000, polling=200
        )
    page.wait_for_timeout(800)


def everything(page: Any) -> str:
    """The URL, the tab title and the full markup of the page and of every frame in it (sandboxed ones too)."""
    parts = [page.url, page.title()]
    for frame in page.frames:
        with contextlib.suppress(Exception):
            parts.append(frame.url)
            parts.append(frame.content())
    return "\n".join(parts).lower()


def _artifact_frames(page: Any) -> list[Any]:
    return [f for f in page.frames if f.parent_frame is not None and f.parent_frame.parent_frame is not None]


def test_no_model_name_or_id_anywhere_before_the_vote_and_both_after(arena: dict[str, Any]) -> None:
    page, store = arena["page"], arena["store"]
    page.goto(arena["url"] + "/arena")
    page.get_by_text("A is better", exact=False).first.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('iframe').length >= 2", timeout=30_000, polling=200
    )
    _settle(page)
    frames = _artifact_frames(page)
    assert len(frames) == 2  # A and B, both started in the same script run, the streaming run absent
    before = everything(page)
    for secret in (*NAMES, *arena["runs"]):
        assert secret.lower() not in before, f"{secret!r} is visible before the vote"
    assert 'title="program a"' in before and 'title="program b"' in before
    assert page.locator("[data-testid='stDownloadButton']").count() == 0

    page.get_by_text("Two programs written", exact=False).first.click()  # focus the app, not a preview
    page.keyboard.press("b")  # the B-is-better shortcut
    page.get_by_text("Vote saved", exact=False).first.wait_for()
    _settle(page)
    after = everything(page)
    assert "zanzibar" in after and "quetzal" in after
    assert "yarrowfield" not in after  # the streaming run is neither shown nor named
    (vote,) = vote_rows(store)
    assert vote["outcome"] == "right" and {vote["left_model"], vote["right_model"]} == set(MODELS[:2])
    assert "?" not in page.url  # nothing about the pair went into the URL

    page.get_by_text("Two programs written", exact=False).first.click()
    page.keyboard.press("u")  # undo right after voting
    page.get_by_text("A is better", exact=False).first.wait_for()
    _settle(page)
    assert vote_rows(store) == []
    assert all(name not in everything(page) for name in NAMES)
