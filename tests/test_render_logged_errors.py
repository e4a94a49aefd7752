"""An error a page catches and logs with console.error reaches the check as its name and message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from canvasbench.paths import mirror_dir
from canvasbench.render import RenderCheck, RenderEngine, check_artifact
from canvasbench.render.processes import chromium_path

PAGES = Path(__file__).parent / "render_pages"

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    eng = RenderEngine(max_concurrent=1)
    yield eng
    eng.close()


def _check(engine: RenderEngine, name: str) -> RenderCheck:
    return check_artifact((PAGES / name).read_text(encoding="utf-8"), "html", mirror=mirror_dir(), engine=engine)


def test_a_caught_error_logged_with_its_object_says_what_broke(engine: RenderEngine) -> None:
    check = _check(engine, "logs_caught_errors.html")
    assert check.verdict == "renders with errors", check.evidence
    assert check.errors == ("Level setup failed: TypeError: level.planets.forEach is not a function",)
    assert "level.planets.forEach is not a function" in check.evidence


def test_a_failed_import_logged_as_an_object_still_says_the_page_never_ran(engine: RenderEngine) -> None:
    # `import(...).catch(e => console.error(e))`: the message is what says the page's program never loaded.
    check = _check(engine, "import_fails_and_is_logged.html")
    assert check.verdict == "crashed", check.evidence
    assert "never ran" in check.evidence
    assert any(e.startswith("TypeError: Failed to fetch dynamically imported module") for e in check.errors)
    assert check.missing_files == ("solar-system.js",)
