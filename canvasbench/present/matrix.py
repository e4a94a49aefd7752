"""The sweep matrix as data: prompts as rows, contestants (models) as columns, runs in cells, summaries both ways."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from canvasbench.contestants import contestant
from canvasbench.present import contestant_steps as steps
from canvasbench.status import RENDERED


@dataclass(frozen=True)
class Summary:
    """What a row, a column or a cell comes to: renders of runs, known cost, median lines."""

    renders: int
    runs: int
    cost_usd: float | None  # the known costs' total; None when no run's cost is known
    cost_unknown: int  # runs whose cost is unknown (not counted in cost_usd)
    median_lines: float | None


@dataclass
class Matrix:
    """Rows (prompt key, title, category), columns (contestants: model ids, recipes' names), cells (each
    contestant's final round per comparison, oldest first) and summaries."""

    prompts: list[tuple[str, str, str]] = field(default_factory=list)
    contestants: list[str] = field(default_factory=list)
    who: dict[str, str] = field(default_factory=dict)  # per contestant, who it is in full (a recipe's steps)
    cells: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    row_summary: dict[str, Summary] = field(default_factory=dict)
    column_summary: dict[str, Summary] = field(default_factory=dict)

    def cell(self, prompt_key: str, model_id: str) -> list[dict[str, Any]]:
        """The runs of one prompt by one contestant (repeats and repeated comparisons alike)."""
        return self.cells.get((prompt_key, model_id), [])


def summarise(runs: Iterable[dict[str, Any]]) -> Summary:
    """Renders / runs, the known cost (and how many are unknown), the median of the known line counts."""
    runs = list(runs)
    costs = [r["cost_usd"] for r in runs if r.get("cost_usd") is not None]
    lines = [r["lines"] for r in runs if r.get("lines") is not None]
    return Summary(
        renders=sum(r.get("render_verdict") in RENDERED for r in runs),
        runs=len(runs),
        cost_usd=sum(costs) if costs else None,
        cost_unknown=len(runs) - len(costs),
        median_lines=statistics.median(lines) if lines else None,
    )


def prompt_key(run: dict[str, Any]) -> str:
    """A row's key: the suite prompt's id, else the comparison's own (a custom prompt is its own row)."""
    return str(run.get("prompt_id") or run["comparison_id"])


def _answer(chain: list[dict[str, Any]]) -> dict[str, Any]:
    """A contestant's final round standing for its whole chain: the cost of every step (planner, earlier rounds)."""
    run = steps.final(chain)
    if len(chain) > 1:
        known = [float(r["cost_usd"]) for r in chain if r.get("cost_usd") is not None]
        run = {**run, "cost_usd": sum(known) if len(known) == len(chain) else None}
    return run


def build_matrix(runs: Sequence[dict[str, Any]]) -> Matrix:
    """Group runs (oldest comparison first) into the matrix; rows and columns in the order they first appear.

    A cell holds one entry per contestant per comparison: its final round, costed with all its steps.
    """
    matrix = Matrix()
    prompts: dict[str, tuple[str, str, str]] = {}
    contestants: dict[str, None] = {}
    for chain in steps.chains(runs):
        run = _answer(chain)
        key, who = prompt_key(run), contestant(run)
        prompts.setdefault(key, (key, run.get("title") or key, run.get("category") or ""))
        contestants.setdefault(who, None)
        matrix.who.setdefault(who, steps.hover(chain))
        matrix.cells.setdefault((key, who), []).append(run)
    matrix.prompts = list(prompts.values())
    matrix.contestants = list(contestants)
    for key in prompts:
        matrix.row_summary[key] = summarise(r for m in contestants for r in matrix.cell(key, m))
    for model in contestants:
        matrix.column_summary[model] = summarise(r for k in prompts for r in matrix.cell(k, model))
    return matrix
