"""The demo's showcase pages are real pages: each renders in the real render check and answers input."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from canvasbench.measure.extract import extract_artifact
from canvasbench.paths import mirror_dir
from canvasbench.providers.demo import PACES, answer_text
from canvasbench.render import CheckLimits, RenderEngine, check_artifact
from canvasbench.render.processes import chromium_path

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
