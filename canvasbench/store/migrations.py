"""Schema history: append-only `m00N_...` migrations, applied whenever a store opens."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

migrations = Migrations("canvasbench")


def _table(db: Database, name: str) -> Table:
    table = db.table(name)
    assert isinstance(table, Table)
    return table


@migrations()
def m001_initial(db: Database) -> None:
    """Prompts, comparisons and runs."""
    _table(db, "prompts").create(
        {
            "id": str,
            "title": str,
            "category": str,
            "kind": str,  # expected artifact kind: html / svg
            "text": str,
            "source": str,  # suite / user
            "created_at": str,
        },
        pk="id",
    )
    _table(db, "comparisons").create(
        {
            "id": str,
            "created_at": str,
            "prompt_id": str,
            "title": str,
            "category": str,
            "prompt_text": str,
            "options": str,  # JSON: max_output_tokens, thinking, temperature, ...
            "models": str,  # JSON list of model ids, in the order they were asked for
        },
        pk="id",
        foreign_keys=[("prompt_id", "prompts", "id")],
    )
    _table(db, "runs").create(
        {
            "id": str,
            "comparison_id": str,
            "position": int,
            "model_id": str,  # provider:model
            "provider": str,
            "model": str,
            "status": str,  # queued running done failed incomplete cancelled interrupted
            "created_at": str,
            "started_at": str,
            "finished_at": str,
            "updated_at": str,
            "worker": str,  # which live process owns a running run (pid:start-time@host)
            "attempts": int,
            "first_chunk_s": float,
            "ttft_s": float,
            "latency_s": float,
            "tokens_per_s": float,
            "input_tokens": int,
            "output_tokens": int,
            "thinking_tokens": int,
            "cached_tokens": int,
            "cost_usd": float,
            "price": str,  # JSON: the price entry the cost was computed with
            "finish_reason": str,
            "raw_finish_reason": str,
            "error": str,
            "response": str,  # the full raw answer text, partial while streaming
            "reasoning": str,  # thought / reasoning text, kept apart from the answer
            "artifact_kind": str,  # html / svg / none
            "artifact": str,
            "lines": int,
            "code_lines": int,
            "chars": int,
            "response_lines": int,
            "truncated": int,
            "timeline": str,  # JSON [[seconds, chars, lines], ...]
        },
        pk="id",
        foreign_keys=[("comparison_id", "comparisons", "id")],
        not_null={"comparison_id", "model_id", "status", "created_at"},
        defaults={"attempts": 0, "truncated": 0},
    )
    _table(db, "runs").create_index(["comparison_id", "position"])
    _table(db, "runs").create_index(["status"])
    _table(db, "runs").create_index(["model_id"])
    _table(db, "comparisons").create_index(["created_at"])
    _table(db, "comparisons").create_index(["category"])


@migrations()
def m002_render_checks(db: Database) -> None:
    """What happened when a run's artifact was opened in headless Chromium (latest check per run)."""
    _table(db, "render_checks").create(
        {
            "run_id": str,
            "checked_at": str,
            "verdict": str,  # renders / renders with errors / blank / crashed / not checked
            "loaded": int,
            "js_errors": int,  # uncaught exceptions + console errors
            "errors": str,  # JSON list of the first few messages
            "failed_requests": str,  # JSON list of {url, reason}
            "blocked_requests": str,  # JSON list of URLs not in the offline mirror
            "drawn": int,
            "frames": int,  # animation frames seen in the sampling window
            "first_paint_ms": float,
            "render_ms": float,  # load to settled
            "limit_hit": str,  # time / memory / popups, when the page was stopped
            "screenshot": bytes,  # PNG
            "width": int,
            "height": int,
            "evidence": str,  # one human sentence behind the verdict
        },
        pk="run_id",
        foreign_keys=[("run_id", "runs", "id")],
    )


# Columns lists and charts read (gallery cards, metrics table). The runs table keeps each response,
# artifact and timeline inline, and columns stored after them (lines, truncated, ...) can only be reached
# by walking those texts' overflow pages; a covering index answers list queries without touching them.
RUN_LIST_COLUMNS = (
    "comparison_id",
    "position",
    "id",
    "model_id",
    "status",
    "created_at",
    "started_at",
    "finished_at",
    "updated_at",
    "attempts",
    "ttft_s",
    "latency_s",
    "tokens_per_s",
    "input_tokens",
    "output_tokens",
    "thinking_tokens",
    "cached_tokens",
    "cost_usd",
    "finish_reason",
    "artifact_kind",
    "lines",
    "code_lines",
    "chars",
    "truncated",
)


@migrations()
def m003_run_list_index(db: Database) -> None:
    """A covering index for run lists, so they never read response texts."""
    _table(db, "runs").create_index(list(RUN_LIST_COLUMNS), index_name="runs_list_cover")


@migrations()
def m004_arena_votes_and_judgments(db: Database) -> None:
    """Blind arena votes, AI judgments, and the checklist each comparison is judged against."""
    _table(db, "votes").create(
        {
            "id": str,
            "comparison_id": str,
            "left_run_id": str,  # shown as A
            "right_run_id": str,  # shown as B
            "outcome": str,  # left / right / tie / both_bad
            "voter": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("comparison_id", "comparisons", "id"), ("left_run_id", "runs", "id"),
                      ("right_run_id", "runs", "id")],
        not_null={"comparison_id", "left_run_id", "right_run_id", "outcome", "created_at"},
    )
    _table(db, "votes").create_index(["comparison_id"])
    _table(db, "judgments").create(
        {
            "id": str,
            "comparison_id": str,
            "mode": str,  # score (one run) / pairwise (one order of two runs) / checklist (writing one)
            "run_id": str,  # score: the run judged
            "left_run_id": str,  # pairwise: shown to the judge as A
            "right_run_id": str,  # pairwise: shown as B
            "judge_model": str,
            "prompt_version": str,
            "status": str,  # ok / failed
            "overall": float,  # 0-10, only when status is ok
            "winner": str,  # pairwise: A / B / tie, only when status is ok
            "items": str,  # JSON: per checklist item scores
            "reason": str,
            "raw_answer": str,  # the judge's last answer, kept verbatim
            "error": str,
            "attempts": int,
            "input_tokens": int,
            "output_tokens": int,
            "thinking_tokens": int,
            "cost_usd": float,
            "latency_s": float,
            "images": int,  # how many screenshots went with the request
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("comparison_id", "comparisons", "id")],
        not_null={"comparison_id", "mode", "judge_model", "prompt_version", "status", "created_at"},
    )
    _table(db, "judgments").create_index(["comparison_id"])
    _table(db, "checklists").create(
        {
            "comparison_id": str,
            "items": str,  # JSON list of strings
            "source": str,  # suite / judge
            "judge_model": str,
            "created_at": str,
        },
        pk="comparison_id",
        foreign_keys=[("comparison_id", "comparisons", "id")],
    )


@migrations()
def m005_run_chunks(db: Database) -> None:
    """The text a streaming run has received, as appended pieces: a checkpoint writes only what is new."""
    db.execute(
        "CREATE TABLE run_chunks ("
        " run_id TEXT NOT NULL REFERENCES runs(id),"
        " seq INTEGER NOT NULL,"  # 0, 1, 2, ... in the order the pieces arrived
        " response TEXT NOT NULL,"  # answer text received since the previous piece
        " reasoning TEXT NOT NULL,"  # thinking text received since the previous piece
        " PRIMARY KEY (run_id, seq)"
        ") WITHOUT ROWID"
    )


@migrations()
def m006_render_moments(db: Database) -> None:
    """Render checks keep three screenshots (after load, watching, input) and what the page did between them."""
    table = _table(db, "render_checks")
    for name, kind in (
        ("animates", int),  # changed on its own between the first two looks (NULL: not seen)
        ("responds_to_input", int),  # changed after the player's input
        ("interaction", str),  # JSON list: what the player did
        ("served", str),  # JSON list: library versions served, and any substitution
        ("shot_load", bytes),  # PNG after load
        ("shot_watch", bytes),  # PNG after watching
        ("shot_input", bytes),  # PNG after interacting
    ):
        if name not in table.columns_dict:
            table.add_column(name, kind)


@migrations()
def m007_cache_write_tokens(db: Database) -> None:
    """Input tokens written to a provider's prompt cache: part of input_tokens, billed at their own price."""
    table = _table(db, "runs")
    if "cache_write_tokens" not in table.columns_dict:
        table.add_column("cache_write_tokens", int)


@migrations()
def m008_run_origin(db: Database) -> None:
    """Where a run came from: NULL for one CanvasBench timed, else the tool it was imported from, once."""
    table = _table(db, "runs")
    for name in ("origin", "origin_key"):  # origin: llm / promptfoo / folder; origin_key: the item in its source
        if name not in table.columns_dict:
            table.add_column(name, str)
    # Re-importing a source finds its items here and adds nothing twice.
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS runs_origin_key ON runs (origin_key) WHERE origin_key IS NOT NULL")


@migrations()
def m009_comparison_sweeps(db: Database) -> None:
    """Comparisons remember the sweep that made them, so a sweep can be read back as one prompt × model matrix."""
    table = _table(db, "comparisons")
    if "sweep_id" not in table.columns_dict:
        table.add_column("sweep_id", str)  # NULL: a single `run`, a re-run or a dashboard launch
    table.create_index(["sweep_id", "created_at"], if_not_exists=True)


@migrations()
def m010_batch_jobs(db: Database) -> None:
    """Jobs on the providers' batch engines, and the runs waiting in them (queued, owned by the job, not a process)."""
    _table(db, "batch_jobs").create(
        {
            "id": str,  # ours (a ULID)
            "provider": str,  # gemini / openai / anthropic
            "job_id": str,  # the provider's name for it
            "label": str,
            "state": str,  # running / ended / failed / cancelled / expired (ours), then ingested once read
            "raw_state": str,  # the provider's own word
            "total": int,
            "done": int,
            "failed": int,
            "error": str,
            "created_at": str,
            "updated_at": str,
            "next_poll_at": str,  # the next poll's time: the interval grows while nothing changes
            "poll_interval_s": float,
            "ingested_at": str,  # every result read and stored
        },
        pk="id",
        not_null={"provider", "job_id", "state", "created_at"},
        if_not_exists=True,
    )
    table = _table(db, "runs")
    if "batch_id" not in table.columns_dict:
        table.add_column("batch_id", str)  # batch_jobs.id; the run's custom id in the job is its own id
    db.execute("CREATE INDEX IF NOT EXISTS runs_batch ON runs (batch_id) WHERE batch_id IS NOT NULL")


@migrations()
def m011_check_queue(db: Database) -> None:
    """Render checks queued or under way, and which process holds each, so every process can show them."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS check_queue ("
        " run_id TEXT PRIMARY KEY REFERENCES runs(id),"
        " state TEXT NOT NULL,"  # queued / checking
        " worker TEXT NOT NULL,"  # the process holding it (pid:start-time@host): a dead one's entry means nothing
        " queued_at TEXT NOT NULL,"
        " started_at TEXT"
        ")"
    )


@migrations()
def m012_run_rounds(db: Database) -> None:
    """Repair rounds: each round is its own run, chained to the run it repairs."""
    table = _table(db, "runs")
    for name, kind in (
        ("round", int),  # 0 = the first answer; n = the n-th repair of it
        ("parent_run_id", str),  # the round this one repairs (NULL for round 0)
        ("repair_version", str),  # the version of the repair message this round was sent (NULL for round 0)
        ("turn_text", str),  # the user turn this round answered when it is not the prompt (the repair message)
        ("recipe", str),  # the build recipe's name on each of its rows (NULL: a model on its own); see contestants.py
    ):
        if name not in table.columns_dict:
            table.add_column(name, kind)
    db.execute("CREATE INDEX IF NOT EXISTS runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL")


# Who competes and which step a row is (contestants.py): lists group and label by them, so the covering
# index carries them too (they sit after the texts in each row).
CONTESTANT_LIST_COLUMNS = ("round", "recipe", "parent_run_id", "repair_version")


@migrations()
def m013_contestant_list_index(db: Database) -> None:
    """The list index also covers each run's round and recipe, so the gallery groups by contestant without texts."""
    db.execute("DROP INDEX IF EXISTS runs_list_cover")
    _table(db, "runs").create_index(list(RUN_LIST_COLUMNS + CONTESTANT_LIST_COLUMNS), index_name="runs_list_cover")


@migrations()
def m014_batch_job_worker(db: Database) -> None:
    """The process submitting a batch job: a follow-up job it left `submitting` is sent again once it has died."""
    table = _table(db, "batch_jobs")
    if "worker" not in table.columns_dict:
        table.add_column("worker", str)  # pid:start-time@host, cleared once the provider has confirmed the job
