"""The voter's name, set once in its popover, stays for the session: a look at the leaderboard must not turn the
next votes anonymous."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from canvasbench.store import RunStore
from tests.browser_helpers import seed_comparison
from tests.test_app_pages import open_page


def _name_button(at: AppTest) -> str:
    labels = [str(p.proto.popover.label) for p in at.get("popover") if "person" in p.proto.popover.icon]
    (label,) = labels
    return label.replace("\u2068", "").replace("\u2069", "")  # the name is isolated: typed text


def test_the_voters_name_survives_a_visit_to_the_leaderboard() -> None:
    seed_comparison(RunStore(), models=("openai:a", "gemini:b"))
    at = open_page("pages/arena_page.py")
    at.text_input(key="arena.voter").input("Ada").run()
    assert _name_button(at) == "Voting as Ada"
    at.switch_page("pages/leaderboard_page.py").run()
    at.switch_page("pages/arena_page.py").run()
    assert not at.exception
    assert _name_button(at) == "Voting as Ada" and at.text_input(key="arena.voter").value == "Ada"
