"""Every write to the database: prompts, comparisons and their runs, checkpoints and final rows, render checks,
votes, judgments and checklists, deletions and the recovery of runs a dead process left behind.

Functions that take a `store` open their own transaction (`store.write()`, joined when one is already open);
the checkpoint statements take the `db` of a transaction the caller holds, so many land in one commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from canvasbench.errors import UsageError
from canvasbench.ids import new_id
from canvasbench.liveness import worker_alive, worker_token
from canvasbench.providers.demo import ensure_demo_database
from canvasbench.status import ACTIVE_STATUSES, Status
from canvasbench.store import reads
from canvasbench.store.reads import owners
from canvasbench.store.reads.sql import marks
from canvasbench.store.references import (
    COMPARISON_EXISTS,
    ONLY_ACTIVE,
    RUN_EXISTS,
    RUN_IS_ACTIVE,
    delete_with_dependents,
    insert_while,
)

if TYPE_CHECKING:
    from canvasbench.store.run_store import RunStore


def utc_now() -> str:
    """Now as an ISO 8601 UTC timestamp with milliseconds (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_cells(fields: dict[str, Any]) -> dict[str, Any]:
    """Column values as SQLite stores them: lists and dicts as JSON text."""
    return {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in fields.items()}


# --- prompts, comparisons and runs ----------------------------------------------------------------


def save_prompt(store: RunStore, prompt: dict[str, Any]) -> None:
    """Insert or update a prompt row (id, title, category, kind, text, source)."""
    row = {"created_at": utc_now(), "source": "suite", **prompt}
    with store.write():
        existing = store.table("prompts").count_where("id = ?", [row["id"]])
        if existing:
            row.pop("created_at")
            store.table("prompts").update(row["id"], row)
        else:
            store.table("prompts").insert(row)


def create_comparison(
    store: RunStore,
    *,
    prompt: dict[str, Any],
    model_ids: Iterable[str],
    options: dict[str, Any] | None = None,
    sweep_id: str | None = None,
    recipe_runs: Iterable[dict[str, Any]] = (),
) -> tuple[str, list[str]]:
    """Record a comparison (part of `sweep_id` when a sweep made it) and one queued run per model; return their ids.

    `recipe_runs`: each recipe contestant's first step after the models, as its `model_id`, `recipe` (its name),
    `round` (the planner's PLAN_ROUND or 0), `repair_version` and `turn_text`; their ids follow the models'.
    """
    model_ids = list(model_ids)
    steps = [dict(step) for step in recipe_runs]
    ensure_demo_database(store.path, [*model_ids, *(step["model_id"] for step in steps)])
    comparison_id = new_id()
    now = utc_now()
    run_ids = [new_id() for _ in [*model_ids, *steps]]
    with store.write():
        save_prompt(store, prompt)
        store.table("comparisons").insert(
            {
                "id": comparison_id,
                "created_at": now,
                "prompt_id": prompt["id"],
                "title": prompt.get("title") or "",
                "category": prompt.get("category") or "",
                "prompt_text": prompt["text"],
                "options": json.dumps(options or {}, sort_keys=True),
                "models": json.dumps(model_ids),
                "sweep_id": sweep_id,
            }
        )
        store.table("runs").insert_all(
            {
                "id": run_id,
                "comparison_id": comparison_id,
                "position": i,
                "model_id": model_id,
                "provider": model_id.split(":", 1)[0],
                "model": model_id.split(":", 1)[-1],
                "status": Status.QUEUED,
                "created_at": now,
                "updated_at": now,
                "worker": worker_token(),
                "attempts": 0,
                "truncated": 0,
                "round": step.get("round", 0),
                "recipe": step.get("recipe"),
                "repair_version": step.get("repair_version"),
                "turn_text": step.get("turn_text"),
            }
            for i, (run_id, model_id, step) in enumerate(
                zip(
                    run_ids,
                    [*model_ids, *(s["model_id"] for s in steps)],
                    [*({} for _ in model_ids), *steps],
                    strict=True,
                )
            )
        )
    return comparison_id, run_ids


def add_round(
    store: RunStore, parent_run_id: str, *, turn_text: str, repair_version: str | None, model_id: str | None = None
) -> str:
    """Record the next round of a run's conversation as a queued run beside it (same comparison and position).

    The round keeps its parent's recipe name; `model_id` sends it to another model (a recipe's builder after
    its planner, or its fixer), else it goes to the parent's model.
    """
    run_id = new_id()
    now = utc_now()
    with store.write() as db:
        parent = db.execute(
            "SELECT comparison_id, position, model_id, provider, model, coalesce(round, 0), recipe FROM runs "
            "WHERE id = ?",
            [parent_run_id],
        ).fetchone()
        if parent is None:
            raise UsageError(f"No run with id '{parent_run_id}' to repair.")
        comparison_id, position, parent_model_id, provider, model, parent_round, recipe = parent
        if model_id is None:
            model_id = parent_model_id
        else:
            provider, _, model = model_id.partition(":")
        store.table("runs").insert(
            {
                "id": run_id,
                "comparison_id": comparison_id,
                "position": position,  # beside the round it repairs: one contestant, one place
                "model_id": model_id,
                "provider": provider,
                "model": model,
                "status": Status.QUEUED,
                "created_at": now,
                "updated_at": now,
                "worker": worker_token(),
                "attempts": 0,
                "truncated": 0,
                "round": int(parent_round) + 1,
                "parent_run_id": parent_run_id,
                "repair_version": repair_version,
                "turn_text": turn_text,
                "recipe": recipe,
            }
        )
    return run_id


def update_run(store: RunStore, run_id: str, **fields: Any) -> None:
    """Write some columns of one run (JSON-encodes lists and dicts)."""
    values = _json_cells(fields)
    values["updated_at"] = utc_now()
    with store.write():
        store.table("runs").update(run_id, values)


def delete_comparison(store: RunStore, comparison_id: str) -> int:
    """Delete a comparison with its runs and their render checks; returns how many runs went.

    Refused (UsageError) while one of its runs is still queued or streaming: the check and the deletion are
    one transaction, so a run cannot start in between.
    """
    with store.write() as db:
        # As every read sees it: a run whose process died is interrupted (nothing left to cancel), not streaming.
        active = db.execute(
            f"SELECT count(*) FROM runs r WHERE r.comparison_id = ? AND {owners.STATUS} IN ({marks(ACTIVE_STATUSES)})",
            [comparison_id, *ACTIVE_STATUSES],
        ).fetchone()[0]
        if active:
            raise UsageError(
                f"Comparison {comparison_id} still has {active} run(s) streaming: cancel them first, then delete."
            )
        runs = db.execute("SELECT count(*) FROM runs WHERE comparison_id = ?", [comparison_id]).fetchone()[0]
        delete_with_dependents(db, "comparisons", "id = ?", [comparison_id])
    return int(runs)


def recover_interrupted(store: RunStore) -> int:
    """Mark runs left active by a process that has died as `interrupted`, keeping their text."""
    stale = [row for row in reads.stale_active_runs(store) if not worker_alive(row["worker"])]
    if not stale:
        return 0
    now = utc_now()
    with store.write():
        for row in stale:
            texts = reads.partial_text(store, row["id"])
            if texts is not None:  # fold the pieces checkpointed so far into the row
                store.table("runs").update(row["id"], {"response": texts[0], "reasoning": texts[1]})
                drop_checkpoints(store, row["id"])
            store.table("runs").update(
                row["id"],
                {
                    "status": Status.INTERRUPTED,
                    "finish_reason": "error",
                    "error": owners.interrupted_error(row["id"]),  # what every read said until now
                    "finished_at": now,
                    "updated_at": now,
                },
            )
    return len(stale)


# --- a streaming run's checkpoints and its final row (joining the caller's transaction when one is open) ---


def append_checkpoint(store: RunStore, run_id: str, seq: int, text: str, thought: str) -> bool:
    """Append piece `seq` of a run's answer and thinking text; False when the run is no longer active."""
    row = {"run_id": run_id, "seq": seq, "response": text, "reasoning": thought}
    with store.write() as db:
        return insert_while(db, "run_chunks", row, RUN_IS_ACTIVE, [run_id])


def drop_checkpoints(store: RunStore, run_id: str) -> None:
    """Forget a run's checkpointed pieces (its row now holds the whole text, or a new attempt starts over)."""
    with store.write() as db:
        db.execute("DELETE FROM run_chunks WHERE run_id = ?", [run_id])


def set_run_columns(store: RunStore, run_id: str, values: dict[str, Any], *, only_if_active: bool = False) -> bool:
    """Write some columns of one run as given (JSON-encodes lists and dicts); `only_if_active` leaves an ended
    run untouched. Returns whether the run was written."""
    cells = _json_cells(values)
    sql = f"UPDATE runs SET {', '.join(f'[{name}] = ?' for name in cells)} WHERE id = ?"
    if only_if_active:
        sql += f" AND {ONLY_ACTIVE}"
    with store.write() as db:
        return db.execute(sql, [*cells.values(), run_id]).rowcount > 0


# --- render checks, votes, judgments and checklists ------------------------------------------------


def save_render_check(store: RunStore, row: dict[str, Any], *, keep_other_verdict: bool = False) -> bool:
    """Store a `render_checks` row as its run's latest (one row per run); False when the run is gone.

    With `keep_other_verdict`, a stored check with a different verdict stays: an interrupted or impossible
    re-check (`not checked`) says nothing new about a page that was seen. A run deleted while it was being
    checked gets nothing: its check would describe a page that is gone.
    """
    with store.write():
        # A stored check ends its run's queue entry in the same commit: no reader sees neither.
        store.db.execute("DELETE FROM check_queue WHERE run_id = ?", [row["run_id"]])
        if not _run_exists(store, row["run_id"]):
            return False
        if keep_other_verdict:
            earlier = store.db.execute("SELECT verdict FROM render_checks WHERE run_id = ?", [row["run_id"]]).fetchone()
            if earlier is not None and earlier[0] != row["verdict"]:
                return True
        store.table("render_checks").upsert(row, pk="run_id")
        return True


def _run_exists(store: RunStore, run_id: str) -> bool:
    return store.db.execute("SELECT 1 FROM runs WHERE id = ?", [run_id]).fetchone() is not None


def queue_check(store: RunStore, run_id: str, worker: str) -> None:
    """Record that `worker` (a process's token) has queued a render check of the run."""
    row = {"run_id": run_id, "state": "queued", "worker": worker, "queued_at": utc_now(), "started_at": None}
    _queue_entry(store, row)


def start_check(store: RunStore, run_id: str, worker: str) -> None:
    """Record that `worker` is checking the run now (in the browser)."""
    now = utc_now()
    row = {"run_id": run_id, "state": "checking", "worker": worker, "queued_at": now, "started_at": now}
    _queue_entry(store, row, keep="queued_at")  # queued earlier: it keeps when


def _queue_entry(store: RunStore, row: dict[str, Any], keep: str = "") -> None:
    """Write the run's check-queue entry, replacing an earlier one's columns but `keep`."""
    sets = ", ".join(f"{c} = excluded.{c}" for c in row if c not in ("run_id", keep))
    with store.write() as db:
        # A run deleted meanwhile has no check to wait for (the queue refers to runs).
        insert_while(db, "check_queue", row, RUN_EXISTS, [row["run_id"]], f"ON CONFLICT (run_id) DO UPDATE SET {sets}")


def end_check(store: RunStore, run_id: str, worker: str) -> None:
    """Forget `worker`'s queue entry for the run (its check ended, stored or not); another process's stays."""
    with store.write() as db:
        db.execute("DELETE FROM check_queue WHERE run_id = ? AND worker = ?", [run_id, worker])


def insert_vote(
    store: RunStore, comparison_id: str, left_run_id: str, right_run_id: str, outcome: str, voter: str | None
) -> str:
    """Store one arena vote as given (left = the run shown as A); returns its id.

    Refused (UsageError) when the comparison or either run was deleted meanwhile, in another window or process.
    """
    vote_id = new_id()
    row = {
        "id": vote_id,
        "comparison_id": comparison_id,
        "left_run_id": left_run_id,
        "right_run_id": right_run_id,
        "outcome": outcome,
        "voter": voter,
        "created_at": utc_now(),
    }
    with store.write() as db:
        stored = insert_while(
            db,
            "votes",
            row,
            f"{COMPARISON_EXISTS} AND {RUN_EXISTS} AND {RUN_EXISTS}",
            [comparison_id, left_run_id, right_run_id],
        )
    if not stored:
        raise UsageError(f"Comparison '{comparison_id}' or one of its two runs was deleted: the vote was not stored.")
    return vote_id


def delete_vote(store: RunStore, vote_id: str) -> bool:
    """Delete a vote; False when it was already gone."""
    with store.write() as db:
        return db.execute("DELETE FROM votes WHERE id = ?", [vote_id]).rowcount > 0


def insert_judgment(store: RunStore, row: dict[str, Any]) -> bool:
    """Store one judgment row (score or pairwise, successful or failed); False when its comparison is gone."""
    with store.write() as db:
        # A judge takes minutes: the comparison may have been deleted meanwhile, and then the row has no place.
        return insert_while(db, "judgments", row, COMPARISON_EXISTS, [row["comparison_id"]])


def save_checklist(store: RunStore, comparison_id: str, items: list[str], source: str, judge_model: str | None) -> None:
    """Store a comparison's checklist unless it has one already (judgments must share one)."""
    row = {
        "comparison_id": comparison_id,
        "items": json.dumps(items),
        "source": source,
        "judge_model": judge_model,
        "created_at": utc_now(),
    }
    with store.write() as db:
        if store.table("checklists").count_where("comparison_id = ?", [comparison_id]):
            return
        # Nothing to attach it to once the comparison is deleted (the judging that follows says so).
        insert_while(db, "checklists", row, COMPARISON_EXISTS, [comparison_id])


def add_imported_runs(
    store: RunStore, *, prompt: dict[str, Any], group: str, origin: str, runs: list[dict[str, Any]]
) -> tuple[str, list[str]]:
    """Add finished runs brought from another tool to the comparison of their `group` (made when new).

    Each run row carries its final columns and an `origin_key`; one already imported is skipped, so a second
    import of the same source adds nothing. Returns the comparison id and the ids of the runs added.
    """
    ensure_demo_database(store.path, [run["model_id"] for run in runs])
    with store.write() as db:
        keys = [run["origin_key"] for run in runs]
        taken = {row[0] for row in db.execute(f"SELECT origin_key FROM runs WHERE origin_key IN ({marks(keys)})", keys)}
        fresh = [run for run in runs if run["origin_key"] not in taken]
        found = db.execute(
            "SELECT id, models FROM comparisons WHERE json_extract(options, '$.origin_group') = ? LIMIT 1", [group]
        ).fetchone()
        if found is None and not fresh:
            return "", []
        if found is None:
            model_ids = [run["model_id"] for run in fresh]
            comparison_id, run_ids = create_comparison(
                store, prompt=prompt, model_ids=model_ids, options={"origin": origin, "origin_group": group}
            )
            first = min((run["created_at"] for run in fresh if run.get("created_at")), default=None)
            if first:  # the gallery dates it by when it was generated, not imported
                db.execute("UPDATE comparisons SET created_at = ? WHERE id = ?", [first, comparison_id])
        else:
            comparison_id, models = found[0], json.loads(found[1])
            position = db.execute("SELECT count(*) FROM runs WHERE comparison_id = ?", [comparison_id]).fetchone()[0]
            run_ids = [new_id() for _ in fresh]
            now = utc_now()
            store.table("runs").insert_all(
                {"id": run_id, "comparison_id": comparison_id, "position": position + i, "model_id": run["model_id"],
                 "provider": run["model_id"].split(":", 1)[0], "model": run["model_id"].split(":", 1)[-1],
                 "status": Status.QUEUED, "created_at": now, "updated_at": now, "attempts": 0, "truncated": 0}
                for i, (run_id, run) in enumerate(zip(run_ids, fresh, strict=True))
            )  # fmt: skip
            db.execute(
                "UPDATE comparisons SET models = ? WHERE id = ?",
                [json.dumps([*models, *(run["model_id"] for run in fresh)]), comparison_id],
            )
        for run_id, run in zip(run_ids, fresh, strict=True):
            values = {k: v for k, v in run.items() if k != "model_id"}
            store.table("runs").update(run_id, _json_cells({**values, "origin": origin, "worker": None}))
        return comparison_id, run_ids
