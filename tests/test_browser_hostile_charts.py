"""Hostile model ids in the server-drawn charts, in real Chromium: the chart block goes to the page as markdown
with raw HTML, so markup, math, colour directives and CDATA ends in an id must stay the id's text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer, seed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

HOSTILE = (
    'openai:<img src=x onerror="window.__hit=1">$x^2$ :red[y] **b** ]]></title><script>window.__hit=2</script>\u202eend'
)


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from canvasbench.store import RunStore

    tmp = tmp_path_factory.mktemp("hostile")
    seed_comparison(RunStore(tmp / "h.db"), title="Hostile ids", models=(HOSTILE, "gemini:gemini-2.5-flash"))
    app = AppServer({"CANVASBENCH_DB": str(tmp / "h.db"), "CANVASBENCH_PRICES": str(tmp / "p.toml")}, log=tmp / "a.log")
    try:
        app.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(app.url + "/metrics")
            page.wait_for_function("() => document.querySelector('figure.cb-chart svg')", timeout=180_000)
            yield page
            browser.close()
    finally:
        app.stop()


def test_a_hostile_model_id_in_a_chart_is_its_text_and_runs_nothing(metrics: Any) -> None:
    found = metrics.evaluate(
        """() => {
          const fig = document.querySelector('figure.cb-chart');
          return {
            hit: window.__hit || 0,
            markup: fig.querySelectorAll('img, script, .katex, a, strong, [style*="color: red"]').length,
            legend: [...fig.querySelectorAll('.cb-legend > span')].map(s => s.textContent),
          };
        }"""
    )
    assert found["hit"] == 0 and found["markup"] == 0, found
    shown = HOSTILE.replace("\u202e", "")  # a chart drops bidi overrides: they would reverse its own words
    assert shown in found["legend"], found["legend"]
