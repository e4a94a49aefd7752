"""Reading the server-drawn SVG charts a page shows under AppTest as a user reads them: each chart's title and,
per mark, its tooltip's `field: value` lines and its colour."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pandas as pd
from streamlit.testing.v1 import AppTest

# A dot of a many-point scatter drawn as one path: each dot is a move and a zero-length line (round caps).
_DOT = re.compile(r"M[-\d.]+ [-\d.]+h0")


@dataclass
class Chart:
    """One chart: its title, its marks (one row per mark with a tooltip: the tooltip's fields, `mark` the SVG
    element, `fill` its colour, `label`/`ink` the text drawn on it and that text's colour) and its HTML."""

    title: str
    marks: pd.DataFrame
    html: str

    def rows(self, field: str) -> pd.DataFrame:
        """The marks whose tooltip has `field`."""
        return self.marks.dropna(subset=[field]) if field in self.marks else self.marks.iloc[0:0]


def _mark(element: ET.Element) -> dict[str, str]:
    title = element.find("title")
    assert title is not None
    row: dict[str, str] = {"mark": element.tag}
    for line in (title.text or "").split("\n"):
        field, _, value = line.partition(": ")
        row[field] = value
    shapes = [element, *[c for c in element if c.tag in ("rect", "line", "circle", "path")]]
    paint = [s.get("fill") if s.get("fill") not in (None, "none") else s.get("stroke") for s in shapes]
    row["fill"] = next((p for p in paint if p and p != "currentColor"), "")
    text = element.find("text")
    if text is not None:
        row.update(label=text.text or "", ink=text.get("fill") or "", font_size=text.get("font-size") or "")
    if element.tag == "path" and element.get("class") == "cb-dots":
        row["dots"] = str(len(_DOT.findall(element.get("d") or "")))
    return row


def parse(html: str) -> Chart:
    """One chart's HTML block read back."""
    root = ET.fromstring(html)
    caption = root.find("figcaption")
    marks = [_mark(e) for e in root.iter() if e.tag != "text" and e.find("title") is not None]
    return Chart(caption.text or "" if caption is not None else "", pd.DataFrame(marks), html)


def charts_of(at: AppTest) -> list[Chart]:
    """Every chart on the page, in page order."""
    bodies = [e.value for e in at.markdown]
    return [parse(body) for body in bodies if body.startswith('<figure class="cb-chart"')]


def chart(at: AppTest, title_start: str) -> Chart:
    """The one chart whose title starts so."""
    (found,) = [c for c in charts_of(at) if c.title.startswith(title_start)]
    return found


def model_colours(chart: Chart) -> list[tuple[str, str]]:
    """(model, colour) for each mark a chart draws in a model's colour (not a heatmap's cells: those carry a label,
    their colour is the win rate's)."""
    marks = chart.rows("model")
    if "ink" in marks:
        marks = marks[marks["ink"].isna()]
    return list(zip(marks["model"], marks["fill"], strict=True))


def points_drawn(chart: Chart) -> int:
    """How many dots a scatter draws: its single dots and the dots of its many-point paths."""
    circles = int((chart.marks["mark"] == "circle").sum())
    return circles + (int(chart.marks["dots"].dropna().astype(int).sum()) if "dots" in chart.marks else 0)


def chart_elements(at: AppTest) -> list[str]:
    """The chart-library elements on the page (a Vega-Lite or plotly chart ships its script to the browser)."""
    return [kind for kind in ("vega_lite_chart", "plotly_chart", "arrow_vega_lite_chart") for _ in at.get(kind)]
