"""What counts as an acceptable page, defined once: a render verdict, and optionally an AI judge's score."""

from __future__ import annotations

import re
from dataclasses import dataclass

from canvasbench.errors import UsageError
from canvasbench.status import Verdict

MAX_REPAIR = 5
DEFAULT_ACCEPT = "renders"
_JUDGE = re.compile(r"judge\s*>=\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Acceptance:
    """Acceptable: the render check says `renders` (and, with `min_judge`, the judge scored at least that)."""

    min_judge: float | None = None

    @property
    def spec(self) -> str:
        """The setting as written and stored with the comparison: `renders` or `judge>=7`."""
        return DEFAULT_ACCEPT if self.min_judge is None else f"judge>={self.min_judge:g}"

    def accepts(self, verdict: str | None, judge_score: float | None = None) -> bool:
        """Whether a round with this render verdict (and judge score) is acceptable."""
        if verdict != Verdict.RENDERS:
            return False
        return self.min_judge is None or (judge_score is not None and judge_score >= self.min_judge)


def parse_accept(spec: str | None) -> Acceptance:
    """`renders` (the default) or `judge>=K` (K from 0 to 10) as an Acceptance; anything else is a UsageError."""
    text = (spec or DEFAULT_ACCEPT).strip().lower()
    if text == DEFAULT_ACCEPT:
        return Acceptance()
    match = _JUDGE.fullmatch(text)
    if match is None or not 0 <= float(match.group(1)) <= 10:
        raise UsageError(f"--accept takes 'renders' or 'judge>=K' with K from 0 to 10 (got '{spec}').")
    return Acceptance(min_judge=float(match.group(1)))


def check_repair(rounds: int) -> int:
    """The number of repair rounds, refused outside 0..MAX_REPAIR."""
    if not 0 <= rounds <= MAX_REPAIR:
        raise UsageError(f"Repair rounds must be between 0 and {MAX_REPAIR} (got {rounds}).")
    return rounds
