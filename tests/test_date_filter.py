"""The date-range filter of metrics and the leaderboard sits behind one click and still narrows what is shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from canvasbench.store import RunStore, writes
from tests.browser_helpers import seed_comparison
from tests.html_tables import html_table
from tests.test_app_pages import open_page


@pytest.fixture
def two_months() -> None:
    store = RunStore()
    for month in (1, 3):
        created = datetime(2026, month, 10, tzinfo=UTC)
        cid, runs = seed_comparison(store, title=f"Month {month}", models=["gemini:a", "openai:b"], created=created)
        writes.insert_vote(store, cid, runs[0], runs[1], "left" if month == 1 else "right", None)


def _popovers(node: Any) -> Iterator[Any]:
    for child in getattr(node, "children", {}).values():
        proto = getattr(child, "proto", None)
        if type(child) is Block and proto is not None and proto.WhichOneof("type") == "popover":
            yield child
        yield from _popovers(child)


def _date_popover(at: AppTest) -> str:
    """The label of the popover holding the page's date picker (a closed popover draws nothing in the browser),
    as a user reads it (the label is markdown with imported text escaped)."""
    (label,) = [p.proto.popover.label for p in _popovers(at.main) if p.get("date_input")]
    return re.sub(r"\\(.)", r"\1", str(label))


@pytest.mark.parametrize("page", ["metrics", "leaderboard"])
def test_the_date_range_is_one_click_away_and_says_what_is_in_effect(two_months: None, page: str) -> None:
    at = open_page(f"pages/{page}_page.py")
    everything = {"metrics": "All runs", "leaderboard": "Human votes · All categories"}[page]
    assert _date_popover(at) == f"{everything} · any date"
    if page == "leaderboard":
        assert len(html_table(at, "leaderboard-human")) == 2
    at.date_input(key=f"{page}.dates").set_value((date(2026, 2, 1), date(2026, 4, 1))).run()
    assert _date_popover(at) == f"{everything} · 2026-02-01 to 2026-04-01"
    if page == "metrics":  # March's two runs only
        assert sorted(r["Runs"] for r in html_table(at, "per-model")) == ["1", "1"]
    else:  # votes are dated when cast (today): none in that range
        assert [e.value for e in at.info] == ["No arena votes (Arena page) match these filters yet."]
