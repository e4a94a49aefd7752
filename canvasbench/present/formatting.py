"""How numbers read for people, the same in the CLI and the dashboard: costs, prices, durations, counts, tables."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canvasbench.measure.pricing import Price

# What a number we do not have reads as (a cost reads "unknown" instead: a missing price is never "$0").
MISSING = "–"


def _nan(value: object) -> bool:
    """NaN or pandas' NA: what a table holds where it has no value."""
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA compares to NA, which has no truth value
        return True


def cost(value: float | None, *, unknown: str = "unknown") -> str:
    """A cost in dollars, one format everywhere: cents from $1, two significant digits below, `<$0.0001` if tiny."""
    if value is None or _nan(value):  # no price known
        return unknown
    if value == 0:
        return "$0.00"
    if value < 0.0001:
        return "<$0.0001"  # a real charge must never read as $0.0000
    rounded = float(f"{value:.2g}")
    if rounded >= 1:
        return f"${value:,.2f}"
    # Two significant digits, at least two decimals: $0.012 beside $0.0044, never $0.01 beside $0.0044.
    return f"${rounded:.{max(2, 1 - math.floor(math.log10(rounded)))}f}"


def cost_total(costs: Mapping[str, float | None], *, name: Callable[[str], str] = str) -> str:
    """The sum of some models' costs, honest about unknown prices: the known part is a floor, never "about $0.00".

    `name` shows a model id (a page escapes it for markdown).
    """
    missing = [model for model, value in costs.items() if value is None or _nan(value)]
    known = sum(float(value) for model, value in costs.items() if model not in missing and value is not None)
    if not costs:
        return "nothing to estimate"
    names = ", ".join(name(model) for model in missing)
    if len(missing) == len(costs):
        return f"unknown (no price for {names})"
    if missing:
        return f"at least {cost(known)}; no price for {names}"
    return f"about {cost(known)}"


def per_million(value: float | None, *, unknown: str = MISSING) -> str:
    """A price per 1M tokens: cents as usual, but never rounding away a real price such as $0.005."""
    if value is None or _nan(value):
        return unknown
    cents = f"{value:.2f}"
    return f"${cents}" if float(cents) == value else f"${value:g}"


def price(value: Price | None) -> str:
    """A price as "$in / $out per 1M" (with the long-context tier when there is one), or "unknown"."""
    if value is None:
        return "unknown"
    text = f"{per_million(value.input_per_m)} / {per_million(value.output_per_m)} per 1M"
    if value.long_context_threshold is not None and value.long_input_per_m is not None:
        text += (
            f" ({per_million(value.long_input_per_m)} / {per_million(value.long_output_per_m or 0.0)}"
            f" above {value.long_context_threshold:,} input)"
        )
    return text


def duration(value: float | None, *, unknown: str = MISSING) -> str:
    """A duration like `850 ms`, `12.4 s` or `3 min 05 s`."""
    if value is None or _nan(value):
        return unknown
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes} min {secs:02d} s"


def count(value: float | None, *, unknown: str = MISSING) -> str:
    """A whole number with thousands separators (`12,345`)."""
    if value is None or _nan(value):
        return unknown
    return f"{round(value):,}"


def rate(value: float | None, *, unknown: str = MISSING) -> str:
    """Tokens per second (`1,234 tok/s`)."""
    return unknown if value is None or _nan(value) else f"{count(value)} tok/s"


def share(value: float | None, *, unknown: str = MISSING) -> str:
    """A fraction as a whole percentage (`83%`)."""
    return unknown if value is None or _nan(value) else f"{value:.0%}"


def when(iso: str | None, *, unknown: str = MISSING) -> str:
    """An ISO timestamp as `2026-11-23 14:05 UTC` (text that is not a timestamp comes back as it is)."""
    if not iso:
        return unknown
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def seconds_between(start: str | None, end: str | None = None) -> float | None:
    """Seconds from one ISO timestamp to another (or to now), never negative; None when either is unreadable."""
    if not start:
        return None
    try:
        begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
        until = datetime.fromisoformat(end.replace("Z", "+00:00")) if end else datetime.now(UTC)
    except ValueError:
        return None
    return max((until - begin).total_seconds(), 0.0)


def table(head: Sequence[str], rows: Sequence[Sequence[str]], *, right: Collection[int] = ()) -> str:
    """A plain-text table: a header, a rule of dashes, the rows; columns in `right` are right-aligned."""
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(row) for row in rows)])
