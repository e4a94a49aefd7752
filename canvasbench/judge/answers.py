"""Reading a judge's answer: exactly the JSON asked for, or an error saying what is wrong (never a guessed score)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)\n?```", re.DOTALL)


class BadAnswer(ValueError):
    """The judge did not answer with the JSON asked for."""


@dataclass(frozen=True)
class ScoreAnswer:
    """A score judgment: per-item scores, an overall 0-10 and a one-sentence reason."""

    items: list[dict[str, Any]]
    overall: float
    reason: str


@dataclass(frozen=True)
class PairAnswer:
    """An A-vs-B judgment as the judge saw the pair."""

    winner: str  # A / B / tie
    reason: str


def _object(text: str) -> dict[str, Any]:
    """The answer's one JSON object: the whole text, or a single ```json fence (models often add one)."""
    stripped = text.strip()
    fenced = _FENCE.fullmatch(stripped)
    if fenced:
        stripped = fenced.group(1).strip()
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise BadAnswer(f"the answer is not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise BadAnswer("the answer is JSON but not an object")
    return value


def _score(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadAnswer(f"{what} is not a number")
    if not 0 <= value <= 10:
        raise BadAnswer(f"{what} is {value}, outside 0-10")
    return float(value)


def _reason(data: dict[str, Any]) -> str:
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise BadAnswer("the reason is missing")
    return reason.strip()


def parse_score(text: str, items: int) -> ScoreAnswer:
    """A score answer with one score per checklist item; BadAnswer otherwise."""
    data = _object(text)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or len(raw_items) != items:
        got = len(raw_items) if isinstance(raw_items, list) else "none"
        raise BadAnswer(f"expected {items} checklist scores, got {got}")
    scored = []
    for n, entry in enumerate(raw_items, start=1):
        value = entry.get("score") if isinstance(entry, dict) else entry
        scored.append({"item": n, "score": _score(value, f"item {n}'s score")})
    return ScoreAnswer(scored, _score(data.get("overall"), "overall"), _reason(data))


def parse_pair(text: str) -> PairAnswer:
    """An A-vs-B answer; BadAnswer otherwise."""
    data = _object(text)
    winner = str(data.get("winner", "")).strip()
    normal = {"a": "A", "b": "B", "tie": "tie"}.get(winner.lower())
    if normal is None:
        raise BadAnswer(f"winner must be A, B or tie, not {winner!r}")
    return PairAnswer(normal, _reason(data))


def parse_checklist(text: str) -> list[str]:
    """A checklist of 5-10 non-empty items; BadAnswer otherwise."""
    data = _object(text)
    items = data.get("checklist")
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise BadAnswer("checklist must be a list of strings")
    if not 3 <= len(items) <= 12:
        raise BadAnswer(f"checklist has {len(items)} items, expected 5-10")
    return [i.strip() for i in items]
