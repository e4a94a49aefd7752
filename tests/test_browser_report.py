"""The report in real Chromium from file:// with every request that is not for a file aborted and recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from canvasbench.present.report import build_report
from canvasbench.store import RunStore
from tests import browser_helpers
from tests.test_report import HOSTILE, seed

browser = browser_helpers.browser


def test_the_report_draws_offline_requests_nothing_and_shows_titles_as_text(browser: Any, tmp_path: Path) -> None:
    store = RunStore()
    seed(store)
    whole = build_report(store)
    drawn = sum(1 for figure in whole.figures.values() if figure is not None)
    curve, point = next(
        (c, p)
        for c, trace in enumerate(whole.figures["lines_time"].data)
        for p, text in enumerate(trace.hovertext)
        if "pwned" in text
    )
    target = tmp_path / "report.html"
    target.write_text(whole.html, encoding="utf-8")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    asked: list[str] = []

    def refuse(route: Any) -> None:
        asked.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith("file:"), refuse)
    page = context.new_page()
    failures: list[str] = []
    page.on("pageerror", lambda exc: failures.append(str(exc)))
    page.on("console", lambda msg: failures.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(target.as_uri())
        # A plotly chart that has drawn has its .main-svg layers (the plot and the hover layer above it).
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length === {drawn}")
        page.wait_for_function(f"document.querySelectorAll('.main-svg').length >= {drawn * 2}")
        # A point's hover shows the prompt title as written: plotly did not read it as markup.
        page.evaluate(f"Plotly.Fx.hover('fig-lines_time', [{{curveNumber: {curve}, pointNumber: {point}}}])")
        hover = page.evaluate("document.querySelector('#fig-lines_time .hoverlayer').textContent")
        assert HOSTILE in hover, hover
        assert page.evaluate("window.pwned") is None and page.locator("img").count() == 0
        assert page.locator("section .empty").count() == len(whole.figures) - drawn
    finally:
        context.close()
    assert asked == [] and failures == []
