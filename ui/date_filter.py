"""A date-range filter behind one click: the calendar's script loads when it opens, not on every page load."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st


def chosen_days(key: str) -> list[date]:
    """The days picked so far under this widget key (none, a start, or a start and an end)."""
    span = st.session_state.get(key)
    return [d for d in (span if isinstance(span, tuple | list) else [span]) if isinstance(d, date)]


def span_label(days: list[date]) -> str:
    """What the closed filter says is in effect: "any date", "from 2026-01-02" or "2026-01-02 to 2026-01-09"."""
    if not days:
        return "any date"
    if len(days) == 1:
        return f"from {days[0].isoformat()}"
    return f"{days[0].isoformat()} to {days[-1].isoformat()}"


def picker(key: str) -> tuple[str | None, str | None]:
    """The date-range picker itself (for a menu holding other filters too); (since, until) as ISO dates."""
    st.date_input("Date range", value=[], key=key, format="YYYY-MM-DD")
    days = chosen_days(key)
    return (days[0].isoformat() if days else None, days[-1].isoformat() if len(days) > 1 else None)


def date_range(key: str, *, prefix: str = "", container: Any = st, **popover: Any) -> tuple[str | None, str | None]:
    """A popover holding the date-range picker, labelled with the range in effect; (since, until) as ISO dates.

    A closed popover draws nothing in the browser (the date picker is one of Streamlit's heaviest widgets to
    load), while the widget still runs here, so a range set in it holds after it closes.
    """
    label = prefix + span_label(chosen_days(key))
    with container.popover(label, icon=":material/calendar_month:", **popover):
        return picker(key)
