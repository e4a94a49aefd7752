"""SQL fragments the read modules share: parameter marks, list columns, what counts as votable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from canvasbench.status import FINAL_STATUSES, Verdict
from canvasbench.store.migrations import RUN_LIST_COLUMNS
from canvasbench.store.reads.owners import LIVE, STATUS

NOT_CHECKED = Verdict.NOT_CHECKED  # the verdict a render check stores when it could not look
# Status and finish reason as every reader must see them: a run whose process died reads as interrupted.
RUN_COLS = ", ".join(LIVE.get(c, f"r.{c}") for c in RUN_LIST_COLUMNS)
CHECK_COLS = "k.verdict AS render_verdict, k.js_errors, k.render_ms, k.checked_at"
# A run is shown in the arena and judged only once it has finished (no speed bias) and left a page to look at.
VOTABLE = (
    f"{STATUS} IN ({','.join(repr(str(s)) for s in FINAL_STATUSES)}) AND r.artifact_kind IN ('html', 'svg') "
    "AND length(coalesce(r.artifact, '')) > 0 "
    # A round that a later round repairs is not its contestant's answer: the arena and judge see the last one.
    "AND NOT EXISTS (SELECT 1 FROM runs later WHERE later.parent_run_id = r.id)"
)


def marks(values: Sequence[Any]) -> str:
    """`?, ?, ?`: one SQL parameter per value, for `IN (...)`."""
    return ",".join("?" * len(values))


def conditions(*terms: tuple[str, Any]) -> tuple[list[str], list[Any]]:
    """The SQL conditions whose value is given (not None or empty), and their parameters in order."""
    given = [(sql, value) for sql, value in terms if value]
    return [sql for sql, _ in given], [value for _, value in given]
