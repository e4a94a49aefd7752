"""What repair rounds add that is CanvasBench's own: the render check and the bookkeeping between rounds.

    .venv/bin/python benchmarks/repair_overhead.py [--prompts 3] [--repair 2] [--interval-ms 5]

Runs `--prompts` prompts of the suite × 3 fake contestants (Gemini fixes on round 1, OpenAI on round 2,
Anthropic is cut off then fixes) with `--repair N`, against the fakes (in this process), real SQLite and
real Chromium checks. Prints per round: generation time (the fakes' schedule: 40 chunks `--interval-ms`
apart), check time (the run's final row to its verdict, queueing included) and the bookkeeping between a
round's verdict and its next request (reading the verdict, writing the repair message, recording the next
round's row, starting it). Target (issue 22): bookkeeping under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTESTANTS = (
    "gemini:fake;rounds=throws,good", "openai:fake;rounds=blank,throws,good", "anthropic:fake;rounds=cut,good"
)


def _seconds(later: str | None, earlier: str | None) -> float | None:
    if not later or not earlier:
        return None
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def _line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<34} -"
    return (
        f"{name:<34} n={len(values):<3} median {statistics.median(values) * 1000:8.1f} ms"
        f"   max {max(values) * 1000:8.1f} ms"
    )


def main() -> None:
    """Run the sweep with repairs and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=3)
    parser.add_argument("--repair", type=int, default=2)
    parser.add_argument("--interval-ms", type=int, default=5)
    args = parser.parse_args()

    from tests.fakes import start_fake_server

    server = start_fake_server()
    tmp = Path(tempfile.mkdtemp(prefix="canvasbench-repair-bench-"))
    os.environ.update(server.env())
    os.environ["CANVASBENCH_DB"] = str(tmp / "bench.db")
    os.environ.setdefault("CANVASBENCH_RECOVERY_DIR", str(tmp / "recovered"))

    from canvasbench.render import RenderCheckPool
    from canvasbench.run.acceptable import parse_accept
    from canvasbench.run.attempts import attempts, describe
    from canvasbench.run.prompt_suite import load_suite
    from canvasbench.run.runner import Runner, RunOptions
    from canvasbench.store import RunStore, reads

    store = RunStore()
    pool = RenderCheckPool(store.path, workers=2)
    runner = Runner(store.path, default_concurrency=8)
    runner.use_checks(pool)
    models = [f"{m};chunks=40;interval_ms={args.interval_ms}" for m in CONTESTANTS]
    started = time.monotonic()
    comparisons = {
        runner.submit(p.as_row(), models, RunOptions(repair=args.repair)): p.id for p in load_suite()[: args.prompts]
    }
    for cid in comparisons:
        runner.wait(cid)
    wall = time.monotonic() - started
    runner.shutdown()
    pool.shutdown()
    server.stop()

    rows = [{**row, "prompt_id": pid} for cid, pid in comparisons.items() for row in reads.run_metrics(store, cid)]
    checks = reads.latest_checks(store, [r["id"] for r in rows])
    generation = [r["latency_s"] for r in rows if r["latency_s"] is not None]
    check_s = [s for r in rows if (s := _seconds((checks.get(r["id"]) or {}).get("checked_at"), r["finished_at"]))]
    print(f"{len(comparisons)} prompts × {len(models)} contestants, --repair {args.repair}: {len(rows)} rounds "
          f"in {wall:.1f} s")
    print(_line("generation (per round)", generation))
    print(_line("render check (per round, queued)", check_s))
    print(_line("bookkeeping (verdict -> next round)", runner.round_overhead_s))
    worst = max(runner.round_overhead_s, default=0.0)
    print(f"bookkeeping under 1 s: {'yes' if worst < 1.0 else 'NO'} (worst {worst * 1000:.1f} ms)")
    for attempt in attempts(rows, checks, parse_accept("renders"), repair=args.repair)[: len(models)]:
        print(f"  {attempt.prompt_id} × {attempt.model_id.split(';')[0]}: {describe(attempt)}")


if __name__ == "__main__":
    main()
