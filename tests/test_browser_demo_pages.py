"""The demo for real: its showcase pages render and answer input; its dashboard launches the stand-ins at start."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from canvasbench.measure.extract import extract_artifact
from canvasbench.paths import mirror_dir
from canvasbench.providers.demo import MODEL_IDS, PACES, SHOWCASE_TITLE, answer_text
from canvasbench.render import CheckLimits, RenderEngine, check_artifact
from canvasbench.render.processes import chromium_path
from canvasbench.store import RunStore, reads
from tests.browser_helpers import AppServer

LIMITS = CheckLimits(load_timeout_s=20.0, sample_s=2.0, step_timeout_s=5.0)


@pytest.mark.timeout(600)
@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")
def test_every_showcase_page_renders_moves_and_answers_input() -> None:
    # What the render check gets is what the Runner stores: the artifact extracted from the streamed answer.
    artifacts = {model: extract_artifact(answer_text(model)) for model in PACES}
    engine = RenderEngine(max_concurrent=3)  # one browser session for the three pages
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            checks = dict(zip(artifacts, pool.map(
                lambda a: check_artifact(a.code, a.kind, mirror=mirror_dir(), limits=LIMITS, engine=engine),
                artifacts.values(),
            ), strict=True))  # fmt: skip
    finally:
        engine.close()
    for model, check in checks.items():
        assert check.verdict == "renders", (model, check.evidence)
        assert check.js_errors == 0 and not check.blocked_requests, (model, check.errors, check.blocked_requests)
        assert check.animates, (model, check.evidence)
        assert check.responds_to_input, (model, check.interaction, check.evidence)


def test_the_demo_dashboard_launches_the_stand_ins_comparison_as_it_starts(tmp_path: Path) -> None:
    demo_db = tmp_path / "demo.db"
    env = {"CANVASBENCH_DEMO": "1", "CANVASBENCH_DB": str(demo_db), "CANVASBENCH_DEMO_DB": str(demo_db)}
    server = AppServer(env, log=tmp_path / "streamlit.log")
    try:
        server.wait_ready()
        # No visitor, no click: the server's start-up launched it (generous bound; it normally takes a second).
        deadline = time.monotonic() + 120
        while not demo_db.exists() or not reads.gallery_page(RunStore(demo_db), reads.GalleryFilter(), limit=8,
                                                              offset=0).cards:  # fmt: skip
            assert time.monotonic() < deadline, (tmp_path / "streamlit.log").read_text()
            time.sleep(0.2)
    finally:
        server.stop()
    store = RunStore(demo_db)
    (card,) = reads.gallery_page(store, reads.GalleryFilter(), limit=8, offset=0).cards
    assert card["title"] == SHOWCASE_TITLE
    assert reads.model_ids_of(store, card["id"]) == list(MODEL_IDS)
