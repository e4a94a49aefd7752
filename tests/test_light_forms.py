"""The Models page and the launch form draw few, light elements (issue 21), and keep everything they did."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from canvasbench.run.prompt_suite import load_suite
from tests.browser_helpers import free_port
from tests.html_tables import html_table
from tests.test_app_pages import open_page

WIDGETS = ("selectbox", "multiselect", "text_input", "text_area", "number_input", "checkbox", "toggle", "button",
           "slider", "segmented_control")  # fmt: skip


def _widgets(at: AppTest) -> dict[str, int]:
    return {kind: n for kind in WIDGETS if (n := len(getattr(at.main, kind)))}  # the page, not the sidebar


def _closed(at: AppTest, label: str) -> Any:
    """The expander whose label starts with `label`, asserted closed (the browser draws none of its content)."""
    (box,) = [e for e in at.main.expander if e.label.startswith(label)]
    assert not box.proto.expanded, f"{label} is open on the page's first view"
    return box


def test_the_models_page_has_one_check_box_for_every_provider_behind_one_click_and_no_data_grid() -> None:
    at = open_page("pages/models_page.py")
    check = _closed(at, "Connectivity check")  # closed, nothing in it is sent: the model box's scripts wait
    assert not _widgets(at) and not check.selectbox and not check.button
    opened = open_page("pages/models_page.py", check="true")  # the link (or the Check's rerun, or Back) keeps it open
    (box,) = [e for e in opened.main.expander if e.label.startswith("Connectivity check")]
    assert box.proto.expanded
    assert _widgets(opened) == {"selectbox": 1, "button": 1}, "one model box and one Check button, not a row each"
    assert not at.dataframe, "a data grid's script (about 1.4 MB) is not loaded for a dozen rows"
    shown = " ".join(str(m.value) for m in at.markdown)
    for provider in ("gemini", "openai", "anthropic", "ollama"):
        assert f"**{provider}**" in shown
    assert opened.selectbox(key="conn-model").value == "gemini:gemini-2.5-flash-lite"  # the cheapest of the first
    opened.selectbox(key="conn-model").set_value("openai:gpt-5.2").run()
    del opened.query_params["check"]  # closed, then opened again: the model chosen is still the one asked
    opened.run()
    opened.query_params["check"] = "true"
    assert opened.run().selectbox(key="conn-model").value == "openai:gpt-5.2"
    rows = {row["model"]: row for row in html_table(at, "catalogue")}
    assert rows["openai:gpt-5.2"]["output $/M"].startswith("$") and "thinking" in rows["openai:gpt-5.2"]["supports"]
    catalogue = next(e.proto.body for e in at.get("html") if 'data-table="catalogue"' in e.proto.body)
    assert '<a href="https://' in catalogue, "each price's source is a link"


def _plain(label: str) -> str:
    """A menu label as it reads: without markdown escapes and bidi isolates."""
    return re.sub(r"[\\\u2068\u2069]", "", label)


def test_the_launch_form_shows_what_most_launches_need_and_keeps_the_rest_behind_one_click() -> None:
    at = open_page("pages/new_comparison_page.py")
    # One box for the prompt (the suite's or your own), one for the models (chosen or typed), Launch.
    assert _widgets(at) == {"selectbox": 1, "multiselect": 1, "button": 1}
    assert at.selectbox(key="new.source").options[0] == "✎ Write my own prompt"
    # Both boxes wait in menus (a closed menu draws nothing in the browser) whose buttons say what is chosen.
    menus = {_plain(m.proto.popover.label): [c.type for c in m.children.values()] for m in at.main.get("popover")}
    box = at.selectbox(key="new.source")
    suite_title = box.options[box.index].split("  ·  ")[0]
    assert menus == {f"Prompt: {suite_title}": ["selectbox"], "Choose models": ["multiselect"]}, menus
    (more,) = [e.proto.label for e in at.get("expander") if e.proto.label.startswith("More options")]
    assert "streamed live" in more, "the closed section still says whether the launch is a batch"
    assert "1 run per model" in more and "no repair rounds" in more and "no build recipes" in more

    at = open_page("pages/new_comparison_page.py", more="true")
    at.number_input(key="new.repeat").set_value(3).run()
    at.number_input(key="new.repair").set_value(2).run()
    del at.query_params["more"]  # closed again: its choices still hold, and its label says so
    at.session_state["more"] = False
    at.run()
    assert not at.number_input
    (more,) = [e.proto.label for e in at.get("expander") if e.proto.label.startswith("More options")]
    assert "3 runs per model" in more and "2 repair rounds" in more, more
    at.multiselect(key="new.models").select("openai:gpt-5.2").run()
    labels = [_plain(m.proto.popover.label) for m in at.main.get("popover")]
    assert "1 model: openai:gpt-5.2" in labels, labels
    (estimate,) = [e.proto.label for e in at.get("expander") if e.proto.label.startswith("Estimated cost")]
    one = open_page("pages/new_comparison_page.py")
    one.multiselect(key="new.models").select("openai:gpt-5.2").run()
    (single,) = [e.proto.label for e in one.get("expander") if e.proto.label.startswith("Estimated cost")]
    assert estimate != single, "the repeats chosen behind the click still multiply the estimate"


def test_the_models_page_lists_overrides_and_own_endpoints_as_tables_and_warns_of_a_broken_price_file(
    isolated_paths: Path,
) -> None:
    prices, endpoints = isolated_paths / "prices.toml", isolated_paths / "endpoints.toml"
    prices.write_text('[models."openai:my-tuned"]\ninput_per_m = 1.0\noutput_per_m = 10.0\nas_of = "2026-12"\n'
                      'source = "https://example.com/<b>prices</b>"\n')  # fmt: skip
    endpoints.write_text('[endpoints.lab]\nbase_url = "http://me:hunter2@lab.internal:8000/v1"\n')
    at = open_page("pages/models_page.py")
    (entry,) = html_table(at, "overrides")
    assert entry["entry"] == "openai:my-tuned" and entry["new"] == "yes" and entry["output $/M"] == "$10.00"
    overrides = next(e.proto.body for e in at.get("html") if 'data-table="overrides"' in e.proto.body)
    assert "<b>" not in overrides and "&lt;b&gt;" in overrides  # the source is a link, its text escaped
    (lab,) = html_table(at, "endpoints")
    assert lab["name"] == "lab" and "hunter2" not in lab["base URL"] and "lab.internal:8000" in lab["base URL"]
    assert "**lab**" in " ".join(str(m.value) for m in at.markdown)  # a provider of its own in the table above

    prices.write_text("[models.broken\n")
    at = open_page("pages/models_page.py")
    assert len(at.warning) == 1 and "Showing the shipped prices only" in at.warning[0].value
    assert html_table(at, "catalogue"), "the shipped prices are still listed"


def test_the_models_page_says_on_its_first_run_that_a_local_server_is_down(isolated_paths: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens: refused at once
    (isolated_paths / "endpoints.toml").write_text(f'[endpoints.ollama]\nbase_url = "{down}"\n')
    at = open_page("pages/models_page.py")  # one run: no redraw each second while it is being checked
    shown = " ".join(str(m.value) for m in at.markdown).replace("\\", "")
    assert f"not reachable at {down} (connection refused)" in shown, shown


def test_the_batch_choice_is_under_more_options_and_the_form_says_beside_launch_when_it_is_on() -> None:
    at = open_page("pages/new_comparison_page.py", more="true")
    at.toggle(key="new.batch").set_value(True).run()
    del at.query_params["more"]  # closed again: the batch choice holds, and the form says so
    at.session_state["more"] = False
    at.run()
    assert not at.main.toggle
    (more,) = [e.proto.label for e in at.get("expander") if e.proto.label.startswith("More options")]
    assert more.startswith("More options: as a batch")
    at.multiselect(key="new.models").select("openai:gpt-5.2").run()
    assert any(str(c.value).startswith("Runs as a batch: 1 request(s)") for c in at.caption)


def test_the_suite_prompt_is_shown_as_written_and_its_text_box_is_one_click_away() -> None:
    first = load_suite()[0]
    at = open_page("pages/new_comparison_page.py")
    assert not at.main.text_area
    page = " ".join(e.proto.body for e in at.get("html"))
    assert escape(first.text.splitlines()[0]) in page, "the prompt's text is shown as written, escaped"
    _closed(at, "Edit the prompt text")

    at = open_page("pages/new_comparison_page.py", edit="true")  # the link (or Back) of an opened box
    at.text_area(key=f"new.suite_text.{first.id}").input(first.text + "\nAlso draw a <sun>.").run()
    del at.query_params["edit"]  # closed again: the edit holds, and the page says so
    at.session_state["edit"] = False
    at.run()
    assert not at.main.text_area
    _closed(at, "Edited: launched as your own prompt")
    assert "Also draw a &lt;sun&gt;." in " ".join(e.proto.body for e in at.get("html"))


def test_a_suite_prompt_edit_holds_while_another_prompt_is_shown_and_a_typed_id_stays_as_typed() -> None:
    first, second = load_suite()[:2]
    at = open_page("pages/new_comparison_page.py", edit="true")
    at.selectbox(key="new.source").set_value(second.id).run()
    at.text_area(key=f"new.suite_text.{second.id}").input(second.text + "\nAlso draw a sun.").run()
    at.multiselect(key="new.models").select("openrouter:qwen/qwen3-coder").run()  # typed: not in the catalogue
    at.selectbox(key="new.source").set_value(first.id).run()  # another prompt shown, then back to the edited one
    at.run()
    at.selectbox(key="new.source").set_value(second.id).run()
    assert at.text_area(key=f"new.suite_text.{second.id}").value.endswith("Also draw a sun.")
    # The typed id as typed: no "(no key)" note (sent back to the browser, it would become part of the id).
    assert at.multiselect(key="new.models").value == ["openrouter:qwen/qwen3-coder"]
