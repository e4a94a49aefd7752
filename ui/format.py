"""Markdown for pages: safe escaping of untrusted text and the status, verdict and key badges.

Numbers (costs, durations, counts) are formatted by `canvasbench.present.formatting`, shared with the CLI.
"""

from __future__ import annotations

import re
from typing import Any

from canvasbench.present.outcome import RunState, describe_run
from canvasbench.status import Verdict

_CODE_SPAN = re.compile(r"`([^`\n]+)`")  # one line, no backtick inside: it cannot end early or run on
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=&])")

# Streamlit's own icon font and badges: they render the same everywhere (no system emoji font needed).
VERDICT_BADGES: dict[str, str] = {
    Verdict.RENDERS: ":green-badge[:material/visibility: renders]",
    Verdict.RENDERS_WITH_ERRORS: ":orange-badge[:material/bug_report: renders with errors]",
    Verdict.BLANK: ":gray-badge[:material/check_box_outline_blank: blank]",
    Verdict.CRASHED: ":red-badge[:material/dangerous: crashed]",
    Verdict.NOT_CHECKED: ":gray-badge[not checked]",
}
KEY_SET = ":green[:material/check_circle:]"
KEY_MISSING = ":gray[:material/radio_button_unchecked:]"
KEY_UNKNOWN = ":gray[:material/help:]"  # no key needed, and whether its server runs is not known here


def md(text: object) -> str:
    """Escape text for Streamlit markdown so names, prompts and errors show literally (no links, images, HTML)."""
    value = "" if text is None else str(text)
    # A `code` span stays one: inside it markdown shows everything literally, and escaping it would show the
    # backticks themselves ("run \\`canvasbench models\\`"). Everything around it is escaped.
    parts = _CODE_SPAN.split(value)
    value = "".join(f"`{part}`" if i % 2 else _MD_SPECIAL.sub(r"\\\1", part) for i, part in enumerate(parts))
    # Newlines would start new markdown blocks; keep them as visible line breaks instead.
    return value.replace("\r\n", "\n").replace("\n", "  \n")


def one_line(text: object, limit: int = 80) -> str:
    """Text on one line, shortened with an ellipsis (still unescaped)."""
    value = " ".join(("" if text is None else str(text)).split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def state_badge(state: RunState) -> str:
    """A run's state (from the core's one status mapping) as a coloured badge (markdown)."""
    return f":{state.tone}-badge[:material/{state.icon}: {md(state.label)}]"


def run_badge(run: dict[str, Any], stalled_s: float | None = None) -> str:
    """The badge of a stored run: status, finish reason, error and truncation read together."""
    return state_badge(describe_run(run, stalled_s=stalled_s))


def verdict_label(verdict: str | None) -> str:
    """A render-check verdict as a coloured badge (markdown)."""
    verdict = verdict or Verdict.NOT_CHECKED
    return VERDICT_BADGES.get(verdict, f":gray-badge[{md(verdict)}]")
