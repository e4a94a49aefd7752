"""A batch sweep at scale against the fakes: submit, ingest and analysis time, and peak memory.

    .venv/bin/python benchmarks/batch_scale.py [--prompts 12] [--contestants 20] [--repeat 5] [--lines 2000]

12 prompts x 20 contestants x 5 repeats = 1,200 requests (the issue's size), spread over the three
providers' batch APIs (one job per provider; Gemini one per model), each answered with a page of about
`--lines` lines. The fake server runs in its own process, so its work is not counted as ours. Prints the
time to create the runs and submit every job, the time to read and store every result (extraction, line
counts and pricing included), and the peak resident memory of this process. Render checks are not run
here: their rate is benchmarks/render_speed.py's pages per minute.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runner_overhead import free_port  # noqa: E402


def main() -> None:
    """Run the sweep and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompts", type=int, default=12)
    parser.add_argument("--contestants", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()

    port = free_port()
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakes", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        os.environ.update({"GOOGLE_GEMINI_BASE_URL": base, "OPENAI_BASE_URL": f"{base}/v1", "ANTHROPIC_BASE_URL": base,
                           "GEMINI_API_KEY": "k", "OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"})  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CANVASBENCH_PRICES"] = str(Path(tmp) / "prices.toml")
            run(Path(tmp) / "scale.db", args)
    finally:
        fake.terminate()


def run(db: Path, args: argparse.Namespace) -> None:
    """Submit the sweep, then read every result back, timing each stage."""
    from canvasbench.run.batch_sweep import poll_jobs, submit_batch_sweep
    from canvasbench.run.comparisons import repeat_models
    from canvasbench.run.prompt_suite import load_suite
    from canvasbench.run.runner import RunOptions
    from canvasbench.store import RunStore

    suite = load_suite()
    prompts = [(suite[i % len(suite)].as_row(), suite[i % len(suite)].id) for i in range(args.prompts)]
    providers = ("openai", "anthropic", "gemini")
    contestants = [
        f"{providers[i % 3]}:fake{i};text=long;lines={args.lines};batch_polls=1" for i in range(args.contestants)
    ]
    models = repeat_models(contestants, args.repeat)
    store = RunStore(db)
    requests = len(prompts) * len(models)

    started = time.perf_counter()
    submission = submit_batch_sweep(store, prompts, models, RunOptions())
    submitted = time.perf_counter() - started
    started = time.perf_counter()
    reports = poll_jobs(store, force=True)
    ingested = time.perf_counter() - started
    stored = sum(len(r.ingested) for r in reports)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = store.db.execute("SELECT sum(lines), count(*) FROM runs WHERE status = 'done'").fetchone()
    jobs, comparisons = len(submission.jobs), len(submission.comparisons)
    print(f"requests                 {requests} in {jobs} jobs ({comparisons} comparisons)")
    print(f"create runs + submit     {submitted:.1f} s")
    print(f"read + measure + store   {ingested:.1f} s for {stored} results ({lines[1]} done, {lines[0]:,} lines)")
    print(f"per result               {1000 * ingested / max(stored, 1):.1f} ms")
    print(f"peak memory (RSS)        {peak_mb:.0f} MB")
    print(f"load average             {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
