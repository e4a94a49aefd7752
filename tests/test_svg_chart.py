"""The server-drawn SVG charts: hostile text stays text, only chart markup passes, ticks are round, big scatters
stay small in the page."""

from __future__ import annotations

import pytest

from canvasbench.arena.votes import record_vote
from canvasbench.present.svg_chart import Axis, Plot, checked, figure
from canvasbench.present.svg_scales import Linear, Log, dollars
from canvasbench.store import RunStore, writes
from tests.arena_helpers import finished_comparison
from tests.browser_helpers import seed_comparison
from tests.chart_specs import charts_of, model_colours
from tests.test_app_pages import open_page

HOSTILE = '<img src=x onerror=alert(1)>"&'


def test_a_hostile_model_id_and_prompt_title_are_text_in_every_chart_and_tooltip() -> None:
    store = RunStore()
    models = (f"openai:{HOSTILE}", "gemini:gemini-2.5-flash")
    cid, ids = finished_comparison(store, list(models))
    seed_comparison(store, title=f"{HOSTILE}\n\nline two", models=models)
    for run_id in ids:
        writes.update_run(store, run_id, cost_usd=0.01)
    record_vote(store, cid, ids[0], ids[1], "left")
    pages = [open_page("pages/metrics_page.py", chart=tab) for tab in ("Lines vs time", "Cost", "Tokens/s")]
    pages.append(open_page("pages/leaderboard_page.py"))
    charts = [c for at in pages for c in charts_of(at)]
    assert len(charts) == 5
    for chart in charts:
        assert "<img" not in chart.html and "onerror=alert(1)>" not in chart.html.replace("&gt;", "")
        assert models[0] in set(chart.marks["model"])  # the whole id, as written, in the tooltip
    scatter = charts[0].rows("prompt")
    assert f"{HOSTILE} line two" in set(scatter["prompt"])  # one tooltip line per fact


def test_a_prompt_title_with_control_characters_still_gets_its_chart() -> None:
    # XML forbids them even escaped: the chart's markup check failed and the metrics page with it.
    seed_comparison(RunStore(), title="bell\x07 escape\x1b[31m end", models=("openai:a", "gemini:b"))
    (scatter,) = charts_of(open_page("pages/metrics_page.py", chart="Lines vs time"))
    assert set(scatter.rows("prompt")["prompt"]) == {"bell escape[31m end"}


@pytest.mark.parametrize(
    "block",
    [
        '<figure class="cb-chart"><script>alert(1)</script></figure>',
        '<figure class="cb-chart"><svg onload="alert(1)"></svg></figure>',
        '<figure class="cb-chart"><a href="javascript:alert(1)">x</a></figure>',
        '<figure class="cb-chart" style="background:url(https://example.com/x)"></figure>',
    ],
)
def test_only_chart_markup_passes_the_check(block: str) -> None:
    with pytest.raises(ValueError, match="not a chart"):
        checked(block)


def test_a_figure_escapes_its_title_and_keeps_no_raw_line_break() -> None:
    plot = Plot(Axis(lo=0, hi=1), Axis(lo=0, hi=1))
    plot.point(plot.px(0.5), plot.py(0.5), "#123456", [("model", HOSTILE), ("prompt", "a\n\nb")])
    block = figure(HOSTILE, plot.svg(HOSTILE))
    assert "\n" not in block  # a blank line would end the markdown HTML block the page shows it in
    assert "<img" not in block and "&lt;img src=x onerror=alert(1)&gt;&quot;&amp;" in block


def test_axes_have_round_ticks_with_formatted_labels() -> None:
    scale = Linear(0.0, 0.87, 0, 100)
    assert scale.ticks() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [dollars(scale.step)(v) for v in (0.0, 0.2)] == ["$0.00", "$0.20"]
    assert Linear(0, 2043, 0, 100).ticks() == [0, 500, 1000, 1500, 2000, 2500]
    assert Log(0.004, 0.06, 0, 100).ticks() == pytest.approx([0.005, 0.01, 0.02, 0.05])


def test_a_big_scatter_is_one_mark_per_model() -> None:
    store = RunStore()
    models = ["gemini:gemini-2.5-flash", "openai:gpt-5.2"]
    for i in range(260):
        seed_comparison(store, title=f"Bulk {i}", models=models)
    (chart,) = charts_of(open_page("pages/metrics_page.py"))
    assert len(chart.marks) == 2 and sorted(chart.marks["dots"].astype(int)) == [260, 260]
    assert {m for m, _ in model_colours(chart)} == set(models)
