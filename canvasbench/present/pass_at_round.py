"""Repair rounds across comparisons: the pass@round curve and cost per acceptable page, per contestant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PassPoint:
    """Of a contestant's attempts, how many were acceptable within `k` repair rounds."""

    model: str
    k: int
    acceptable: int
    attempts: int

    @property
    def share(self) -> float:
        """The share acceptable within k rounds (0 to 1)."""
        return self.acceptable / self.attempts if self.attempts else 0.0


@dataclass(frozen=True)
class RoundCost:
    """A contestant's spending on its attempts, failures included, against the acceptable pages it got."""

    model: str
    attempts: int
    acceptable: int
    spent_usd: float  # the known costs of every round run
    unknown: int  # attempts with a round whose price is unknown (their cost is not in spent_usd)
    mean_rounds: float | None  # repair rounds to acceptable, over the acceptable attempts

    @property
    def per_acceptable(self) -> float | None:
        """Total spent / acceptable pages; None without an acceptable page or with an unknown cost."""
        if not self.acceptable or self.unknown:
            return None
        return self.spent_usd / self.acceptable


def _by_model(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row["model"]), []).append(row)
    return grouped


def pass_at_round(rows: Sequence[Mapping[str, Any]]) -> list[PassPoint]:
    """Per contestant, k = 0..N (the most repair rounds its comparisons allowed): attempts acceptable within k.

    `rows`: the attempts export (`canvasbench.run.attempts.attempt_rows`), one per contestant and comparison.
    """
    points = []
    for model, mine in _by_model(rows).items():
        most = max(int(r.get("repair") or 0) for r in mine)
        reached = [r["rounds_to_acceptable"] for r in mine if r.get("rounds_to_acceptable") is not None]
        for k in range(most + 1):
            points.append(PassPoint(model, k, sum(1 for n in reached if int(n) <= k), len(mine)))
    return points


def round_costs(rows: Sequence[Mapping[str, Any]]) -> list[RoundCost]:
    """Per contestant: what its attempts cost in all (failed ones too) and how many acceptable pages that bought."""
    out = []
    for model, mine in _by_model(rows).items():
        known = [float(r["cost_usd"]) for r in mine if r.get("cost_usd") is not None]
        reached = [int(r["rounds_to_acceptable"]) for r in mine if r.get("rounds_to_acceptable") is not None]
        out.append(
            RoundCost(
                model=model,
                attempts=len(mine),
                acceptable=len(reached),
                spent_usd=sum(known),
                unknown=len(mine) - len(known),
                mean_rounds=sum(reached) / len(reached) if reached else None,
            )
        )
    return out
