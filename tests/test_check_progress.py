"""Where a render check stands (queued, checking, stored) is in the store, so every process's pages can show it."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from canvasbench.liveness import worker_token
from canvasbench.render import RenderCheck, RenderCheckPool, save_check
from canvasbench.store import RunStore, reads, writes
from canvasbench.store.reads.checks import AWAIT_QUEUE_S
from tests.browser_helpers import seed_comparison

DEAD = f"999999999:1@{socket.gethostname()}"  # a process of this machine that is not running


def _finished_now(store: RunStore, run_ids: list[str], worker: str | None) -> datetime:
    now = datetime.now(UTC)
    for run_id in run_ids:
        writes.update_run(store, run_id, finished_at=writes.utc_now(), worker=worker)
    return now


def test_a_check_reads_queued_then_checking_then_settled_and_a_dead_holder_means_nothing(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "c.db")
    comparison_id, (a, b, c) = seed_comparison(store)
    me = worker_token()
    writes.queue_check(store, a, me)
    writes.queue_check(store, b, me)
    writes.start_check(store, b, me)
    writes.queue_check(store, c, DEAD)  # its process died: nobody will check it
    assert reads.check_progress(store, [a, b, c]) == {a: "queued", b: "checking"}

    save_check(store, b, RenderCheck(verdict="renders", evidence="drawn"))  # the stored check ends the entry
    assert reads.check_progress(store, [a, b, c]) == {a: "queued"}
    writes.end_check(store, a, DEAD)  # another process's end leaves ours alone
    assert reads.check_progress(store, [a]) == {a: "queued"}
    assert writes.delete_comparison(store, comparison_id) == 3  # queue entries go with their runs


def test_a_run_a_live_process_just_finished_awaits_its_check_for_a_while_only(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "a.db")
    _, (mine, gone, svg) = seed_comparison(store)
    now = _finished_now(store, [mine, svg], worker_token())
    _finished_now(store, [gone], DEAD)
    # The runner commits the final row before its hook queues the check: the page keeps waiting meanwhile.
    assert reads.check_progress(store, [mine, gone, svg], now=now) == {mine: "awaiting", svg: "awaiting"}
    later = now + timedelta(seconds=AWAIT_QUEUE_S + 1)
    assert reads.check_progress(store, [mine, gone, svg], now=later) == {}, "a check that never came is not awaited"
    save_check(store, mine, RenderCheck(verdict="blank", evidence="nothing drawn"))
    assert mine not in reads.check_progress(store, [mine], now=now)


def test_the_pool_records_each_check_as_queued_then_checking_and_forgets_it_after(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    store = RunStore(db)
    # Runs still generating: the pool takes them through its states without opening a browser.
    _, (first, second, _) = seed_comparison(store, statuses=["running", "running", "running"])
    seen: dict[str, dict[str, str]] = {}
    release = threading.Event()

    def on_checked(run_id: str, _check: RenderCheck) -> None:
        if run_id == first:  # held until the second is queued behind it: then both are read at one moment
            assert release.wait(60), "the test never released the first check"
        seen[run_id] = dict(reads.check_progress(RunStore(db), [first, second]))

    pool = RenderCheckPool(db, workers=1, on_checked=on_checked)
    try:
        held = pool.submit(first)
        queued = pool.submit(second)
        assert reads.check_progress(store, [second]) == {second: "queued"}  # behind the first, one worker
        release.set()
        held.result(60)
        queued.result(60)
    finally:
        pool.shutdown()
    assert seen[first] == {first: "checking", second: "queued"}
    assert seen[second] == {second: "checking"}
    assert reads.check_progress(store, [first, second]) == {}
