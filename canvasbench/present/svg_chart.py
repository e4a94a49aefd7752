"""Small server-drawn SVG charts: axes, gridlines, marks with native tooltips, an HTML legend, all text escaped.

No chart library reaches the browser: a Vega-Lite chart's ~1 MB script compiled on every cold load cost more
than the rest of a page. Text and axes are drawn in `currentColor`, so a chart reads on the light and the dark
theme alike; each mark's `<title>` child is its tooltip, one `field: value` line per fact.
"""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from canvasbench.present.svg_scales import Band, Format, Linear, Log, number, significant

WIDTH = 1000  # viewBox units; the chart spans its column, so one unit is about one pixel at 1440 wide
FONT = 12
CHAR = 0.6 * FONT  # the width of an average character, for room and truncation (no font metrics server-side)
LABEL_CHARS = 32  # longer labels on an axis end in "…" (the whole text is in the label's tooltip)

Tip = Sequence[tuple[str, str]]


# Characters XML 1.0 forbids even as references: a title pasted with one would fail the check and the page.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Bidi embeddings, overrides and isolates: a chart has no isolate to hold them, so one in a model id (U+202E)
# would run on and reverse the chart's own words after it (a title naming models). RTL text needs none of them.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def esc(text: object) -> str:
    """Text made safe for an attribute or element body (model ids and prompt titles are hostile); line breaks as
    character references, so the block has no blank line for markdown to end it at."""
    clean = _BIDI.sub("", _NOT_XML.sub("", str(text)))
    return html.escape(clean, quote=True).replace("\r", "&#13;").replace("\n", "&#10;")


def tooltip(fields: Tip) -> str:
    """A native tooltip: one `field: value` line per fact (a value's own line breaks become spaces)."""
    lines = [f"{k}: {' '.join(str(v).split())}" for k, v in fields]
    return f"<title>{esc(chr(10).join(lines))}</title>" if fields else ""


def clip(text: str, chars: int = LABEL_CHARS) -> str:
    """`text` cut to `chars` characters, ending in "…" when cut."""
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


@dataclass
class Axis:
    """One axis: its kind, domain (or categories), title, tick-label format and label angle."""

    kind: Literal["linear", "log", "band"] = "linear"
    lo: float = 0.0
    hi: float = 1.0
    categories: Sequence[str] = ()
    title: str | None = None
    fmt: Callable[[float], Format] | None = None  # tick step -> label format (linear); ignored by log's `log_fmt`
    log_fmt: Format = significant
    nice: bool = True
    pad: float = 0.0  # log: pixels kept free at both ends (labels beside the outermost points)
    angle: int = 0  # band labels: rotation in degrees
    padding: float = 0.25  # band: the share of a band left empty
    top: bool = False  # x only: labels above the plot


def _label_room(axis: Axis) -> tuple[float, float]:
    """(extent across the axis, overhang along it) of the longest label on a band axis."""
    longest = max((len(clip(c)) for c in axis.categories), default=0) * CHAR
    a = math.radians(abs(axis.angle))
    return longest * math.sin(a) + FONT * math.cos(a), longest * math.cos(a)


class Plot:
    """A chart's plot area, its two scales and the marks drawn on it, in viewBox units."""

    def __init__(self, x: Axis, y: Axis, *, height: float = 380, width: float = WIDTH, right: float = 24) -> None:
        self.x_axis, self.y_axis, self.width = x, y, width
        top, bottom, left = 12.0, 40.0, 64.0
        if x.kind == "band":
            across, along = _label_room(x)
            if y.kind == "band":
                left = max(left, 12 + max((len(clip(c)) for c in y.categories), default=0) * CHAR)
            half = (width - left - right) / max(len(x.categories), 1) / 2
            if x.top:  # angled up-right from each column: the last one must not leave the picture
                top += across
                right = max(right, along - half + 8)
            else:  # angled down-left from each band: the first one must not leave the picture
                bottom = 22 + across + (18 if x.title else 0)
                left = max(left, along - half + 8)
        elif x.title:
            bottom = 50
        self.left, self.top, self.right = left, top, width - right
        self.bottom = top + height
        self.height = self.bottom + bottom
        self.x = self._scale(x, self.left, self.right)
        # Bands run down from the top (the first row first), values up from the bottom.
        self.y = self._scale(y, self.top, self.bottom) if y.kind == "band" else self._scale(y, self.bottom, self.top)
        self.parts: list[str] = []

    @staticmethod
    def _scale(axis: Axis, start: float, end: float) -> Linear | Log | Band:
        if axis.kind == "band":
            return Band(list(axis.categories), start, end, axis.padding)
        if axis.kind == "log":
            return Log(axis.lo, axis.hi, start, end, axis.pad)
        return Linear(axis.lo, axis.hi, start, end, nice=axis.nice)

    def px(self, value: float) -> float:
        """The x position of a value on a linear or log x axis."""
        assert not isinstance(self.x, Band)
        return self.x(value)

    def py(self, value: float) -> float:
        """The y position of a value on a linear or log y axis."""
        assert not isinstance(self.y, Band)
        return self.y(value)

    @property
    def xb(self) -> Band:
        """The x axis's bands (a band x axis)."""
        assert isinstance(self.x, Band)
        return self.x

    @property
    def yb(self) -> Band:
        """The y axis's bands (a band y axis)."""
        assert isinstance(self.y, Band)
        return self.y

    # -- marks (pixel coordinates: callers map values through px / py / xb / yb) ----------------------------

    def point(self, cx: float, cy: float, colour: str, tip: Tip, *, r: float = 5, opacity: float = 0.85) -> None:
        """One dot with its tooltip."""
        self.parts.append(
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="{esc(colour)}" fill-opacity="{opacity}">'
            f"{tooltip(tip)}</circle>"
        )

    def dots(self, points: Iterable[tuple[float, float]], colour: str, tip: Tip, *, r: float = 3.5) -> None:
        """Many dots as one path (one DOM node per model, not per point), with one tooltip for them all: each dot
        a zero-length stroke with round caps, ~10 bytes of markup where a circle of arcs takes ~45."""
        d = "".join(f"M{round(x)} {round(y)}h0" for x, y in points)
        self.parts.append(
            f'<path class="cb-dots" d="{d}" fill="none" stroke="{esc(colour)}" stroke-width="{_n(2 * r)}" '
            f'stroke-linecap="round" stroke-opacity="0.7">{tooltip(tip)}</path>'
        )

    def bar(self, x0: float, x1: float, y0: float, y1: float, colour: str, tip: Tip, *, opacity: float = 1.0) -> None:
        """A rectangle between two x and two y positions (a bar, or a heatmap cell without label)."""
        x, y = min(x0, x1), min(y0, y1)
        self.parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(abs(x1 - x0))}" height="{_n(max(abs(y1 - y0), 0.5))}" '
            f'fill="{esc(colour)}" fill-opacity="{opacity}">{tooltip(tip)}</rect>'
        )

    def cell(self, x: float, y: float, w: float, h: float, fill: str, tip: Tip, label: str, ink: str) -> None:
        """A heatmap cell with its label centred, in `ink` chosen against `fill`."""
        self.parts.append(
            f"<g>{tooltip(tip)}"
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{esc(fill)}" '
            'stroke="#ffffff" stroke-width="1"/>'
            f'<text x="{_n(x + w / 2)}" y="{_n(y + h / 2)}" fill="{esc(ink)}" text-anchor="middle" '
            f'dominant-baseline="central" font-size="13" font-weight="600">{esc(label)}</text></g>'
        )

    def box(self, centre: float, width: float, low: float, q1: float, median: float, q3: float, high: float,
            colour: str, tip: Tip) -> None:  # fmt: skip
        """A box plot: whiskers from min to max, the quartile box, the median line (pixel y values)."""
        half = width / 2
        self.parts.append(
            f"<g>{tooltip(tip)}"
            f'<line x1="{_n(centre)}" x2="{_n(centre)}" y1="{_n(low)}" y2="{_n(high)}" stroke="{esc(colour)}" '
            'stroke-width="2"/>'
            f'<rect x="{_n(centre - half)}" y="{_n(min(q1, q3))}" width="{_n(width)}" '
            f'height="{_n(max(abs(q1 - q3), 1))}" fill="{esc(colour)}" fill-opacity="0.55"/>'
            f'<line x1="{_n(centre - half)}" x2="{_n(centre + half)}" y1="{_n(median)}" y2="{_n(median)}" '
            'stroke="currentColor" stroke-width="2"/></g>'
        )

    def line(self, points: Sequence[tuple[float, float]], colour: str, tip: Tip = (), *, step: bool = False) -> None:
        """A line through the points (a step line holds each value until the next point when `step`)."""
        if not points:
            return
        d = f"M{_n(points[0][0])} {_n(points[0][1])}"
        for x, y in points[1:]:
            d += f"H{_n(x)}V{_n(y)}" if step else f"L{_n(x)} {_n(y)}"
        self.parts.append(
            f'<path d="{d}" fill="none" stroke="{esc(colour)}" stroke-width="2" stroke-linejoin="round">'
            f"{tooltip(tip)}</path>"
        )

    def rule(self, x: float, y0: float, y1: float, colour: str, tip: Tip = (), *, width: float = 2) -> None:
        """A vertical rule (an interval)."""
        self.parts.append(
            f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(y0)}" y2="{_n(y1)}" stroke="{esc(colour)}" '
            f'stroke-width="{width}">{tooltip(tip)}</line>'
        )

    def text(self, x: float, y: float, label: str, *, anchor: str = "middle", size: int = 11, whole: str = "") -> None:
        """A label in the theme's text colour; `whole` (the uncut text) becomes its tooltip."""
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}">{esc(label)}'
            + (f"<title>{esc(whole)}</title>" if whole else "")
            + "</text>"
        )

    # -- axes and the picture ------------------------------------------------------------------------------

    def _axis(self, axis: Axis, scale: Linear | Log | Band, horizontal: bool) -> list[str]:
        out: list[str] = []
        labels: list[str] = []  # the tick labels, for the room the axis title leaves them
        grid = 'stroke="currentColor" stroke-opacity="0.12"'
        if isinstance(scale, Band):
            for c in scale.categories:
                label, whole = clip(c), f"<title>{esc(c)}</title>"
                if horizontal:
                    x, y = scale.centre(c), (self.top - 8 if axis.top else self.bottom + 16)
                    anchor = "start" if axis.top else ("end" if axis.angle else "middle")
                    turn = f' transform="rotate({axis.angle} {_n(x)} {_n(y)})"' if axis.angle else ""
                    out.append(f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{turn}>{esc(label)}{whole}</text>')
                else:
                    y = scale.centre(c)
                    out.append(
                        f'<text x="{_n(self.left - 8)}" y="{_n(y)}" text-anchor="end" '
                        f'dominant-baseline="central">{esc(label)}{whole}</text>'
                    )
        else:
            values = scale.ticks()
            fmt = axis.log_fmt if isinstance(scale, Log) else (axis.fmt or number)(scale.step)
            labels = [fmt(v) for v in values]
            for v in values:
                p = scale(v)
                if horizontal:
                    out.append(f'<line x1="{_n(p)}" x2="{_n(p)}" y1="{_n(self.top)}" y2="{_n(self.bottom)}" {grid}/>')
                    out.append(
                        f'<text x="{_n(p)}" y="{_n(self.bottom + 16)}" text-anchor="middle">{esc(fmt(v))}</text>'
                    )
                else:
                    out.append(f'<line x1="{_n(self.left)}" x2="{_n(self.right)}" y1="{_n(p)}" y2="{_n(p)}" {grid}/>')
                    out.append(
                        f'<text x="{_n(self.left - 8)}" y="{_n(p)}" text-anchor="end" '
                        f'dominant-baseline="central">{esc(fmt(v))}</text>'
                    )
        if axis.title and horizontal:
            out.append(
                f'<text x="{_n((self.left + self.right) / 2)}" y="{_n(self.height - 8)}" text-anchor="middle" '
                f'font-weight="600">{esc(axis.title)}</text>'
            )
        elif axis.title:
            y, widest = (self.top + self.bottom) / 2, max((len(t) for t in labels), default=0) * CHAR
            x = max(14.0, self.left - 8 - widest - 12)
            out.append(
                f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="middle" font-weight="600" '
                f'transform="rotate(-90 {_n(x)} {_n(y)})">{esc(axis.title)}</text>'
            )
        return out

    def svg(self, title: str) -> str:
        """The picture: gridlines and axes under the marks, spanning its column at a fixed aspect."""
        frame = 'stroke="currentColor" stroke-opacity="0.45"'
        axes = [
            *self._axis(self.x_axis, self.x, True),
            *self._axis(self.y_axis, self.y, False),
        ]
        if self.y_axis.kind != "band":
            axes.append(f'<line x1="{_n(self.left)}" x2="{_n(self.right)}" y1="{_n(self.bottom)}" '
                        f'y2="{_n(self.bottom)}" {frame}/>')  # fmt: skip
            axes.append(f'<line x1="{_n(self.left)}" x2="{_n(self.left)}" y1="{_n(self.top)}" '
                        f'y2="{_n(self.bottom)}" {frame}/>')  # fmt: skip
        return (
            f'<svg viewBox="0 0 {_n(self.width)} {_n(self.height)}" width="100%" role="img" aria-label="{esc(title)}" '
            f'font-size="{FONT}" fill="currentColor" style="display:block;height:auto;overflow:visible">'
            + "".join(axes)
            + "".join(self.parts)
            + "</svg>"
        )


@dataclass
class Legend:
    """An HTML legend: a coloured swatch per entry (the whole name in its tooltip), or a colour ramp."""

    entries: list[tuple[str, str]] = field(default_factory=list)  # (label, colour)
    ramp: tuple[list[str], list[str]] | None = None  # (colours low to high, labels under it)
    title: str = ""
    shape: str = "50%"  # the swatch's border-radius: round for dots and lines, square for bars

    def html(self) -> str:
        """The legend's markup, in the theme's text colour."""
        items = []
        if self.title:
            items.append(f'<span style="font-weight:600">{esc(self.title)}</span>')
        for label, colour in self.entries:
            items.append(
                f'<span title="{esc(label)}" style="display:inline-flex;align-items:center;gap:6px;max-width:24rem;'
                'overflow:hidden;text-overflow:ellipsis;white-space:nowrap">'
                f'<span style="flex:none;width:11px;height:11px;border-radius:{self.shape};background:{esc(colour)}">'
                f"</span>{esc(label)}</span>"
            )
        if self.ramp:
            colours, labels = self.ramp
            ticks = "".join(f"<span>{esc(t)}</span>" for t in labels)
            items.append(
                '<span style="display:inline-flex;flex-direction:column;width:160px;gap:2px">'
                f'<span style="height:12px;border-radius:2px;background:linear-gradient(to right,{",".join(colours)})">'
                f'</span><span style="display:flex;justify-content:space-between">{ticks}</span></span>'
            )
        return (
            '<div class="cb-legend" style="display:flex;flex-wrap:wrap;gap:4px 18px;align-items:center;'
            f'font-size:0.85rem;margin-top:4px">{"".join(items)}</div>'
        )


# What a chart may contain. The page shows the block as raw HTML (Streamlit's st.html drops SVG), so besides
# escaping every text, the finished block is checked against this list: no script, handler or link can pass.
TAGS = {"figure", "figcaption", "div", "span", "svg", "g", "title", "circle", "rect", "line", "path", "text"}
ATTRIBUTES = {
    "class", "style", "title", "viewBox", "width", "height", "role", "aria-label", "font-size", "font-weight", "fill",
    "fill-opacity", "stroke", "stroke-opacity", "stroke-width", "stroke-linejoin", "stroke-linecap", "x", "y", "x1",
    "x2", "y1", "y2", "cx", "cy", "r", "d", "transform", "text-anchor", "dominant-baseline",
}  # fmt: skip


def checked(block: str) -> str:
    """`block` if it is well-formed and holds only chart tags and attributes (no script, handler, link or url())."""
    for element in ET.fromstring(block).iter():
        unknown = set(element.attrib) - ATTRIBUTES
        if element.tag not in TAGS or unknown or "url(" in element.get("style", ""):
            raise ValueError(f"not a chart: <{element.tag}> {sorted(unknown)}")
    return block


def figure(title: str, svg: str, legend: Legend | None = None) -> str:
    """A chart as one HTML block: its title, the picture and its legend (checked: see `checked`)."""
    return checked(
        f'<figure class="cb-chart" style="margin:0 0 1.25rem;color:inherit">'
        f'<figcaption style="font-weight:600;font-size:0.95rem;margin-bottom:6px">{esc(title)}</figcaption>'
        f"{svg}{legend.html() if legend else ''}</figure>"
    )


def ramp(value: float, domain: Sequence[float], colours: Sequence[str]) -> str:
    """The colour at `value` on a piecewise-linear RGB ramp through `colours` at `domain`'s stops."""
    value = min(max(value, domain[0]), domain[-1])
    for (d0, c0), (d1, c1) in zip(zip(domain, colours, strict=True), zip(domain[1:], colours[1:], strict=True),
                                  strict=False):  # fmt: skip
        if d0 <= value <= d1:
            t = (value - d0) / (d1 - d0) if d1 > d0 else 0.0
            rgb = [round(int(c0[i : i + 2], 16) * (1 - t) + int(c1[i : i + 2], 16) * t) for i in (1, 3, 5)]
            return "#" + "".join(f"{v:02x}" for v in rgb)
    return colours[-1]


def quartiles(values: Sequence[float]) -> tuple[float, float, float, float, float]:
    """(min, first quartile, median, third quartile, max), quartiles interpolated linearly."""
    ordered = sorted(values)

    def at(q: float) -> float:
        pos = q * (len(ordered) - 1)
        low = math.floor(pos)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)

    return ordered[0], at(0.25), at(0.5), at(0.75), ordered[-1]
