"""Charts and colours: one distinct colour per model on every chart and page, readable heatmap labels."""

from __future__ import annotations

import itertools

from streamlit.testing.v1 import AppTest

from canvasbench.providers.catalogue import known_models
from canvasbench.store import RunStore, writes
from tests.browser_helpers import seed_comparison
from tests.chart_specs import charts_of, model_colours, points_drawn
from tests.html_tables import row_dots
from tests.test_app_pages import open_page
from ui.leaderboard_charts import HEAT_DOMAIN, HEAT_RANGE

METRICS_TABS = ("Lines vs time", "Tokens/s", "Time to first token", "Cost", "Renders")


def _seed_ten_models() -> list[str]:
    """Two comparisons of the ten catalogue models (three of whose hashed colours collide) with votes."""
    store = RunStore()
    models = [m.model_id for m in known_models()]
    for i in range(2):
        cid, runs = seed_comparison(store, title=f"Prompt {i}", models=models)
        for k in range(len(runs)):
            outcome = ("left", "right", "tie")[k % 3]
            writes.insert_vote(store, cid, runs[k], runs[(k + 1 + i) % len(runs)], outcome, None)
    with store.write():
        # Every run checked, so the render chart draws every model too.
        for run_id in [r[0] for r in store.db.execute("SELECT id FROM runs")]:
            store.table("render_checks").upsert(
                {"run_id": run_id, "checked_at": "2026-12-01T00:00:00Z", "verdict": "renders", "evidence": "drew"},
                pk="run_id",
            )
    return models


def _pairs(at: AppTest) -> list[tuple[str, str]]:
    return [pair for chart in charts_of(at) for pair in model_colours(chart)]


def test_each_model_keeps_one_distinct_colour_on_every_chart_and_page() -> None:
    models = _seed_ten_models()
    seen: list[tuple[str, str, str]] = []
    for tab in METRICS_TABS:
        at = open_page("pages/metrics_page.py", chart=tab)
        seen += [(f"metrics/{tab}", m, c) for m, c in _pairs(at)]
    # A filter shows fewer models: each keeps its colour.
    at = open_page("pages/metrics_page.py", chart="Lines vs time")
    at.multiselect(key="metrics.models").set_value(models[3:6]).run()
    seen += [("metrics filtered", m, c) for m, c in _pairs(at)]
    at = open_page("pages/leaderboard_page.py")
    seen += [("leaderboard", m, c) for m, c in _pairs(at)]
    pages = {where.split("/")[0] for where, _, _ in seen}
    assert pages == {"metrics", "metrics filtered", "leaderboard"}, pages
    colours: dict[str, set[str]] = {}
    for _, model, colour in seen:
        colours.setdefault(model, set()).add(colour.lower())
    assert set(colours) == set(models)
    assert all(len(c) == 1 for c in colours.values()), {m: c for m, c in colours.items() if len(c) > 1}
    one_each = [next(iter(c)) for c in colours.values()]
    assert len(set(one_each)) == len(models), "two models share a colour"
    # The per-model table names each model in that colour too.
    dots = row_dots(open_page("pages/metrics_page.py"), "per-model")
    assert {d.lower() for d in dots} == set(one_each)


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _interpolate(domain: list[float], colours: list[str], value: float) -> str:
    stops = list(zip(domain, colours, strict=True))
    for (d0, c0), (d1, c1) in itertools.pairwise(stops):
        if d0 <= value <= d1:
            t = (value - d0) / (d1 - d0)
            rgb = [round(int(c0[i : i + 2], 16) * (1 - t) + int(c1[i : i + 2], 16) * t) for i in (1, 3, 5)]
            return "#" + "".join(f"{v:02x}" for v in rgb)
    raise AssertionError(f"{value} outside {domain}")


def test_every_heatmap_label_reads_against_its_cell() -> None:
    _seed_ten_models()
    at = open_page("pages/leaderboard_page.py")
    heat = [c for c in charts_of(at) if c.title.startswith("Win rate")]
    assert heat, "no win-rate heatmap"
    cells = heat[0].rows("win rate")
    assert len(cells) >= 20
    rates = sorted({int(r.rstrip("%")) / 100 for r in cells["win rate"]})
    assert rates[0] < 0.2 and rates[-1] > 0.8 and any(0.4 <= r <= 0.6 for r in rates)  # dark and light cells
    for _, cell in cells.iterrows():
        # Each cell's explicit colour on the ramp (at its rate, shown rounded), its label in a colour chosen against it.
        ramp = _interpolate(HEAT_DOMAIN, HEAT_RANGE, int(cell["win rate"].rstrip("%")) / 100)
        assert all(abs(int(ramp[i : i + 2], 16) - int(cell["fill"][i : i + 2], 16)) <= 4 for i in (1, 3, 5)), cell
        assert contrast(cell["fill"], cell["ink"]) >= 4.5, (cell["win rate"], cell["fill"], cell["ink"])
        assert int(cell["font_size"]) >= 12
        assert cell["label"] == cell["win rate"] and len(cell["label"]) <= 4  # "100%" at most: games in the tooltip


def test_the_comparison_timeline_view_draws_each_run_in_its_models_colour() -> None:
    models = _seed_ten_models()[:4]
    store = RunStore()
    cid, _ = seed_comparison(store, title="Timeline", models=models)
    at = open_page("pages/comparison_page.py", comparison=cid)
    assert not charts_of(at)  # nothing drawn until asked for
    assert f'href="?comparison={cid}&amp;view=timeline"' in "".join(e.proto.body for e in at.get("html"))
    at.query_params["view"] = "timeline"  # where that link goes
    at.run()
    (chart,) = charts_of(at)
    pairs = dict(model_colours(chart))
    assert set(pairs) == set(models)
    leaderboard = dict(_pairs(open_page("pages/leaderboard_page.py")))
    shared = [m for m in models if m in leaderboard]  # the scatter leaves out models without a price
    assert len(shared) >= 2 and all(leaderboard[m] == pairs[m] for m in shared)


def test_metrics_sends_the_newest_thousand_runs_and_says_so() -> None:
    store = RunStore()
    models = [m.model_id for m in known_models()]
    for i in range(101):
        seed_comparison(store, title=f"Bulk {i}", models=models)
    at = open_page("pages/metrics_page.py", runs="true")
    runs_table = at.dataframe[0].value
    assert len(runs_table) == 1000
    assert any("The newest 1,000 of 1,010 runs" in c.value for c in at.caption)
    # The scatter draws up to 2,000 runs: all 1,010 here.
    (chart,) = charts_of(at)
    assert points_drawn(chart) == 1010
