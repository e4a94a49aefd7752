"""The check's own timers and heartbeat survive a page that clears every timer id there could be."""

from __future__ import annotations

from pathlib import Path

import pytest

from canvasbench.paths import mirror_dir
from canvasbench.render import CheckLimits, RenderEngine, check_artifact
from canvasbench.render.processes import chromium_path

PAGES = Path(__file__).parent / "render_pages"

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


def test_a_busy_page_that_clears_every_timer_still_reads_as_responding() -> None:
    # Its timer computes 145 ms of every 150 ms: with the heartbeat on a timer, the page's clearing loop stopped
    # it, and the page read as "computed for 1.0 s of CPU time without finishing a task" (then checked again
    # alone, 6 s more). A second of CPU without a heartbeat is this test's allowance, not the machine's speed: the
    # page finishes a task every 150 ms of its own time.
    code = (PAGES / "clears_every_timer.html").read_text(encoding="utf-8")
    engine = RenderEngine(max_concurrent=1)
    try:
        check = check_artifact(code, "html", mirror=mirror_dir(), limits=CheckLimits(stuck_cpu_s=1.0), engine=engine)
    finally:
        engine.close()
    assert check.verdict == "renders", check.evidence
    assert "without finishing a task" not in check.evidence
    assert check.limit_hit is None
