"""Batch jobs and the runs waiting in them: what a sweep handed to a provider's batch engine, and its state."""

from __future__ import annotations

from typing import Any

from canvasbench.ids import new_id
from canvasbench.status import Status
from canvasbench.store.reads.sql import marks
from canvasbench.store.run_store import RunStore
from canvasbench.store.writes import utc_now


def add_job(store: RunStore, provider: str, label: str, run_ids: list[str]) -> str:
    """Record a job before it is submitted (state `submitting`) and hand its runs to it; returns our job id."""
    batch_id = new_id()
    now = utc_now()
    with store.write() as db:
        store.table("batch_jobs").insert(
            {
                "id": batch_id,
                "provider": provider,
                "job_id": "",
                "label": label,
                "state": "submitting",
                "total": len(run_ids),
                "done": 0,
                "failed": 0,
                "created_at": now,
                "updated_at": now,
                "next_poll_at": now,
                "poll_interval_s": 0.0,
            }
        )
        # The job owns them now: no process does (so no reader takes them for interrupted when this one ends).
        db.execute(
            f"UPDATE runs SET batch_id = ?, worker = NULL, updated_at = ? WHERE id IN ({marks(run_ids)})",
            [batch_id, now, *run_ids],
        )
    return batch_id


def update_job(store: RunStore, batch_id: str, **fields: Any) -> None:
    """Change a job's columns (and its updated_at)."""
    with store.write():
        store.table("batch_jobs").update(batch_id, {**fields, "updated_at": utc_now()})


def jobs(store: RunStore, *, unfinished_only: bool = False) -> list[dict[str, Any]]:
    """Jobs, newest first, each with how many of its runs are still waiting."""
    where = " WHERE j.ingested_at IS NULL" if unfinished_only else ""
    return list(
        store.db.query(
            "SELECT j.*, (SELECT count(*) FROM runs r WHERE r.batch_id = j.id AND r.status = 'queued') AS waiting"
            f" FROM batch_jobs j{where} ORDER BY j.created_at DESC, j.id DESC"
        )
    )


def job(store: RunStore, batch_id: str) -> dict[str, Any] | None:
    """One job by our id or the provider's."""
    rows = list(store.db.query("SELECT * FROM batch_jobs WHERE id = ? OR job_id = ?", [batch_id, batch_id]))
    return rows[0] if rows else None


def waiting_runs(store: RunStore, batch_id: str) -> dict[str, dict[str, Any]]:
    """The job's runs still queued, by id (their custom id), with what ingesting them needs."""
    rows = store.db.query(
        "SELECT id, model_id, created_at FROM runs WHERE batch_id = ? AND status = ?", [batch_id, Status.QUEUED]
    )
    return {row["id"]: row for row in rows}


def finish_waiting(store: RunStore, batch_id: str, status: str, error: str, finish_reason: str) -> int:
    """End every run of the job still waiting (a job that failed, expired or was cancelled as a whole)."""
    now = utc_now()
    with store.write() as db:
        return db.execute(
            "UPDATE runs SET status = ?, error = ?, finish_reason = ?, finished_at = ?, updated_at = ?"
            " WHERE batch_id = ? AND status = ?",
            [status, error, finish_reason, now, now, batch_id, Status.QUEUED],
        ).rowcount
