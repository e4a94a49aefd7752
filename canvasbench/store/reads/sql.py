"""SQL fragments the read modules share: parameter marks, list columns, what counts as votable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from canvasbench.contestants import CONTESTANT_SQL, PLAN_ROUND, PLAN_VERSION
from canvasbench.status import FINAL_STATUSES, Verdict
from canvasbench.store.migrations import CONTESTANT_LIST_COLUMNS, RUN_LIST_COLUMNS
from canvasbench.store.reads.owners import LIVE, STATUS

NOT_CHECKED = Verdict.NOT_CHECKED  # the verdict a render check stores when it could not look
# Status and finish reason as every reader must see them: a run whose process died reads as interrupted.
# Each list row also says who it competes for (`contestant`) and which step of it it is (round, recipe, parent).
CONTESTANT = CONTESTANT_SQL.replace("recipe", "r.recipe").replace("model_id", "r.model_id")
RUN_COLS = ", ".join(LIVE.get(c, f"r.{c}") for c in RUN_LIST_COLUMNS + CONTESTANT_LIST_COLUMNS) + (
    f", {CONTESTANT} AS contestant"
)
# A recipe's planner row: a design, never a page (no tile, check, verdict or vote).
IS_PLAN = f"(coalesce(r.round, 0) = {PLAN_ROUND} OR coalesce(r.repair_version, '') = '{PLAN_VERSION}')"
# The last round of its contestant's chain: what a tile, a matrix cell and the arena show.
IS_FINAL = "NOT EXISTS (SELECT 1 FROM runs later WHERE later.parent_run_id = r.id)"
CHECK_COLS = "k.verdict AS render_verdict, k.js_errors, k.render_ms, k.checked_at"
# A run is shown in the arena and judged only once it has finished (no speed bias) and left a page to look at.
VOTABLE = (
    f"{STATUS} IN ({','.join(repr(str(s)) for s in FINAL_STATUSES)}) AND r.artifact_kind IN ('html', 'svg') "
    "AND length(coalesce(r.artifact, '')) > 0 "
    # A round that a later round repairs is not its contestant's answer: the arena and judge see the last one;
    # a recipe's planner wrote a design, never a page to look at.
    f"AND {IS_FINAL} AND NOT {IS_PLAN}"
)


def marks(values: Sequence[Any]) -> str:
    """`?, ?, ?`: one SQL parameter per value, for `IN (...)`."""
    return ",".join("?" * len(values))


def conditions(*terms: tuple[str, Any]) -> tuple[list[str], list[Any]]:
    """The SQL conditions whose value is given (not None or empty), and their parameters in order."""
    given = [(sql, value) for sql, value in terms if value]
    return [sql for sql, _ in given], [value for _, value in given]
