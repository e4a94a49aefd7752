"""Text helpers for pages: markdown-safe escaping of untrusted text and number formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from canvasbench.run_status import RunState, describe_run

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=&])")

# Streamlit's own icon font and badges: they render the same everywhere (no system emoji font needed).
VERDICT_BADGES = {
    "renders": ":green-badge[:material/visibility: renders]",
    "renders with errors": ":orange-badge[:material/bug_report: renders with errors]",
    "blank": ":gray-badge[:material/check_box_outline_blank: blank]",
    "crashed": ":red-badge[:material/dangerous: crashed]",
    "not checked": ":gray-badge[not checked]",
}
KEY_SET = ":green[:material/check_circle:]"
KEY_MISSING = ":gray[:material/radio_button_unchecked:]"


def md(text: object) -> str:
    """Escape text for Streamlit markdown so names, prompts and errors show literally (no links, images, HTML)."""
    value = "" if text is None else str(text)
    value = _MD_SPECIAL.sub(r"\\\1", value)
    # Newlines would start new markdown blocks; keep them as visible line breaks instead.
    return value.replace("\r\n", "\n").replace("\n", "  \n")


def one_line(text: object, limit: int = 80) -> str:
    """Text on one line, shortened with an ellipsis (still unescaped)."""
    value = " ".join(("" if text is None else str(text)).split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def seconds(value: float | None) -> str:
    """A duration like `850 ms`, `12.4 s` or `3 min 05 s`; `–` when unknown."""
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes} min {secs:02d} s"


def money(value: float | None) -> str:
    """A cost in dollars, or `unknown`."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}"
    return f"${value:,.3f}"


def count(value: int | float | None) -> str:
    """An integer with thousands separators; `–` when unknown."""
    return "–" if value is None else f"{int(value):,}"


def rate(value: float | None) -> str:
    """Tokens per second."""
    return "–" if value is None else f"{value:,.0f} tok/s"


def when(iso: str | None) -> str:
    """An ISO UTC timestamp as `2026-11-23 14:05 UTC`."""
    if not iso:
        return "–"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def elapsed_since(iso: str | None, until: str | None = None) -> float | None:
    """Seconds from one ISO timestamp to another (or to now)."""
    if not iso:
        return None
    try:
        start = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        end = datetime.fromisoformat(until.replace("Z", "+00:00")) if until else datetime.now(UTC)
    except ValueError:
        return None
    return max((end - start).total_seconds(), 0.0)


def state_badge(state: RunState) -> str:
    """A run's state (from the core's one status mapping) as a coloured badge (markdown)."""
    return f":{state.tone}-badge[:material/{state.icon}: {md(state.label)}]"


def run_badge(run: dict[str, Any], stalled_s: float | None = None) -> str:
    """The badge of a stored run: status, finish reason, error and truncation read together."""
    return state_badge(describe_run(run, stalled_s=stalled_s))


def verdict_label(verdict: str | None) -> str:
    """A render-check verdict as a coloured badge (markdown)."""
    verdict = verdict or "not checked"
    return VERDICT_BADGES.get(verdict, f":gray-badge[{md(verdict)}]")
