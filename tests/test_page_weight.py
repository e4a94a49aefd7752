"""What a cold load of a page makes the browser load (issue 21: every page usable within 1.5x a one-line app).

The data grid's script (with Arrow, about 1.4 MB) was the largest part of a cold metrics or leaderboard load:
small read-only tables are HTML now, and the runs grid is one click away. Charts are drawn on a canvas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from canvasbench.store import RunStore
from tests.browser_helpers import seed_comparison
from tests.chart_specs import chart_elements, charts_of
from tests.html_tables import html_table
from tests.test_app_pages import open_page, texts
from ui.html_table import Bar, Dot, table_html


@pytest.fixture
def voted() -> None:
    from canvasbench.store import writes

    store = RunStore()
    for i in range(2):
        cid, runs = seed_comparison(store, title=f"Prompt {i}")
        writes.insert_vote(store, cid, runs[0], runs[1], "left", None)
        writes.insert_vote(store, cid, runs[1], runs[2], "tie", None)


def test_metrics_first_view_has_no_data_grid_and_the_runs_grid_is_one_click_away(voted: None) -> None:
    at = open_page("pages/metrics_page.py")
    assert not at.dataframe, "a data grid on the first view loads the grid's script"
    per_model = html_table(at, "per-model")
    assert [r["Contestant"] for r in per_model] and all(r["Runs"] == "2" for r in per_model)
    assert set(per_model[0]) >= {"Renders cleanly", "Median lines", "Median TTFT", "Median cost", "Failures"}
    shown = texts(at)
    assert "Finished cleanly" in shown and "Median tokens/s" in shown  # the headline figures, as one block
    runs, _exports = at.expander
    assert runs.label.startswith("Runs table · 6 runs")
    opened = open_page("pages/metrics_page.py", runs="true")  # the link (or Back) of an opened table
    assert len(opened.dataframe[0].value) == 6


def test_metrics_exports_are_one_click_away(voted: None) -> None:
    at = open_page("pages/metrics_page.py")
    assert not at.get("download_button") and not at.checkbox  # seven elements and their scripts, not loaded
    assert at.expander[1].label.startswith("Export: CSV, JSON, Parquet, the whole database")
    opened = open_page("pages/metrics_page.py", export="true")  # the link (or Back) of the opened exports
    labels = {b.proto.label for b in opened.get("download_button")}
    assert {"CSV", "JSON", "Parquet", "Whole database", "Download interactive report (HTML)"} <= labels


def test_leaderboard_first_view_has_no_data_grid(voted: None) -> None:
    at = open_page("pages/leaderboard_page.py")
    assert not at.dataframe
    rows = html_table(at, "leaderboard-human")
    assert [r["#"] for r in rows] == ["1", "2", "3"]
    assert set(rows[0]) == {
        "#", "Contestant", "Rating", "95% low", "95% high", "Outcomes", "Median cost / generation", "Median latency",
        "Renders", "Runs",
    }  # fmt: skip
    assert sum(float(r["Outcomes"]) for r in rows) == 8  # four votes, each counted for both models
    assert len(charts_of(at)) == 2


def test_no_chart_script_reaches_the_browser(voted: None) -> None:
    # A Vega-Lite chart's ~1 MB script compiled on every cold load (~1.4x a one-line page on its own): the
    # charts are SVG drawn on the server, one HTML block each.
    pages = [open_page(p) for p in ("pages/metrics_page.py", "pages/leaderboard_page.py")]
    pages += [open_page("pages/metrics_page.py", chart=tab) for tab in ("Tokens/s", "Time to first token", "Cost")]
    assert [len(charts_of(at)) for at in pages] == [1, 2, 1, 1, 1]
    assert not [kind for at in pages for kind in chart_elements(at)]


def _drawn(node: Any, inside: str = "") -> Iterator[tuple[str, str]]:
    """(element type, the closed block it is in or "") for every element of the main area."""
    for child in getattr(node, "children", {}).values():
        if isinstance(child, Block) and child.type in ("popover", "expander") and not inside:
            yield from _drawn(child, child.type)  # closed at load: its widgets run here and draw nothing in the browser
        elif isinstance(child, Block):  # a column, a row, a container: drawn with the page
            yield from _drawn(child, inside)
        else:
            yield child.type, inside


def _widgets_at_load(at: AppTest) -> set[str]:
    return {kind for kind, inside in _drawn(at.main) if not inside} & {
        "multiselect", "selectbox", "date_input", "text_input", "checkbox", "radio", "slider"}  # fmt: skip


def _menu(at: AppTest, *, raw: bool = False) -> str:
    """The label of the filter menu (the popover holding a date picker), as a user reads it (markdown unescaped)."""
    (label,) = [
        b.proto.popover.label
        for b in _blocks(at.main)
        if b.type == "popover" and [k for k, _ in _drawn(b) if k == "date_input"]
    ]
    # Bidi isolates around imported text are invisible: a user reads the text between them.
    return label if raw else re.sub(r"\\(.)", r"\1", re.sub("[\u2066-\u2069]", "", label))


def _blocks(node: Any) -> Iterator[Any]:
    for child in getattr(node, "children", {}).values():
        if isinstance(child, Block):
            yield child
            yield from _blocks(child)


HOSTILE_MODEL = "evil:[click](https://e.io) **loud**"


def test_metrics_filters_are_one_menu_that_says_what_is_in_effect() -> None:
    # Four multiselects and a date picker in view were the costliest part of a metrics cold load: closed, the
    # menu draws nothing, and its button says which filters are on, so a closed menu hides nothing.
    store = RunStore()
    seed_comparison(store, title="Prompt 0", models=["gemini:a", "openai:b", HOSTILE_MODEL])
    at = open_page("pages/metrics_page.py")
    assert not _widgets_at_load(at), "a filter widget drawn on the first view"
    assert _menu(at) == "All runs · any date"
    at.multiselect(key="metrics.models").set_value([HOSTILE_MODEL]).run()
    at.multiselect(key="metrics.statuses").set_value(["done"]).run()
    assert _menu(at) == f"{HOSTILE_MODEL} · done · any date"
    label = _menu(at, raw=True)
    assert "[click](" not in label and "**loud**" not in label  # imported text, never a link or bold
    assert [r["Contestant"] for r in html_table(at, "per-model")] == [HOSTILE_MODEL]
    at.multiselect(key="metrics.prompts").set_value([]).run()
    at.multiselect(key="metrics.categories").set_value(["canvas"]).run()
    assert _menu(at).startswith(f"canvas · {HOSTILE_MODEL} · ")
    at.multiselect(key="metrics.models").set_value(["gemini:a", "openai:b"]).run()
    assert _menu(at).startswith("canvas · 2 models · done · ")


def test_a_metrics_filter_on_a_category_or_model_no_longer_in_the_database_is_dropped_and_said() -> None:
    store = RunStore()
    seed_comparison(store, title="Prompt 0", category="svg", models=["gemini:a", "openai:b"])
    seed_comparison(store, title="Prompt 1", category="canvas", models=["gemini:a"])
    at = open_page("pages/metrics_page.py")
    at.multiselect(key="metrics.categories").set_value(["svg"]).run()
    at.multiselect(key="metrics.models").set_value(["openai:b"]).run()
    assert _menu(at) == "svg · openai:b · any date"
    with store.write():  # re-imported under other names: the chosen ones are gone
        store.db.execute("UPDATE comparisons SET category = 'game' WHERE category = 'svg'")
        store.db.execute("UPDATE runs SET model_id = 'openai:c' WHERE model_id = 'openai:b'")
    at.run()
    assert not at.exception
    assert _menu(at) == "All runs · any date", "the menu names filters that no longer apply"
    assert "no longer filtered on: svg, openai:b" in re.sub("[\\\\\u2066-\u2069]", "", texts(at))
    assert len(html_table(at, "per-model")) == 2  # every run shown, as the menu now says


def test_the_metrics_and_leaderboard_filters_are_as_left_after_visiting_another_page(voted: None) -> None:
    at = open_page("pages/metrics_page.py")
    at.multiselect(key="metrics.categories").set_value(["canvas"]).run()
    at.switch_page("pages/leaderboard_page.py").run()
    at.segmented_control(key="leaderboard.by").set_value("both").run()
    at.switch_page("pages/models_page.py").run()  # (AppTest's switch to the default page drops widget state)
    at.switch_page("pages/metrics_page.py").run()
    assert _menu(at).startswith("canvas · "), "the metrics filter was lost on a page switch"
    # Its box shows it too: a value held only on the server is not sent to the browser, whose box then showed
    # empty (in a real browser, not here) while the menu's label said "canvas". The first run of a visit sends it.
    box = at.multiselect(key="metrics.categories")
    assert box.proto.set_value and list(box.proto.raw_values) == ["canvas"]
    at.switch_page("pages/leaderboard_page.py").run()
    assert _menu(at).startswith("Human votes and AI judge · "), "the leaderboard's ranking was lost"


def test_leaderboard_ranking_category_and_dates_are_one_menu_that_says_what_is_in_effect(voted: None) -> None:
    # A segmented control, a selectbox and a date picker in view were the costliest part of a leaderboard cold
    # load: closed, the menu draws nothing, and its button says what the ranking is and what filters it.
    at = open_page("pages/leaderboard_page.py")
    assert not _widgets_at_load(at) and not [k for k, inside in _drawn(at.main) if k == "button_group" and not inside]
    assert _menu(at) == "Human votes · All categories · any date"
    at.selectbox(key="leaderboard.category").set_value("canvas").run()
    assert _menu(at) == "Human votes · canvas · any date"
    assert len(html_table(at, "leaderboard-human")) == 3
    at.segmented_control(key="leaderboard.by").set_value("both").run()
    assert _menu(at) == "Human votes and AI judge · canvas · any date"
    assert [h.value for h in at.subheader] == ["Human votes", "AI judge"]  # the ranking in effect, in view


def test_metrics_charts_are_one_at_a_time_picked_in_a_menu_that_names_the_one_shown(voted: None) -> None:
    # A row of six tabs was about a quarter of the page's busy main-thread time on a cold load: one menu names the
    # chart shown and draws nothing until opened; the chart stays in the URL (?chart=) for a link or Back.
    at = open_page("pages/metrics_page.py")
    assert not at.tabs and not _widgets_at_load(at)
    assert _chart_menu(at) == "Lines vs time · 5 more charts"
    assert [c.title for c in charts_of(at)] == ["Lines written vs total time"]
    at.radio(key="chart").set_value("Cost").run()
    assert _chart_menu(at) == "Cost · 5 more charts"
    (cost,) = charts_of(at)
    assert cost.title.startswith("Cost per run")
    linked = open_page("pages/metrics_page.py", chart="Generation timeline")  # a link (or Back) to a chart
    assert _chart_menu(linked) == "Generation timeline · 5 more charts"
    assert [c.title for c in charts_of(linked)] == ["Lines over time"]


def _chart_menu(at: AppTest) -> str:
    (label,) = [b.proto.popover.label for b in _blocks(at.main) if b.type == "popover" and b.radio]
    return str(label)


def test_an_html_table_shows_hostile_text_as_text() -> None:
    hostile = ["<img src=x onerror=alert(1)>", Dot('red"><script>', "<i>"), Bar(2, "<s>")]
    html = table_html("t", ["<b>head</b>"], [hostile])
    assert "<img" not in html and "<script" not in html and "<b>" not in html and "<s>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "width:100.0%" in html  # a share above 1 fills the bar, no more


def test_a_comparison_draws_its_render_check_details_only_when_one_is_opened() -> None:
    # A closed expander's content is still drawn in the browser: every column's three screenshots were drawn on
    # each visit of a checked comparison. Closed, the details are their label; opened, all of them are there.
    from tests.share_helpers import long_comparison

    cid, run_ids = long_comparison(RunStore())
    at = open_page("pages/comparison_page.py", comparison=cid)
    assert [e.label for e in at.expander].count("Render check details") == 4
    assert "image" not in [kind for kind, _ in _drawn(at.main)], "a screenshot drawn while its details are closed"
    assert "drew pixels" not in texts(at)
    at.session_state[f"check-details-{run_ids[1]}"] = True  # as a click on the second column's details does
    at.run()
    assert [kind for kind, _ in _drawn(at.main)].count("image") == 3  # that column's filmstrip, whole
    assert "drew pixels" in texts(at) and "1 → 2 watched" in texts(at)


def test_a_rerun_sends_no_kept_value_back_over_what_is_being_typed() -> None:
    # A value set by code is sent to the browser on that run. Set on every run, a rerun on its way while the user
    # typed in another box put the server's older value back over the typing (a title lost, seen in a CI run).
    # Only the first run of a visit sends the kept values, which a page visited again needs.
    at = open_page("pages/new_comparison_page.py")
    at.selectbox(key="new.source").set_value("own").run()
    at.text_input(key="new.own_title").input("Bounce").run()
    at.text_area(key="new.own_text").input("Draw a ball.").run()
    assert not at.text_input(key="new.own_title").proto.set_value
    assert not at.text_area(key="new.own_text").proto.set_value
    assert not at.multiselect(key="new.models").proto.set_value
    at.switch_page("pages/metrics_page.py").run()
    at.switch_page("pages/new_comparison_page.py").run()
    title = at.text_input(key="new.own_title")
    assert title.proto.set_value and title.value == "Bounce"  # the visit back is sent what was left
