"""The sweep matrix as data: prompts as rows, contestants (models) as columns, runs in cells, summaries both ways."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    """Rows (prompt key, title, category), columns (model ids), cells (runs, oldest first) and summaries."""

    prompts: list[tuple[str, str, str]] = field(default_factory=list)
    contestants: list[str] = field(default_factory=list)
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


def build_matrix(runs: Sequence[dict[str, Any]]) -> Matrix:
    """Group runs (oldest comparison first) into the matrix; rows and columns in the order they first appear."""
    matrix = Matrix()
    prompts: dict[str, tuple[str, str, str]] = {}
    contestants: dict[str, None] = {}
    for run in runs:
        key = prompt_key(run)
        prompts.setdefault(key, (key, run.get("title") or key, run.get("category") or ""))
        contestants.setdefault(run["model_id"], None)
        matrix.cells.setdefault((key, run["model_id"]), []).append(run)
    matrix.prompts = list(prompts.values())
    matrix.contestants = list(contestants)
    for key in prompts:
        matrix.row_summary[key] = summarise(r for m in contestants for r in matrix.cell(key, m))
    for model in contestants:
        matrix.column_summary[model] = summarise(r for k in prompts for r in matrix.cell(k, model))
    return matrix
