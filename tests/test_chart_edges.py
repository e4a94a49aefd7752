"""Charts at the edges a real database reaches: free models on the log cost axis, all-zero values, a missing end."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from canvasbench.arena.votes import record_vote
from canvasbench.present.svg_scales import Linear, Log
from canvasbench.store import RunStore, writes
from tests.arena_helpers import finished_comparison
from tests.browser_helpers import seed_comparison
from tests.chart_specs import chart, charts_of
from tests.test_app_pages import open_page


def _texts(html: str) -> list[str]:
    """Every text a chart prints (axis ticks, labels), as a user reads them."""
    return [e.text or "" for e in ET.fromstring(html).iter("text")]


def test_a_free_model_does_not_stretch_the_log_cost_axis_over_twelve_empty_decades() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, ["ollama:llama3", "openai:gpt-5.2"])
    writes.update_run(store, ids[0], cost_usd=0.0)  # a local model priced at zero in the user's price file
    record_vote(store, cid, ids[0], ids[1], "left")
    found = chart(open_page("pages/leaderboard_page.py"), "Strength")
    ticks = _texts(found.html)
    assert not any("e-1" in t or "e-0" in t for t in ticks), ticks  # no $1e-12 … $1e-05 tick labels
    assert "ollama:llama3" in found.title  # said, not silently dropped
    assert set(found.rows("rating")["model"]) == {"openai:gpt-5.2"}


def test_a_model_of_unknown_price_is_named_on_the_cost_chart_not_silently_missing() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, ["ollama:llama3", "openai:gpt-5.2"])
    writes.update_run(store, ids[0], cost_usd=None)  # no price known for it
    record_vote(store, cid, ids[0], ids[1], "left")
    found = chart(open_page("pages/leaderboard_page.py"), "Strength")
    assert "price unknown" in found.title and "ollama:llama3" in found.title
    assert set(found.rows("rating")["model"]) == {"openai:gpt-5.2"}


def test_a_right_to_left_override_in_a_model_id_does_not_reverse_the_charts_own_words() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, ["ollama:\u202eevil", "openai:gpt-5.2"])
    writes.update_run(store, ids[0], cost_usd=None)  # named in the title, with words of ours after it
    record_vote(store, cid, ids[0], ids[1], "left")
    found = chart(open_page("pages/leaderboard_page.py"), "Strength")
    assert "\u202e" not in found.html and "not shown: ollama:evil)" in found.title


def test_runs_with_zero_lines_get_no_negative_tick() -> None:
    store = RunStore()
    _cid, ids = seed_comparison(store, title="All failed early", models=("openai:a", "gemini:b"))
    for run_id in ids:
        writes.update_run(store, run_id, lines=0)
    (scatter,) = charts_of(open_page("pages/metrics_page.py", chart="Lines vs time"))
    assert not [t for t in _texts(scatter.html) if t.startswith(("-", "−"))], _texts(scatter.html)


def test_a_scale_with_one_unknown_end_still_shows_its_value() -> None:
    scale = Linear(float("nan"), 5.0, 0, 100)
    assert 0 <= scale(5.0) <= 100  # the value is on the axis, not off it at 0..1
    assert Log(0.0, 0.05, 0, 100).ticks()[0] >= 0.001  # a zero lower end is no 1e-12 decade
