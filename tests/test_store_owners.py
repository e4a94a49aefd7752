"""A run left streaming by a process that has died reads as interrupted in every read, with no write needed."""

from __future__ import annotations

import _thread
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.liveness import worker_token
from canvasbench.run.writer import write_recovery_file
from canvasbench.store import RunStore, reads, writes
from canvasbench.store.reads import GalleryFilter, RunFilter

PROMPT = {"id": "p-1", "title": "Boids", "category": "canvas", "kind": "html", "text": "Write boids."}


def dead_worker() -> str:
    """The liveness token of a process that has since exited (as after kill -9)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    token = worker_token(proc.pid)
    proc.kill()
    proc.wait()
    return token


@pytest.fixture
def crashed(tmp_path: Path) -> tuple[Path, str, str, str]:
    """A database where a dead process left one run streaming (with text checkpointed) beside a finished one."""
    path = tmp_path / "bench.db"
    store = RunStore(path)
    comparison_id, (orphan, finished) = writes.create_comparison(
        store, prompt=PROMPT, model_ids=["openai:a", "openai:b"]
    )
    writes.update_run(
        store, finished, status="done", response="<html></html>", artifact="<html></html>", artifact_kind="html"
    )
    writes.update_run(store, orphan, status="running", worker=dead_worker(), started_at=writes.utc_now())
    writes.append_checkpoint(store, orphan, 0, "<html><body>half a ", "")
    store.close()
    return path, comparison_id, orphan, finished


def stored_status(path: Path, run_id: str) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return str(conn.execute("SELECT status FROM runs WHERE id = ?", [run_id]).fetchone()[0])


def test_every_read_shows_a_dead_processs_run_as_interrupted(crashed: tuple[Path, str, str, str]) -> None:
    path, comparison_id, orphan, finished = crashed
    store = RunStore(path, read_only=True)  # as export and a published gallery open it: nothing is written

    run = reads.get_run(store, orphan)
    assert run is not None and run["status"] == "interrupted" and run["finish_reason"] == "error"
    assert "stopped before it finished" in run["error"] and run["response"] == "<html><body>half a "
    by_id = {r["id"]: r for r in reads.runs_of(store, comparison_id)}
    assert (by_id[orphan]["status"], by_id[finished]["status"]) == ("interrupted", "done")
    assert {r["id"]: r["status"] for r in reads.run_metrics(store, comparison_id)}[orphan] == "interrupted"
    assert reads.run_status(store, orphan) == "interrupted"
    assert {r["run_id"]: r["status"] for r in reads.export_rows(store)}[orphan] == "interrupted"
    assert {r["id"]: r["status"] for r in reads.runs_table(store)}[orphan] == "interrupted"
    assert [r["id"] for r in reads.runs_table(store, RunFilter(statuses=("interrupted",)))] == [orphan]
    card = reads.gallery_page(store, GalleryFilter()).cards[0]
    assert {r["id"]: r["status"] for r in card["runs"]}[orphan] == "interrupted"
    assert reads.gallery_page(store, GalleryFilter(status="active")).total == 0
    assert {r["id"]: r["status"] for r in reads.live_runs(store, comparison_id)}[orphan] == "interrupted"
    assert {r["id"]: r["status"] for r in reads.timeline(store, comparison_id)}[orphan] == "interrupted"
    assert reads.active_runs(store) == []
    assert "running" not in reads.filter_options(store)["statuses"]
    assert len(reads.finished_run_figures(store)) == 2  # the leaderboard counts it as ended
    store.close()
    assert stored_status(path, orphan) == "running"  # no write was needed for any of that


def test_a_read_only_export_after_kill_9_says_interrupted(crashed: tuple[Path, str, str, str]) -> None:
    path, _, orphan, _ = crashed
    result = CliRunner().invoke(main, ["export", "--db", str(path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = {row["run_id"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert rows[orphan]["status"] == "interrupted"


def test_the_row_of_a_run_whose_text_went_to_a_file_says_where(crashed: tuple[Path, str, str, str]) -> None:
    path, _, orphan, _ = crashed
    where = write_recovery_file(orphan, "<html><body>half a page</body></html>", "")
    assert where is not None
    store = RunStore(path, read_only=True)
    assert str(where) in reads.get_run(store, orphan)["error"]
    assert str(where) in {r["run_id"]: r["error"] for r in reads.export_rows(store)}[orphan]
    store.close()
    store = RunStore(path)  # a writable open records it so, with the same words
    assert stored_status(path, orphan) == "interrupted" and str(where) in reads.get_run(store, orphan)["error"]
    store.close()


def test_a_live_processs_runs_stay_running(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "live.db")
    _, (run_id,) = writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:a"])
    writes.update_run(store, run_id, status="running")
    reader = RunStore(tmp_path / "live.db", read_only=True)
    assert reads.get_run(reader, run_id)["status"] == "running"
    assert [r["id"] for r in reads.active_runs(reader)] == [run_id]


def test_a_run_streamed_from_another_machine_is_not_declared_dead_here(tmp_path: Path) -> None:
    # A database on a shared disk: that machine's pid says nothing here, whether or not one exists here.
    store = RunStore(tmp_path / "shared.db")
    _, (run_id,) = writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:a"])
    elsewhere = dead_worker().split("@")[0] + "@another-machine.example"
    writes.update_run(store, run_id, status="running", worker=elsewhere)
    store.close()
    assert reads.get_run(RunStore(tmp_path / "shared.db", read_only=True), run_id)["status"] == "running"
    assert reads.get_run(RunStore(tmp_path / "shared.db"), run_id)["status"] == "running"  # recovery leaves it too


def test_the_dashboards_cache_key_changes_when_a_runs_process_dies(tmp_path: Path) -> None:
    # The dashboard caches its lists until the file changes; a killed process changes nothing in the file.
    store = RunStore(tmp_path / "bench.db")
    _, (run_id,) = writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:a"])
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    writes.update_run(store, run_id, status="running", worker=worker_token(proc.pid))
    before = reads.data_version(store)
    assert reads.data_version(store) == before and reads.get_run(store, run_id)["status"] == "running"
    proc.kill()
    proc.wait()
    assert reads.data_version(store) != before
    assert reads.get_run(store, run_id)["status"] == "interrupted"


def test_runs_are_recovered_where_a_store_is_opened_to_write_not_to_look_up(
    crashed: tuple[Path, str, str, str],
) -> None:
    # A re-run's lookup or the leaderboard only reads: the dead process's run stays as stored (reads show it
    # as interrupted anyway); a command that writes folds it into an interrupted run.
    from canvasbench.cli.common import open_store

    path, _, orphan, _ = crashed
    assert reads.get_run(open_store(str(path), writes=False), orphan)["status"] == "interrupted"
    assert stored_status(path, orphan) == "running"
    open_store(str(path))
    assert stored_status(path, orphan) == "interrupted"


def _press_ctrl_c_inside_our_sql(conn: sqlite3.Connection, main_thread: int, done: threading.Event) -> None:
    """Trip Ctrl-C once the main thread runs a query calling the store's SQL functions (it never ends).

    It is tripped while that thread is between two calls, in SQLite, so the handler runs as the next call is
    entered, before any line of ours: the harder of the two places (a signal inside a call is caught there).
    """
    owners_file = reads.owners.__file__

    def in_our_sql() -> bool:
        frame = sys._current_frames().get(main_thread)
        while frame is not None and frame.f_code.co_filename != owners_file:
            frame = frame.f_back
        return frame is not None

    deadline = time.monotonic() + 60
    seen = False
    while time.monotonic() < deadline:
        inside = in_our_sql()
        if seen and not inside:  # the query runs: from here on that thread runs no Python but our functions
            _thread.interrupt_main()
            break
        seen = seen or inside
        time.sleep(0)  # hand the GIL back at once
    # Never seen, or the Ctrl-C did not stop the query: end it, so the test fails with SQLite's "interrupted"
    # now, not at pytest's timeout (whose own exception, raised as a function is entered, reads as Ctrl-C too).
    if not done.wait(30):
        conn.interrupt()


def test_ctrl_c_during_a_read_is_ctrl_c_not_a_broken_database(tmp_path: Path) -> None:
    # The read every list makes maps each row's state in Python (run_state); a Ctrl-C or a SIGTERM lands
    # there more often than anywhere else while the CLI waits. sqlite3 turned it into "user-defined function
    # raised exception", so `canvasbench run` said the database could not be used instead of cancelling.
    assert threading.current_thread() is threading.main_thread()  # only the main thread gets Ctrl-C
    store = RunStore(tmp_path / "bench.db")
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(*) FROM n WHERE run_state('done', 'stop', CAST(i AS TEXT), 0) = 'never'"
    )
    done = threading.Event()
    helper = threading.Thread(
        target=_press_ctrl_c_inside_our_sql, args=(store.db.conn, threading.get_ident(), done), daemon=True
    )
    # The helper only sees that thread inside a function when it is made to hand over the GIL mid-function.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    # Ctrl-C as a terminal delivers it: a runner started as a background job ignores SIGINT, and then
    # interrupt_main does nothing at all.
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        helper.start()
        with pytest.raises(KeyboardInterrupt):
            store.db.execute(endless).fetchone()
        done.set()
        helper.join()
    finally:
        done.set()
        signal.signal(signal.SIGINT, handler)
        sys.setswitchinterval(switch)
    # The connection is still good for the next read, and a real failure is still a failure.
    assert store.db.execute("SELECT run_state('done', 'stop', NULL, 0)").fetchone() == ("done",)
    with pytest.raises(sqlite3.OperationalError):
        store.db.execute("SELECT no_such_column FROM runs").fetchall()
