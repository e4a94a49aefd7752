"""Honest figures: an unknown price is unknown (the known part a floor), and every cost has one format."""

from __future__ import annotations

import re

from canvasbench.present import formatting
from canvasbench.store import RunStore
from tests.browser_helpers import seed_comparison
from tests.chart_specs import charts_of
from tests.test_app_pages import open_page, texts

_COST = re.compile(r"\$[0-9][0-9,]*\.([0-9]+)")


def _estimate_label(*, catalogue: list[str], typed: str = "") -> str:
    at = open_page("pages/new_comparison_page.py")
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input("Draw a bouncing ball on a canvas. " * 10).run()
    for model_id in catalogue:
        at.multiselect(key="new.models").select(model_id).run()
    if typed:
        at.multiselect(key="new.models").select(typed).run()
    label = next(e.proto.label for e in at.get("expander") if e.proto.label.startswith("Estimated cost"))
    return label.replace("\\", "")  # as read: the typed model ids are escaped for markdown


def test_an_estimate_with_every_price_unknown_says_unknown_and_a_partial_one_is_a_floor() -> None:
    unknown = _estimate_label(catalogue=[], typed="ollama:qwen3-coder, vllm:my-model")
    assert "$" not in unknown and "unknown" in unknown
    assert "ollama:qwen3-coder" in unknown and "vllm:my-model" in unknown  # which prices are missing

    partial = _estimate_label(catalogue=["gemini:gemini-3-flash-preview"], typed="ollama:qwen3-coder")
    assert re.search(r"at least \$0\.\d+; no price for ollama:qwen3-coder$", partial), partial
    assert "about" not in partial

    known = _estimate_label(catalogue=["gemini:gemini-3-flash-preview"])
    assert re.fullmatch(r"Estimated cost: about \$0\.\d+", known), known


def test_costs_side_by_side_have_the_same_precision() -> None:
    # Two significant digits under a dollar: a cent and a half reads $0.015, beside $0.0044, not $0.01.
    assert formatting.cost(0.0149) == "$0.015" and formatting.cost(0.0044) == "$0.0044"
    assert formatting.cost(0.01) == "$0.010" and formatting.cost(0.5) == "$0.50" and formatting.cost(0.123) == "$0.12"
    assert formatting.cost(2.5) == "$2.50" and formatting.cost(0.00004) == "<$0.0001"
    for value in (0.0044, 0.012, 0.099, 0.13, 0.5, 0.00051):
        digits = formatting.cost(value).lstrip("$0.")
        assert len(digits) == 2, (value, formatting.cost(value))


def test_the_comparison_page_shows_costs_in_one_format() -> None:
    store = RunStore()
    cid, run_ids = seed_comparison(store, models=("openai:a", "openai:b", "openai:c"))
    from canvasbench.store import writes

    for run_id, value in zip(run_ids, (0.0123, 0.0044, 0.31), strict=True):
        writes.update_run(store, run_id, cost_usd=value)
    at = open_page(comparison=cid)
    shown = texts(at)
    costs = [m.group(0) for m in _COST.finditer(shown)]
    assert {"$0.012", "$0.0044", "$0.31"} <= set(costs), costs
    assert "$0.01<" not in shown and "$0.01 " not in shown


def test_the_cost_chart_hovers_in_the_one_cost_format() -> None:
    store = RunStore()
    seed_comparison(store, models=("openai:a", "openai:b", "openai:c"))  # costs 0.01, unknown, 0.03
    at = open_page("pages/metrics_page.py", chart="Cost")
    charts = charts_of(at)
    assert charts, "the cost chart is drawn"
    bars = charts[0].rows("cost")  # the hover shows the formatted cost
    assert {"$0.010", "$0.030"} <= set(bars["cost"]), bars
