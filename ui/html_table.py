"""Small tables as one escaped HTML block: a data grid's script (about 1.4 MB) is not loaded for ten rows.

For tables a user reads rather than sorts or scrolls (one row per model): the grid's script, Arrow and canvas
were the largest part of a cold load of the metrics page and the leaderboard. Every cell is escaped text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import streamlit as st

_WRAP = "overflow-x:auto;width:100%"  # a narrow window scrolls the table; no column is cut off
_TABLE = "border-collapse:collapse;font-size:0.875rem;line-height:1.35;min-width:100%;font-variant-numeric:tabular-nums"
# Lines and header tint in grey at partial opacity: the same on the light and the dark theme.
_HEAD = (
    "text-align:left;font-weight:600;padding:6px 10px;border-bottom:1px solid rgba(128,128,128,0.45);white-space:nowrap"
)
_CELL = "padding:5px 10px;border-bottom:1px solid rgba(128,128,128,0.2);vertical-align:middle"
_BAR = (
    "display:inline-block;width:64px;height:6px;border-radius:3px;background:rgba(128,128,128,0.25);"
    "margin-right:8px;vertical-align:middle;overflow:hidden"
)


@dataclass(frozen=True)
class Dot:
    """A coloured dot (a model's app-wide colour), with its meaning for screen readers."""

    colour: str
    label: str = ""


@dataclass(frozen=True)
class Bar:
    """A share from 0 to 1 drawn as a short bar beside its text (what a progress column showed)."""

    share: float | None
    text: str


Cell = str | int | float | Dot | Bar | None


def _cell(value: Cell) -> str:
    if isinstance(value, Dot):
        return (
            f'<span role="img" aria-label="{escape(value.label)}" '
            f'style="color:{escape(value.colour)};font-size:1rem">●</span>'
        )
    if isinstance(value, Bar):
        if value.share is None:
            return escape(value.text)
        width = max(0.0, min(1.0, value.share)) * 100
        fill = f'<span style="display:block;height:100%;width:{width:.1f}%;background:currentColor;opacity:0.6"></span>'
        return f'<span style="{_BAR}">{fill}</span>{escape(value.text)}'
    return "" if value is None else escape(str(value))


def table_html(name: str, header: Sequence[str], rows: Sequence[Sequence[Cell]], *, right: Sequence[int] = ()) -> str:
    """The table as HTML (`data-table` = name, so a test or the benchmark can find it); `right`: numeric columns."""
    align = {i: "text-align:right;white-space:nowrap" for i in right}
    head = "".join(f'<th style="{_HEAD};{align.get(i, "")}">{escape(h)}</th>' for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL};{align.get(i, "")}">{_cell(v)}</td>' for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        f'<div style="{_WRAP}"><table data-table="{escape(name)}" style="{_TABLE}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def show_table(name: str, header: Sequence[str], rows: Sequence[Sequence[Cell]], *, right: Sequence[int] = ()) -> None:
    """Draw the table across the column."""
    st.html(table_html(name, header, rows, right=right))


_FIGURE = "flex:1 1 150px;min-width:0"
_LABEL = "font-size:0.875rem;opacity:0.75"
_VALUE = "font-size:1.75rem;line-height:1.3;font-variant-numeric:tabular-nums"
_NOTE = "font-size:0.75rem;opacity:0.65"


def figures_html(figures: Sequence[tuple[str, str, str]]) -> str:
    """Headline figures in a row, each (label, value, note under it): what st.metric showed, as one block."""
    cells = "".join(
        f'<div style="{_FIGURE}"><div style="{_LABEL}">{escape(label)}</div>'
        f'<div style="{_VALUE}">{escape(value)}</div><div style="{_NOTE}">{escape(note)}</div></div>'
        for label, value, note in figures
    )
    return f'<div data-figures style="display:flex;flex-wrap:wrap;gap:8px 24px;width:100%">{cells}</div>'


def show_figures(figures: Sequence[tuple[str, str, str]]) -> None:
    """Draw the figures across the column."""
    st.html(figures_html(figures))
