"""What a cold load of the arena and of a comparison draws: what is seen, with rarely used controls one click away.

Each Streamlit element costs the browser time on every load (issue 21); a closed popover draws nothing, so the
controls in one cost nothing until it is opened, while a closed expander draws (and loads the code of) its widgets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from canvasbench.store import RunStore
from tests.arena_helpers import finished_comparison
from tests.browser_helpers import seed_comparison

APP = str(Path(__file__).resolve().parent.parent / "app.py")
WIDGETS = ("button", "download_button", "page_link", "segmented_control", "radio", "selectbox", "text_input")
MODELS = ("gemini:gemini-3-flash-preview", "openai:gpt-5.2", "anthropic:claude-opus-4-6", "openai:gpt-5-mini")


def _open(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _is_popover(node: Any) -> bool:
    proto = getattr(node, "proto", None)
    return type(node) is Block and proto is not None and proto.WhichOneof("type") == "popover"


def _drawn(node: Any, *, in_popover: bool = False) -> Iterator[tuple[Any, bool]]:
    """Every node of the main area with whether it sits in a popover (drawn only once that is opened)."""
    for child in getattr(node, "children", {}).values():
        yield child, in_popover
        yield from _drawn(child, in_popover=in_popover or _is_popover(child))


def _on_load(at: AppTest) -> list[Any]:
    return [node for node, hidden in _drawn(at.main) if not hidden]


def _in_popovers(at: AppTest) -> list[Any]:
    return [node for node, hidden in _drawn(at.main) if hidden]


def _label(node: Any) -> str:
    return str(getattr(node, "label", "") or "")


def test_a_comparison_draws_its_rarely_used_controls_only_when_asked() -> None:
    store = RunStore()
    comparison_id, _ = seed_comparison(store, title="Four models", models=MODELS)
    at = _open("pages/comparison_page.py", comparison=comparison_id)
    shown = _on_load(at)
    # On load the main area draws no widget at all (each is its code and a skeleton on a cold visit): the way back and
    # the views are links, each preview reloads and goes full screen in its own frame, and the rest is under Actions.
    widgets = [(n.type, _label(n)) for n in shown if n.type in WIDGETS]
    assert not widgets
    (actions,) = [n for n in shown if _is_popover(n)]
    assert actions.proto.popover.label == "Actions"
    hidden = [_label(n) for n in _in_popovers(at)]
    assert hidden.count("Check render") == 4 and hidden.count("response") == 4
    assert hidden.count(".html") + hidden.count(".svg") == 4
    assert {"Re-run", "Share file", "Send follow-up", "Delete for good"} <= set(hidden)
    # A column's header is one element: no columns nested in the four model columns (2 x 2); the timeline is a view.
    assert len([n for n in shown if n.type == "column"]) == 4
    assert not [n for n in shown if n.type in ("toggle", "checkbox")]


def test_a_run_at_full_size_draws_its_files_and_render_check_only_when_asked() -> None:
    store = RunStore()
    _, runs = seed_comparison(store, title="Two models", models=MODELS[:2])
    at = _open("pages/comparison_page.py", run=runs[0])
    shown = _on_load(at)
    # The way back and the views are links, the preview reloads in its own frame: no widget on load.
    assert not [(n.type, _label(n)) for n in shown if n.type in WIDGETS]
    (files,) = [n for n in shown if _is_popover(n)]
    assert files.proto.popover.label == "Files and render check"
    hidden = [_label(n) for n in _in_popovers(at)]
    assert "Check render" in hidden and "response" in hidden and {".html", ".svg"} & set(hidden)
    assert len([n for n in shown if n.type == "iframe"]) == 1


def test_the_arena_draws_its_pickers_and_name_box_only_when_asked() -> None:
    store = RunStore()
    finished_comparison(store, ["gemini:alpha", "openai:bravo"])
    at = _open("pages/arena_page.py")
    shown = _on_load(at)
    assert not [n for n in shown if n.type in ("selectbox", "text_input")]
    assert not [n for n in at.sidebar.text_input]
    hidden = {n.type for n in _in_popovers(at)}
    assert "text_input" in hidden and "selectbox" not in hidden  # the pickers wait until their menu is opened
    at.session_state["arena.menu"] = True  # as a click on the menu's button does
    at.run()
    assert {n.type for n in _in_popovers(at)} >= {"selectbox", "text_input"}
    # The vote buttons are drawn on load, in rows: no columns around them.
    labels = [_label(n) for n in shown if n.type == "button"]
    assert {"A is better (A)", "B is better (B)", "Tie (T)", "Both are bad (X)", "Next pair (N)"} <= set(labels)
    slots = 2  # the two previews of the pair on screen: A | B
    assert len([n for n in shown if n.type == "column"]) == slots
