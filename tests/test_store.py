"""The SQLite store: schema, migrations, path errors, per-thread connections, crash recovery."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from canvasbench.errors import StoreError
from canvasbench.ids import id_time_ms, new_id
from canvasbench.store import RunStore, migrations, reads, writes

PROMPT = {"id": "p-1", "title": "Boids", "category": "canvas", "kind": "html", "text": "Write boids."}

RUN_COLUMNS = [
    "id", "comparison_id", "position", "model_id", "provider", "model", "status", "created_at",
    "started_at", "finished_at", "updated_at", "worker", "attempts", "first_chunk_s", "ttft_s",
    "latency_s", "tokens_per_s", "input_tokens", "output_tokens", "thinking_tokens", "cached_tokens",
    "cost_usd", "price", "finish_reason", "raw_finish_reason", "error", "response", "reasoning",
    "artifact_kind", "artifact", "lines", "code_lines", "chars", "response_lines", "truncated", "timeline",
    "cache_write_tokens",
    "origin", "origin_key", "batch_id",
    "round", "parent_run_id", "repair_version", "turn_text", "recipe",
]  # fmt: skip


def columns(path: Path, table: str) -> list[str]:
    """Column names as plain sqlite3 sees them (what Datasette would show)."""
    with sqlite3.connect(path) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_blank_database_gets_the_exact_schema(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    RunStore(path)
    assert columns(path, "prompts") == ["id", "title", "category", "kind", "text", "source", "created_at"]
    assert columns(path, "comparisons") == [
        "id", "created_at", "prompt_id", "title", "category", "prompt_text", "options", "models", "sweep_id",
    ]  # fmt: skip
    assert columns(path, "runs") == RUN_COLUMNS
    assert "render_checks" in sqlite3.connect(path).execute(
        "SELECT group_concat(name) FROM sqlite_master WHERE type='table'"
    ).fetchone()[0]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    store = RunStore(path)
    writes.create_comparison(store, prompt=PROMPT, model_ids=["gemini:a"])
    applied = [m.name for m in migrations.applied(store.db)]
    again = RunStore(path)
    assert [m.name for m in migrations.applied(again.db)] == applied
    assert applied[:2] == ["m001_initial", "m002_render_checks"]
    assert again.db["comparisons"].count == 1


def test_upgrade_from_first_schema_keeps_data(tmp_path: Path) -> None:
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="m002_render_checks")
    db["prompts"].insert({**PROMPT, "source": "suite", "created_at": "2026-01-01T00:00:00Z"})
    db.conn.close()
    store = RunStore(path)
    assert "render_checks" in store.db.table_names()
    assert store.db["prompts"].get("p-1")["title"] == "Boids"


def test_foreign_keys_are_enforced() -> None:
    store = RunStore()
    with pytest.raises(sqlite3.IntegrityError), store.write():
        store.table("runs").insert(
            {"id": new_id(), "comparison_id": "nope", "model_id": "x:y", "status": "queued", "created_at": "t"}
        )


def test_comparison_runs_keep_model_order_and_ids_sort_by_time() -> None:
    store = RunStore()
    comparison_id, run_ids = writes.create_comparison(
        store,
        prompt=PROMPT, model_ids=["openai:gpt-5.2", "gemini:gemini-3-flash-preview", "anthropic:claude-opus-4-6"]
    )
    runs = reads.runs_of(store, comparison_id)
    assert [r["id"] for r in runs] == run_ids == sorted(run_ids)
    assert [r["provider"] for r in runs] == ["openai", "gemini", "anthropic"]
    assert {r["status"] for r in runs} == {"queued"}
    assert abs(id_time_ms(comparison_id) / 1000 - __import__("time").time()) < 60


def test_ids_are_unique_and_monotonic_across_threads() -> None:
    found: list[str] = []

    def make() -> None:
        found.extend(new_id() for _ in range(2000))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == len(found) == 8000
    assert all(len(i) == 26 for i in found)


def test_each_thread_gets_its_own_connection() -> None:
    store = RunStore()
    seen: list[int] = []

    def grab() -> None:
        seen.append(id(store.db.conn))
        store.close()

    t = threading.Thread(target=grab)
    t.start()
    t.join()
    assert seen[0] != id(store.db.conn)


def test_concurrent_writers_never_see_a_locked_database() -> None:
    store = RunStore()
    comparison_id, run_ids = writes.create_comparison(
        store, prompt=PROMPT, model_ids=[f"openai:m{i}" for i in range(16)]
    )
    errors: list[BaseException] = []

    def hammer(run_id: str) -> None:
        try:
            for i in range(60):
                writes.update_run(store, run_id, response="x" * i * 50, chars=i * 50, status="running")
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(r,)) for r in run_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {r["chars"] for r in reads.runs_of(store, comparison_id)} == {59 * 50}


@pytest.mark.parametrize("kind", ["directory", "not-sqlite", "unwritable-parent"])
def test_bad_database_path_is_one_clear_error(tmp_path: Path, kind: str) -> None:
    if kind == "directory":
        path = tmp_path
    elif kind == "not-sqlite":
        path = tmp_path / "notes.db"
        path.write_text("these are my notes, not a database\n")
    else:
        blocker = tmp_path / "file"
        blocker.write_text("x")
        path = blocker / "sub" / "c.db"
    with pytest.raises(StoreError) as info:
        RunStore(path)
    assert str(path) in str(info.value) or str(path.resolve()) in str(info.value)


def test_default_path_comes_from_environment(isolated_paths: Path) -> None:
    assert RunStore().path == (isolated_paths / "canvasbench.db").resolve()
    explicit = isolated_paths / "other.db"
    assert RunStore(explicit).path == explicit.resolve()


def test_runs_left_running_by_a_dead_process_become_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    script = f"""
import os
from canvasbench.store import RunStore, writes
s = RunStore({str(path)!r})
c, runs = writes.create_comparison(s, prompt={PROMPT!r}, model_ids=["gemini:a", "openai:b"])
writes.update_run(s, runs[0], status="running", response="<html><body>half a page")
writes.update_run(s, runs[1], status="done", response="<html></html>")
os._exit(0)
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    store = RunStore(path)
    runs = {r["model_id"]: r for r in store.db.query("SELECT * FROM runs")}
    assert runs["gemini:a"]["status"] == "interrupted"
    assert runs["gemini:a"]["response"] == "<html><body>half a page"
    assert "stopped before it finished" in runs["gemini:a"]["error"]
    assert runs["openai:b"]["status"] == "done"


def test_runs_of_a_live_process_are_left_alone() -> None:
    store = RunStore()
    _, run_ids = writes.create_comparison(store, prompt=PROMPT, model_ids=["gemini:a"])
    writes.update_run(store, run_ids[0], status="running")
    assert reads.get_run(RunStore(), run_ids[0])["status"] == "running"


def test_one_store_per_process_per_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The dashboard's sessions, its runner and its render checks share one store per database file.
    from canvasbench.store import shared_store

    monkeypatch.chdir(tmp_path)
    first = shared_store(tmp_path / "a.db")
    assert shared_store("a.db") is first  # the same file, however it is spelled
    assert shared_store(tmp_path / "b.db") is not first
