"""Reads of single runs, comparisons and prompts; a streaming run's text is its checkpointed pieces so far."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store.reads.owners import LIVE, STATUS
from canvasbench.store.reads.sql import CONTESTANT, marks

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore


# A comparison's runs: its contestants in the order asked for, each one's repair rounds after it.
_IN_ORDER = "ORDER BY position, coalesce(round, 0)"


def _columns(store: RunStore, skip: set[str] | frozenset[str] = frozenset()) -> str:
    """Every column of `runs r` but `skip`, status, finish reason and error as readers must see them."""
    names = [c.name for c in store.table("runs").columns if c.name not in skip]
    return ", ".join(LIVE.get(name, f"r.[{name}]") for name in names)


def get_run(store: RunStore, run_id: str) -> dict[str, Any] | None:
    """One run with every column (a streaming run's text so far included), or None."""
    rows = list(store.db.query(f"SELECT {_columns(store)} FROM runs r WHERE id = ?", [run_id]))
    rows = _with_partial_text(store, rows)
    return rows[0] if rows else None


def partial_text(store: RunStore, run_id: str) -> tuple[str, str] | None:
    """The answer and thinking text a streaming run has checkpointed so far (None: no piece yet)."""
    pieces = store.db.execute(
        "SELECT response, reasoning FROM run_chunks WHERE run_id = ? ORDER BY seq", [run_id]
    ).fetchall()
    if not pieces:
        return None
    return "".join(p[0] for p in pieces), "".join(p[1] for p in pieces)


def _with_partial_text(store: RunStore, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        # Streaming, or ended where its final text could not be written (a process that died, a full disk).
        if row.get("response") is None:
            texts = partial_text(store, row["id"])
            if texts is not None:
                row["response"], row["reasoning"] = texts
    return rows


def run_status(store: RunStore, run_id: str) -> str | None:
    """A run's stored status, or None when there is no such run."""
    row = store.db.execute(f"SELECT {STATUS} FROM runs r WHERE id = ?", [run_id]).fetchone()
    return None if row is None else str(row[0])


def get_comparison(store: RunStore, comparison_id: str) -> dict[str, Any] | None:
    """One comparison row, or None."""
    rows = list(store.db.query("SELECT * FROM comparisons WHERE id = ?", [comparison_id]))
    return rows[0] if rows else None


def runs_of(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """Every run of a comparison in the order its models were asked for, with full text."""
    return _with_partial_text(
        store,
        list(store.db.query(f"SELECT {_columns(store)} FROM runs r WHERE comparison_id = ? {_IN_ORDER}",
                            [comparison_id])),
    )


def run_metrics(store: RunStore, comparison_id: str) -> list[dict[str, Any]]:
    """A comparison's runs in order, without the big text columns (cheap to poll while streaming)."""
    columns = _columns(store, skip={"response", "reasoning", "artifact", "timeline"})
    return list(
        store.db.query(f"SELECT {columns} FROM runs r WHERE comparison_id = ? {_IN_ORDER}", [comparison_id])
    )


def model_ids_of(store: RunStore, comparison_id: str) -> list[str]:
    """The model of each contestant of a comparison, in position order (repeats included, repair rounds not)."""
    rows = store.db.execute(
        "SELECT model_id FROM runs WHERE comparison_id = ? AND coalesce(round, 0) = 0 ORDER BY position",
        [comparison_id],
    )
    return [str(r[0]) for r in rows]


def models_by_first_run(store: RunStore) -> list[str]:
    """Every contestant with a run (a model, or a recipe by its name), in the order of its first run (a new one
    comes last: colours stay put)."""
    rows = store.db.execute(
        f"SELECT {CONTESTANT} AS who FROM runs r INDEXED BY runs_list_cover GROUP BY who "
        "ORDER BY min(r.created_at), who"
    )
    return [str(r[0]) for r in rows]


def stored_prompt(store: RunStore, prompt_id: str) -> dict[str, Any] | None:
    """One stored prompt row, or None."""
    rows = list(store.db.query("SELECT * FROM prompts WHERE id = ?", [prompt_id]))
    return rows[0] if rows else None


def recent_output_tokens(store: RunStore, model_id: str, *, limit: int = 50) -> list[int]:
    """Output plus thinking tokens of a model's latest `done` runs that reported them, newest first."""
    rows = store.db.execute(
        "SELECT coalesce(output_tokens, 0) + coalesce(thinking_tokens, 0) FROM runs "
        "WHERE model_id = ? AND status = 'done' AND output_tokens IS NOT NULL ORDER BY created_at DESC LIMIT ?",
        [model_id, int(limit)],
    ).fetchall()
    return [int(r[0]) for r in rows]


def stale_active_runs(store: RunStore) -> list[dict[str, Any]]:
    """Runs queued or streaming (id and the worker that owns each), for the recovery of dead workers."""
    return list(
        store.db.query(
            f"SELECT id, worker FROM runs WHERE status IN ({marks(ACTIVE_STATUSES)}) AND batch_id IS NULL",
            ACTIVE_STATUSES,
        )
    )
