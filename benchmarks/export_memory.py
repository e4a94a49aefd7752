"""Does `canvasbench export` stream? Peak memory exporting 10,000 runs (2,000 comparisons), against their size.

    .venv/bin/python benchmarks/export_memory.py [--comparisons 2000] [--models 5] [--lines 400]

Builds a database of comparisons x models finished runs, each with a page of its own of about `--lines` lines, then
runs `canvasbench export` in a fresh process for each format, with and without `--artifact` (the code as
the last column), and prints the time, the file's size and the process's peak resident memory. Streaming
means the peak stays near the CLI's own baseline (`canvasbench export --help`) whatever the export's size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Run a command and report its own peak RSS (ru_maxrss of the child, in MB) on the last line of stderr.
PEAK = (
    "import resource, runpy, sys; sys.argv = ['canvasbench', *sys.argv[1:]]\n"
    "try:\n    from canvasbench.cli import main; main.main(standalone_mode=False)\n"
    "finally:\n    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)"
)


def build(db: Path, comparisons: int, models: int, lines: int) -> int:
    """The database: finished runs with pages; returns the bytes of code stored."""
    from canvasbench.store import RunStore, writes

    def page(n: int) -> str:  # every run's page its own, as real ones are (a column of one page compresses away)
        return (
            f"<!doctype html><canvas id=c></canvas><script>\n// run {n}\n"
            + "".join(f"ctx.fillRect({(i * n) % 600}, {(i * 7 + n) % 380}, 3, 3); // step {i}\n" for i in range(lines))
            + "</script>"
        )

    store = RunStore(db)
    prompt = {"id": "bench", "title": "Export benchmark", "category": "bench", "kind": "html", "text": "x"}
    ids = [f"openai:model-{m}" for m in range(models)]
    code = made = 0
    for _ in range(comparisons):
        _, run_ids = writes.create_comparison(store, prompt=prompt, model_ids=ids)
        with store.write():
            for run_id in run_ids:
                made += 1
                text = page(made)
                code += len(text)
                writes.update_run(store, run_id, status="done", response=text, artifact=text, artifact_kind="html",
                                  lines=lines, chars=len(text), cost_usd=0.01, latency_s=12.5)  # fmt: skip
    store.close()
    return code


def export(db: Path, out: Path, *args: str) -> tuple[float, int, float]:
    """(seconds, bytes written, peak MB) of one export in its own process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, "export", *args, "--output", str(out), "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return time.perf_counter() - started, out.stat().st_size, float(done.stderr.strip().splitlines()[-1])


def main() -> None:
    """Build, export in every format, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comparisons", type=int, default=2000)
    parser.add_argument("--models", type=int, default=5)
    parser.add_argument("--lines", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "export.db"
        started = time.perf_counter()
        code = build(db, args.comparisons, args.models, args.lines)
        print(f"{args.comparisons * args.models:,} runs, {code / 1e6:.0f} MB of code, built in "
              f"{time.perf_counter() - started:.0f} s; database {db.stat().st_size / 1e6:.0f} MB")  # fmt: skip
        base = subprocess.run([sys.executable, "-c", PEAK, "export", "--help"], cwd=ROOT, capture_output=True,
                              text=True, check=True)  # fmt: skip
        print(f"baseline (export --help) peak {float(base.stderr.strip().splitlines()[-1]):.0f} MB")
        print(f"{'export':<22} {'seconds':>8} {'file MB':>8} {'peak MB':>8}")
        for fmt in ("csv", "jsonl", "json", "parquet"):
            for extra in ((), ("--artifact",)):
                seconds, size, peak = export(db, Path(tmp) / f"out.{fmt}", "--format", fmt, *extra)
                label = f"{fmt}{' --artifact' if extra else ''}"
                print(f"{label:<22} {seconds:>8.1f} {size / 1e6:>8.1f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
