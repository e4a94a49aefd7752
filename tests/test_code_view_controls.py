"""The comparison's Code view controls: whose code is a row of buttons for a few models (no drop-down to load),
the diff partner waits behind one click, choices hold and never diff a run with itself, names stay text."""

from __future__ import annotations

import html

from streamlit.testing.v1 import AppTest

from canvasbench.store import RunStore
from tests.browser_helpers import seed_comparison
from tests.test_app_pages import iframes, open_page, texts

CODES = [("html", f"<!doctype html><title>t</title><p>written by model {n}</p>") for n in range(8)]


def _shown(at: AppTest) -> str:
    """The code view's frame as the browser gets it (the viewer's page inside the sandbox wrapper)."""
    (doc,) = iframes(at)
    return html.unescape(doc)


def _open(n: int = 3, models: tuple[str, ...] | None = None) -> tuple[AppTest, list[str]]:
    chosen = models or ("gemini:gemini-3-flash-preview", "openai:gpt-5.2", "anthropic:claude-opus-4-6", "xai:grok")[:n]
    cid, runs = seed_comparison(RunStore(), models=chosen, artifacts=CODES[: len(chosen)])
    return open_page("pages/comparison_page.py", comparison=cid, view="code"), runs


def test_a_few_models_are_buttons_and_the_diff_partner_waits_in_a_closed_popover() -> None:
    at, runs = _open(3)
    # No drop-down on the view at load: a selectbox's widget kind costs a fresh page ~30 scripts to draw.
    assert not [s for s in at.selectbox if s.key in ("code.run", "code.other")]
    buttons = at.segmented_control(key="code.run")
    assert buttons.value == runs[0]
    assert buttons.options == [  # the names as shown: escaped markdown, bidi-isolated
        "\u2068gemini\\:gemini\\-3\\-flash\\-preview\u2069",
        "\u2068openai\\:gpt\\-5\\.2\u2069",
        "\u2068anthropic\\:claude\\-opus\\-4\\-6\u2069",
    ]
    (popover,) = [p for p in at.get("popover") if "Compare with" in p.proto.popover.label]
    assert at.radio(key="code.other").value == ""  # nobody: one model's code, full width
    assert [c.type for c in popover.children.values()] == ["radio"]
    assert "written by model 0" in _shown(at) and '"mode":"code"' in _shown(at)


def test_choosing_whose_code_and_a_partner_shows_the_diff_and_never_a_run_against_itself() -> None:
    at, runs = _open(3)
    at.segmented_control(key="code.run").set_value(runs[1]).run()
    assert "written by model 1" in _shown(at) and "written by model 0" not in _shown(at)
    assert at.radio(key="code.other").options == [
        "Nobody: show one model's code",
        *(f"\u2068{n}\u2069" for n in ("gemini\\:gemini\\-3\\-flash\\-preview", "anthropic\\:claude\\-opus\\-4\\-6")),
    ]
    at.radio(key="code.other").set_value(runs[2]).run()
    shown = _shown(at)
    assert '"mode":"diff"' in shown and "written by model 1" in shown and "written by model 2" in shown
    assert "Left: openai" in texts(at)
    at.run()  # a rerun keeps both choices
    assert '"mode":"diff"' in _shown(at)
    # Showing the partner's own code drops the diff: a run compared with itself says nothing.
    at.segmented_control(key="code.run").set_value(runs[2]).run()
    assert at.radio(key="code.other").value == ""
    assert '"mode":"code"' in _shown(at) and "written by model 2" in _shown(at)
    at.radio(key="code.other").set_value(runs[0]).run()
    assert '"mode":"diff"' in _shown(at)
    at.radio(key="code.other").set_value("").run()  # nobody again
    assert '"mode":"code"' in _shown(at)


def test_another_comparison_opens_on_its_first_model_after_a_choice_on_this_one() -> None:
    at, runs = _open(3)
    at.segmented_control(key="code.run").set_value(runs[2]).run()
    at.radio(key="code.other").set_value(runs[0]).run()
    other, other_runs = seed_comparison(RunStore(), title="Another", artifacts=CODES[5:8])
    at.query_params["comparison"] = other
    at.run()
    assert not at.exception
    assert at.segmented_control(key="code.run").value == other_runs[0]
    assert at.radio(key="code.other").value == ""
    assert "written by model 5" in _shown(at)


def test_many_models_or_long_names_get_one_drop_down() -> None:
    # Too many buttons for one row at 1440 px: whose code is one drop-down instead (plain text options).
    models = tuple(f"openrouter:vendor/a-long-model-name-number-{n}" for n in range(7))
    at, runs = _open(models=models)
    assert at.selectbox(key="code.run").value == runs[0]
    assert at.selectbox(key="code.run").options[3] == "openrouter:vendor/a-long-model-name-number-3"
    at.selectbox(key="code.run").select_index(3).run()
    assert "written by model 3" in _shown(at)
    at.radio(key="code.other").set_value(runs[4]).run()
    assert '"mode":"diff"' in _shown(at)


def test_a_hostile_model_id_in_the_choices_is_text() -> None:
    # Button and radio labels are markdown: this name would load a remote image and show a live link.
    hostile = "openai:![p](https://a.example/p.png)[x](https://a.example)"
    at, runs = _open(models=(hostile, "openai:gpt-5.2"))
    buttons = at.segmented_control(key="code.run")
    labels = list(buttons.options)
    at.segmented_control(key="code.run").set_value(runs[1]).run()
    labels += at.radio(key="code.other").options
    assert any("example" in label for label in labels)
    assert not [label for label in labels if "](https://" in label], labels
