"""Batch jobs and the runs waiting in them: what a sweep handed to a provider's batch engine, and its state."""

from __future__ import annotations

from typing import Any

from canvasbench.ids import new_id
from canvasbench.status import Status, Verdict
from canvasbench.store.reads.sql import marks
from canvasbench.store.run_store import RunStore
from canvasbench.store.writes import utc_now


def add_job(store: RunStore, provider: str, label: str, run_ids: list[str], *, worker: str | None = None) -> str:
    """Record a job before it is submitted (state `submitting`) and hand its runs to it; returns our job id.

    `worker` (the submitting process) lets a later process tell a submission that died from one under way.
    """
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
                "worker": worker,
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


def claim_submission(store: RunStore, job: dict[str, Any], worker: str) -> bool:
    """Take over a job left `submitting` as it was read; False when another process took it (or it went) since."""
    with store.write() as db:
        return (
            db.execute(
                "UPDATE batch_jobs SET worker = ?, updated_at = ? WHERE id = ? AND state = 'submitting'"
                " AND worker IS ? AND updated_at IS ?",
                [worker, utc_now(), job["id"], job["worker"], job["updated_at"]],
            ).rowcount
            == 1
        )


# The repair rounds a comparison allows (0 when its options say nothing readable).
_REPAIR = "coalesce(CASE WHEN json_valid(c.options) THEN json_extract(c.options, '$.repair') END, 0)"
# A job's round (0: first answers; n: the n-th repair round) and the repair rounds its comparison allows.
_ROUND = (
    "(SELECT max(coalesce(r.round, 0)) FROM runs r WHERE r.batch_id = j.id) AS round, "
    f"(SELECT max({_REPAIR}) FROM runs r JOIN comparisons c"
    " ON c.id = r.comparison_id WHERE r.batch_id = j.id) AS repair"
)


def jobs(store: RunStore, *, unfinished_only: bool = False) -> list[dict[str, Any]]:
    """Jobs, newest first, each with how many of its runs are still waiting, its round and the rounds allowed."""
    where = " WHERE j.ingested_at IS NULL" if unfinished_only else ""
    return list(
        store.db.query(
            "SELECT j.*, (SELECT count(*) FROM runs r WHERE r.batch_id = j.id AND r.status = 'queued') AS waiting, "
            f"{_ROUND} FROM batch_jobs j{where} ORDER BY j.created_at DESC, j.id DESC"
        )
    )


def job(store: RunStore, batch_id: str) -> dict[str, Any] | None:
    """One job by our id or the provider's."""
    rows = list(
        store.db.query(f"SELECT j.*, {_ROUND} FROM batch_jobs j WHERE j.id = ? OR j.job_id = ?", [batch_id, batch_id])
    )
    return rows[0] if rows else None


def waiting_runs(store: RunStore, batch_id: str) -> dict[str, dict[str, Any]]:
    """The job's runs still queued, by id (their custom id), with what ingesting them needs."""
    rows = store.db.query(
        "SELECT id, model_id, created_at, coalesce(round, 0) AS round FROM runs WHERE batch_id = ? AND status = ?",
        [batch_id, Status.QUEUED],
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


def add_rounds_job(
    store: RunStore, provider: str, label: str, turns: list[tuple[str, str, str | None, str]], *, worker: str
) -> tuple[str, list[tuple[str, str]]] | None:
    """Record the next rounds of runs and the job that asks them, in one commit.

    Each turn: (parent run id, turn text, its version, the model that answers it: the parent's, or another).

    A parent that already has its next round is left out (a second process, or a retry, never doubles a
    round); returns our job id and (parent id, new round's run id) pairs, or None when every parent had one.
    """
    from canvasbench.store import writes

    with store.write() as db:
        made: list[tuple[str, str]] = []
        for parent_id, text, version, model_id in turns:
            if db.execute("SELECT 1 FROM runs WHERE parent_run_id = ?", [parent_id]).fetchone() is None:
                new = writes.add_round(store, parent_id, turn_text=text, repair_version=version, model_id=model_id)
                made.append((parent_id, new))
        if not made:
            return None
        return add_job(store, provider, label, [run_id for _, run_id in made], worker=worker), made


def repairs_due(store: RunStore) -> int:
    """Batch runs whose repair round is yet to be sent: not checked yet, or checked and not rendering."""
    return sum(1 for row in repair_candidates(store) if row["verdict"] != Verdict.RENDERS)


def repair_candidates(store: RunStore) -> list[dict[str, Any]]:
    """Batch runs that may need a repair round: answered in full, rounds left, no next round yet (checked or not).

    Recomputed from the database alone, so a process started later picks up what an ended one decided nothing on.
    """
    return list(
        store.db.query(
            "SELECT r.id, r.comparison_id, r.model_id, coalesce(r.round, 0) AS round, c.options, rc.verdict, "
            "coalesce(r.artifact, '') != '' AS has_page "
            "FROM runs r JOIN comparisons c ON c.id = r.comparison_id "
            "LEFT JOIN render_checks rc ON rc.run_id = r.id "
            "WHERE r.batch_id IS NOT NULL AND r.status = ? "
            f"AND coalesce(r.round, 0) < {_REPAIR} "
            "AND NOT EXISTS (SELECT 1 FROM runs k WHERE k.parent_run_id = r.id) "
            "ORDER BY r.created_at, r.id",
            [Status.DONE],
        )
    )


def unchecked_pages(store: RunStore) -> list[str]:
    """Finished batch runs with a page and no check at all: last rounds too (their process may have ended first)."""
    return [
        str(row["id"])
        for row in store.db.query(
            "SELECT r.id FROM runs r WHERE r.batch_id IS NOT NULL AND r.status = ? AND coalesce(r.artifact, '') != '' "
            "AND NOT EXISTS (SELECT 1 FROM render_checks rc WHERE rc.run_id = r.id) "
            # one a live process (this one's pool, the dashboard's) has queued is left to it
            "AND NOT EXISTS (SELECT 1 FROM check_queue q WHERE q.run_id = r.id AND owner_alive(q.worker)) "
            "ORDER BY r.created_at, r.id",
            [Status.DONE],
        )
    ]


def unjudged_renders(store: RunStore) -> list[dict[str, Any]]:
    """Batch runs that render in comparisons accepting by judge score, with no score judgment by its judge yet.

    Every round is judged, the last one too: its score says whether the contestant's last round was acceptable.
    """
    options = "CASE WHEN json_valid(c.options) THEN c.options END"
    return list(
        store.db.query(
            f"SELECT r.id, json_extract({options}, '$.judge_model') AS judge_model FROM runs r "
            "JOIN comparisons c ON c.id = r.comparison_id JOIN render_checks rc ON rc.run_id = r.id "
            f"WHERE r.batch_id IS NOT NULL AND r.status = ? AND rc.verdict = ? AND {_REPAIR} > 0 "
            f"AND json_extract({options}, '$.accept') LIKE 'judge%' "
            f"AND json_extract({options}, '$.judge_model') IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM judgments j WHERE j.run_id = r.id AND j.mode = 'score' "
            f"AND j.judge_model = json_extract({options}, '$.judge_model')) ORDER BY r.created_at, r.id",
            [Status.DONE, Verdict.RENDERS],
        )
    )


def score_judgment(store: RunStore, run_id: str, judge_model: str) -> dict[str, Any] | None:
    """The latest score judgment of a run by this judge model (ok or failed), or None."""
    rows = list(
        store.db.query(
            "SELECT overall, items, comparison_id, status FROM judgments WHERE run_id = ? AND mode = 'score' "
            "AND judge_model = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            [run_id, judge_model],
        )
    )
    return rows[0] if rows else None
