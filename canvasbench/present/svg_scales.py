"""Scales for the server-drawn SVG charts: linear, log and band, with nice ticks and their formatted labels."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Format = Callable[[float], str]


def nice_step(span: float, count: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power * 1.0000001:
            return factor * power
    return 10 * power


def decimals(step: float) -> int:
    """How many decimals tick labels `step` apart need to differ."""
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0


def number(step: float) -> Format:
    """Plain numbers with thousands separators, as many decimals as the step needs."""
    places = decimals(step)
    return lambda v: f"{v:,.{places}f}"


def percent(step: float) -> Format:
    """Shares as percentages (0.25 -> 25%)."""
    places = max(0, decimals(step * 100))
    return lambda v: f"{v * 100:.{places}f}%"


def dollars(step: float) -> Format:
    """US dollars at the precision the step needs ($0.002, $1.50)."""
    places = max(2, decimals(step)) if step < 1 else 2
    return lambda v: f"${v:,.{places}f}"


def significant(v: float) -> str:
    """A number at up to three significant digits, no trailing zeros (log axis labels)."""
    return f"{v:,.3g}" if abs(v) >= 1 else f"{v:.3g}"


@dataclass
class Linear:
    """Maps [lo, hi] onto [start, end] pixels; `nice` widens the domain to round ticks."""

    lo: float
    hi: float
    start: float
    end: float
    nice: bool = True
    count: int = 5
    step: float = field(init=False)

    def __post_init__(self) -> None:
        ends = [v for v in (self.lo, self.hi) if math.isfinite(v)]  # one end unknown: the other is the value
        self.lo, self.hi = (min(ends), max(ends)) if ends else (0.0, 1.0)
        if self.hi <= self.lo and self.lo == 0:  # all zero (no lines, no cost): 0 to 1, never a negative tick
            self.hi = 1.0
        elif self.hi <= self.lo:  # one value: a span around it on its own side of zero, so it sits mid-axis
            pad = abs(self.lo) * 0.5
            self.lo, self.hi = self.lo - pad, self.hi + pad
        self.step = nice_step(self.hi - self.lo, self.count)
        if self.nice:
            self.lo = math.floor(self.lo / self.step + 1e-9) * self.step
            self.hi = math.ceil(self.hi / self.step - 1e-9) * self.step

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)

    def ticks(self) -> list[float]:
        """Round values inside the domain."""
        first = math.ceil(self.lo / self.step - 1e-9)
        last = math.floor(self.hi / self.step + 1e-9)
        return [round(i * self.step, 12) for i in range(first, last + 1)]


@dataclass
class Log:
    """Maps positive [lo, hi] onto [start, end] pixels on a log scale, padded by `pad` pixels at both ends."""

    lo: float
    hi: float
    start: float
    end: float
    pad: float = 0.0

    def __post_init__(self) -> None:
        if not self.hi > 0 or not math.isfinite(self.hi):
            self.hi = 1.0
        if not self.lo > 0 or not math.isfinite(self.lo):  # no zero on a log axis: callers leave such values out
            self.lo = self.hi
        self.hi = max(self.hi, self.lo)
        if self.hi / self.lo < 1.5:  # one price: a decade around it
            self.lo, self.hi = self.lo / 3, self.hi * 3

    def __call__(self, value: float) -> float:
        inner = (self.end - self.pad) - (self.start + self.pad)
        t = (math.log10(max(value, 1e-12)) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        return self.start + self.pad + t * inner

    def ticks(self) -> list[float]:
        """Powers of ten in the domain, with 2 and 5 times them when the domain spans few decades."""
        low, high = math.floor(math.log10(self.lo)), math.ceil(math.log10(self.hi))
        factors = (1, 2, 5) if high - low <= 3 else (1,)
        values = [f * 10.0**p for p in range(low, high + 1) for f in factors]
        inside = [v for v in values if self.lo * 0.999 <= v <= self.hi * 1.001]
        return inside or [self.lo, self.hi]


@dataclass
class Band:
    """Equal bands for categories across [start, end]; `padding` is the share of a band left empty."""

    categories: Sequence[str]
    start: float
    end: float
    padding: float = 0.25

    @property
    def step(self) -> float:
        """The width of one band, its gap included."""
        return (self.end - self.start) / max(len(self.categories), 1)

    @property
    def width(self) -> float:
        """The drawn width of one band."""
        return self.step * (1 - self.padding)

    def __call__(self, category: str) -> float:
        """The band's left (or top) edge."""
        return self.start + self.step * list(self.categories).index(category) + self.step * self.padding / 2

    def centre(self, category: str) -> float:
        """The middle of the category's band."""
        return self(category) + self.width / 2


Scale = Linear | Log | Band
