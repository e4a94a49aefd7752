"""The check follows the artifact's frame through DevTools, also when the page loads its document anew."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from canvasbench.paths import mirror_dir
from canvasbench.render import RenderEngine, check_artifact
from canvasbench.render.processes import chromium_path

PAGES = Path(__file__).parent / "render_pages"

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    eng = RenderEngine(max_concurrent=1)
    yield eng
    eng.close()


def test_a_page_that_reloads_itself_once_is_judged_by_what_it_draws_after(engine: RenderEngine) -> None:
    # The counts of the first document were gone under the check's calls: one run in three ended with no look
    # taken ("blank: no screenshot could be taken"), and the probe of the new document read nothing.
    code = (PAGES / "reloads_once.html").read_text(encoding="utf-8")
    check = check_artifact(code, "html", mirror=mirror_dir(), engine=engine)
    assert check.verdict == "renders", check.evidence
    assert check.details["title"] == "Reloaded"
    assert check.animates is True
    assert "2D canvas 800×500" in check.evidence
