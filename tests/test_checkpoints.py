"""Checkpoints append only what is new: their write cost stays flat while a response grows to megabytes."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from canvasbench.run.writer import RunWriter
from canvasbench.store import RunStore, reads, writes

PROMPT = {"id": "p-1", "title": "Big", "category": "canvas", "kind": "html", "text": "Write a lot."}
PROC_IO = Path("/proc/self/io")


def written_bytes() -> int:
    """Bytes this process has handed to write() so far (the kernel's count, WAL frames included)."""
    for line in PROC_IO.read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


def test_checkpoint_write_cost_does_not_grow_with_the_response(tmp_path: Path) -> None:
    if not PROC_IO.exists():
        pytest.skip("counting written bytes needs Linux's /proc/self/io")
    store = RunStore(tmp_path / "big.db")
    comparison_id, (run_id,) = writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:big"])
    writer = RunWriter(store)
    writer.update(run_id, {"status": "running"})
    step = "const dot = ctx.fillRect(1, 2, 3, 4); // one more line of a very long page\n" * 400  # 30 kB
    thinking = "Planning the next part of the page. " * 10
    costs: list[int] = []
    for i in range(1, 61):  # up to 1.8 MB of answer
        text = step * i
        before = written_bytes()
        writer.checkpoint(run_id, {"status": "running", "response": text, "reasoning": thinking * i,
                                   "chars": len(text)})  # fmt: skip
        assert writer.flush(timeout=30)
        costs.append(written_bytes() - before)
    early, late = statistics.median(costs[:10]), statistics.median(costs[-10:])
    # A rewrite of the row would write the whole 1.7 MB response at each late checkpoint.
    assert late < 4 * len(step) and late <= 2 * early + 16_384, (early, late)
    print(f"bytes written per checkpoint: {early:.0f} at 0.3 MB of answer, {late:.0f} at 1.7 MB")

    # The partial text reads back whole, through the store and through the dashboard's live panel query.
    assert reads.get_run(store, run_id)["response"] == text
    assert reads.get_run(store, run_id)["reasoning"] == thinking * 60
    (live,) = reads.live_runs(store, comparison_id)
    assert live["chars_so_far"] == len(text) and live["tail"] == text[-2500:]
    assert live["lines_so_far"] == text.count("\n") + 1 and live["reasoning_chars"] == len(thinking * 60)

    # The final row holds the whole text and the pieces are gone.
    writer.finish(run_id, lambda: {"status": "done", "response": text + "end", "reasoning": "", "finished_at": "t"},
                  lambda: None)  # fmt: skip
    assert writer.flush(timeout=30)
    assert reads.get_run(store, run_id)["response"] == text + "end"
    assert store.db.execute("SELECT count(*) FROM run_chunks").fetchone()[0] == 0
    writer.close()


def test_a_checkpoint_after_the_final_row_changes_nothing(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "late.db")
    _, (run_id,) = writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:big"])
    writer = RunWriter(store)
    writer.update(run_id, {"status": "running"})
    writer.finish(run_id, lambda: {"status": "done", "response": "all", "finished_at": "t"}, lambda: None)
    writer.checkpoint(run_id, {"status": "running", "response": "all and a late bit", "reasoning": ""})
    assert writer.flush(timeout=30)
    row = reads.get_run(store, run_id)
    assert (row["status"], row["response"]) == ("done", "all")
    assert store.db.execute("SELECT count(*) FROM run_chunks").fetchone()[0] == 0
    writer.close()
