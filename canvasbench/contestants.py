"""Who competes: a model on its own, or a build recipe under its name (the one rule every stage uses)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A recipe's planner writes a design before round 0 (the first page): its row is the round before the first.
PLAN_ROUND = -1
PLAN_VERSION = "plan"  # runs.repair_version of a planner row: what kind of turn it answered

# SQL for a run row's contestant (alias-free: prefix the columns where a query joins tables).
CONTESTANT_SQL = "COALESCE(recipe, model_id)"


def contestant(row: Mapping[str, Any]) -> str:
    """The name a run competes under: its recipe's name, else its model id."""
    return str(row.get("recipe") or row["model_id"])


def is_plan(row: Mapping[str, Any]) -> bool:
    """True for a recipe's planner row: a design with no page, never checked, judged or shown as a tile."""
    return row.get("round") == PLAN_ROUND or row.get("repair_version") == PLAN_VERSION
