"""Imported titles, categories and model ids in widget labels (markdown: links and images load) stay text."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from canvasbench.store import RunStore
from tests.browser_helpers import seed_comparison
from tests.recipe_seed import seed_recipe
from tests.test_app_pages import open_page

# Rendered as markdown, this label would fetch a remote image (a tracking pixel) and show a link.
HOSTILE = "![seen](https://attacker.example/pixel.png) [click](https://attacker.example) :red[x] $x$"


def _labels(at: AppTest) -> list[str]:
    """The expanders' and popovers' labels (markdown), as Streamlit receives them."""
    return [str(e.proto.label) for e in at.get("expander")] + [str(e.proto.popover.label) for e in at.get("popover")]


def _raw_markdown(labels: list[str]) -> list[str]:
    """Labels where the hostile text's link or image syntax is still live (not escaped)."""
    return [label for label in labels if "](https://attacker" in label]


def test_a_hostile_category_in_the_matrix_filter_button_is_text() -> None:
    seed_comparison(RunStore(), title="Plain", category=HOSTILE, models=("openai:a", "gemini:b"))
    at = open_page("pages/matrix_page.py")
    at.selectbox(key="matrix.category").select(HOSTILE).run()
    labels = [label for label in _labels(at) if "attacker" in label]
    assert labels and not _raw_markdown(labels), labels


def test_a_hostile_prompt_title_in_the_arena_prompt_expander_is_text() -> None:
    seed_comparison(RunStore(), title=HOSTILE, models=("openai:a", "gemini:b"))
    labels = [label for label in _labels(open_page("pages/arena_page.py")) if "attacker" in label]
    assert labels and not _raw_markdown(labels), labels


def test_a_hostile_planner_model_id_in_the_design_expander_is_text() -> None:
    store = RunStore()
    seeded = seed_recipe(store)
    with store.write():
        store.db.execute("UPDATE runs SET model_id = ? WHERE id = ?", [f"openai:{HOSTILE}", seeded.plan])
    at = open_page("pages/comparison_page.py", comparison=seeded.comparison_id)
    labels = [label for label in _labels(at) if "attacker" in label]
    assert labels and not _raw_markdown(labels), labels


# A right-to-left override in imported text: left open, it reverses everything after it on the same label.
RLO = "evil\u202eabc"


def _override_leaks(label: str) -> bool:
    """True if a bidi override in the label is not closed by a pop-directional-isolate before the next part."""
    for i, ch in enumerate(label):
        if ch in "\u202a\u202b\u202d\u202e":
            rest = label[i:]
            end = rest.find("\u2069")
            if end < 0 or "·" in rest[:end]:
                return True
    return False


@pytest.mark.parametrize(
    ("page", "pick"),
    [
        ("pages/metrics_page.py", lambda at: at.multiselect(key="metrics.categories")),
        ("pages/leaderboard_page.py", lambda at: at.selectbox(key="leaderboard.category")),
        ("pages/matrix_page.py", lambda at: at.selectbox(key="matrix.category")),
    ],
    ids=["metrics", "leaderboard", "matrix"],
)
def test_a_bidi_override_in_a_chosen_category_stays_inside_its_part_of_the_menu_label(page: str, pick: Any) -> None:
    seed_comparison(RunStore(), title="Plain", category=RLO, models=("openai:a", "gemini:b"))
    at = open_page(page)
    pick(at).select(RLO).run()
    labels = [label for label in _labels(at) if "evil" in label]
    assert labels and not [label for label in labels if _override_leaks(label)], labels


def test_typed_model_ids_in_the_models_menu_label_are_text_and_keep_their_overrides_to_themselves() -> None:
    at = open_page("pages/new_comparison_page.py")
    at.multiselect(key="new.models").set_value([f"openai:{RLO}", f"gemini:{HOSTILE}", "anthropic:plain"]).run()
    (label,) = [label for label in _labels(at) if label.startswith("3 models: ")]
    assert not _raw_markdown([label]) and "evil" in label and "anthropic" in label, label
    override = label.index("\u202e")
    assert "\u2069" in label[override : label.index(", ", override)], "the override is closed before the next id"


def test_the_arena_menus_keep_a_title_a_category_and_a_name_with_an_override_to_themselves() -> None:
    cid, _ = seed_comparison(RunStore(), title=RLO, category=RLO, models=("openai:a", "gemini:b"))
    at = open_page("pages/arena_page.py")
    at.session_state["arena.menu"] = True  # the pickers are drawn while their menu is open
    at.run()
    at.selectbox(key="arena.category").select(RLO).run()
    at.session_state["arena.menu"] = True
    at.run()
    at.selectbox(key="arena.pick").set_value(cid).run()
    at.text_input(key="arena.voter").input(f"{RLO} me").run()
    labels = [label for label in _labels(at) if label.startswith(("Showing", "Voting"))]
    assert len(labels) == 2 and all("evil" in label for label in labels), labels
    assert not [label for label in labels if _override_leaks(label)], labels
    assert labels[0].count("\u202e") == 2, "the title and the category, each in its own part"
    assert labels[1].endswith("\u2069"), "the name's override ends with the name"
