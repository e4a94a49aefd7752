"""Reading the pages' HTML tables (ui/html_table.py) in AppTest as a user reads them: headings and cell texts."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.dots: dict[str, list[str]] = {}  # per table, the colour of each row's dot
        self._name: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._name = a.get("data-table") or ""
            self.tables[self._name] = []
            self.dots[self._name] = []
        elif tag == "tr" and self._name is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "span" and self._name is not None and a.get("role") == "img":
            style = a.get("style") or ""
            self.dots[self._name].append(style.split("color:", 1)[1].split(";", 1)[0])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._name is not None:
            self.tables[self._name].append(self._row)
            self._row = None
        elif tag == "table":
            self._name = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parsed(at: Any) -> _Tables:
    parser = _Tables()
    for element in at.get("html"):
        parser.feed(element.proto.body)
    return parser


def html_table(at: Any, name: str) -> list[dict[str, str]]:
    """The rows of the HTML table named `name` on the page, each {heading: text} (KeyError when absent)."""
    header, *rows = _parsed(at).tables[name]
    return [dict(zip(header, row, strict=True)) for row in rows]


def html_table_names(at: Any) -> list[str]:
    """The names of the HTML tables on the page."""
    return list(_parsed(at).tables)


def row_dots(at: Any, name: str) -> list[str]:
    """The colour of each row's dot in the table `name`."""
    return _parsed(at).dots[name]
