"""The sweep matrix's reads: the sweeps stored, and the runs of a sweep (or of comparisons by category and date)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from canvasbench.store.reads.owners import ERROR
from canvasbench.store.reads.sql import CHECK_COLS, RUN_COLS, conditions

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore

MAX_COMPARISONS = 120  # a matrix of every comparison ever made is no view: the newest this many, said so


@dataclass(frozen=True)
class MatrixFilter:
    """Which comparisons make the matrix: one sweep, or any by category and creation date (ISO, inclusive)."""

    sweep_id: str | None = None
    category: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass
class MatrixRuns:
    """The runs of the chosen comparisons (no texts), and whether older comparisons were left out."""

    runs: list[dict[str, Any]]
    comparisons: int
    cut: bool


def sweeps(store: RunStore, limit: int = 100) -> list[dict[str, Any]]:
    """The newest sweeps: id, when it started, its comparisons (prompts), runs and models."""
    return list(
        store.db.query(
            "SELECT c.sweep_id, min(c.created_at) AS started_at, count(*) AS comparisons,"
            " (SELECT count(*) FROM runs r JOIN comparisons s ON s.id = r.comparison_id"
            "  WHERE s.sweep_id = c.sweep_id) AS runs,"
            " (SELECT count(DISTINCT coalesce(r.recipe, r.model_id)) FROM runs r"
            "  JOIN comparisons s ON s.id = r.comparison_id"
            "  WHERE s.sweep_id = c.sweep_id) AS models "
            "FROM comparisons c WHERE c.sweep_id IS NOT NULL GROUP BY c.sweep_id ORDER BY started_at DESC LIMIT ?",
            [int(limit)],
        )
    )


def matrix_runs(store: RunStore, flt: MatrixFilter, *, max_comparisons: int = MAX_COMPARISONS) -> MatrixRuns:
    """Every run of the chosen comparisons with its prompt, figures and latest render check, oldest first."""
    clauses, params = conditions(
        ("c.sweep_id = ?", flt.sweep_id),
        ("c.category = ?", flt.category),
        ("c.created_at >= ?", flt.since),
        ("c.created_at < ?", flt.until and flt.until + "\uffff"),  # the whole `until` day
    )
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    chosen = [
        row["id"]
        for row in store.db.query(
            f"SELECT c.id FROM comparisons c{where} ORDER BY c.created_at DESC, c.id DESC LIMIT ?",
            [*params, int(max_comparisons) + 1],
        )
    ]
    cut = len(chosen) > max_comparisons
    chosen = chosen[:max_comparisons]
    if not chosen:
        return MatrixRuns([], 0, False)
    sql = (
        f"SELECT {RUN_COLS}, {ERROR} AS error, c.prompt_id, c.title, c.category, c.created_at AS compared_at, "
        f"{CHECK_COLS}, (k.screenshot IS NOT NULL) AS has_screenshot "
        "FROM runs r INDEXED BY runs_list_cover JOIN comparisons c ON c.id = r.comparison_id "
        "LEFT JOIN render_checks k ON k.run_id = r.id "
        "WHERE r.comparison_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY c.created_at, c.id, r.position"
    )
    return MatrixRuns(list(store.db.query(sql, [json.dumps(chosen)])), len(chosen), cut)
