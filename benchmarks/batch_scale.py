"""A batch sweep at scale against the fakes: submit, ingest and analysis time, render-check rate, peak memory.

    nice .venv/bin/python benchmarks/batch_scale.py [--prompts 12] [--contestants 20] [--repeat 5]
        [--lines 2000] [--check 60] [--providers openai,anthropic,gemini] [--profile FILE]

12 prompts x 20 contestants x 5 repeats = 1,200 requests (the issue's size), spread over the three
providers' batch APIs (one job per provider; Gemini one per model), each answered with a page of about
`--lines` lines. The fake server runs in its own process, so its work is not counted as ours. Prints the
time to create the runs and submit every job; the time to read and store every result, of which the
analysis (extraction and line counts, timed around `analyse_response` as ingest calls it) is shown on
its own; the peak resident memory of this process while submitting and ingesting; then the render-check
rate in pages per minute over `--check` of the stored pages, picked evenly across the sweep (all of
them if it is at least their number; 0 skips it), checked as `canvasbench batches` does: two at a time
in the check pool's headless Chromium. `--profile FILE` writes a cProfile of the ingest.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=12)
    parser.add_argument("--contestants", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--check", type=int, default=60, help="pages to render-check for the rate (0: none)")
    parser.add_argument("--providers", default="openai,anthropic,gemini", help="contestants cycle through these")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of the ingest here")
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
    """Submit the sweep, read every result back, then check a sample of the pages, timing each stage."""
    from canvasbench.run import batch_sweep
    from canvasbench.run.comparisons import repeat_models
    from canvasbench.run.prompt_suite import load_suite
    from canvasbench.run.runner import RunOptions
    from canvasbench.store import RunStore

    suite = load_suite()
    prompts = [(suite[i % len(suite)].as_row(), suite[i % len(suite)].id) for i in range(args.prompts)]
    providers = args.providers.split(",")
    contestants = [
        f"{providers[i % len(providers)]}:fake{i};text=long;lines={args.lines};batch_polls=1"
        for i in range(args.contestants)
    ]
    models = repeat_models(contestants, args.repeat)
    store = RunStore(db)
    requests = len(prompts) * len(models)

    started, cpu = time.perf_counter(), time.process_time()
    submission = batch_sweep.submit_batch_sweep(store, prompts, models, RunOptions())
    submitted, submit_cpu = time.perf_counter() - started, time.process_time() - cpu
    analysis = [0.0]
    analyse = batch_sweep.analyse_response

    def timed(text: str) -> object:  # the ingest's own call, timed where it is made
        begun = time.perf_counter()
        try:
            return analyse(text)
        finally:
            analysis[0] += time.perf_counter() - begun

    batch_sweep.analyse_response = timed  # type: ignore[assignment]
    profile = cProfile.Profile() if args.profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    reports = batch_sweep.poll_jobs(store, force=True)
    if profile is not None:
        profile.disable()
        profile.dump_stats(args.profile)
    ingested, ingest_cpu = time.perf_counter() - started, time.process_time() - cpu
    stored = [run_id for r in reports for run_id in r.ingested]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = store.db.execute("SELECT sum(lines), count(*) FROM runs WHERE status = 'done'").fetchone()
    jobs, comparisons = len(submission.jobs), len(submission.comparisons)
    print(f"requests                 {requests} in {jobs} jobs ({comparisons} comparisons)")
    print(f"create runs + submit     {submitted:.1f} s ({submit_cpu:.1f} s of CPU)")
    print(f"read + measure + store   {ingested:.1f} s ({ingest_cpu:.1f} s of CPU) for {len(stored)} results "
          f"({lines[1]} done, {lines[0]:,} lines)")  # fmt: skip
    print(f"  of which analysis      {analysis[0]:.1f} s (extraction and line counts)")
    print(f"per result               {1000 * ingested / max(len(stored), 1):.1f} ms")
    print(f"peak memory (RSS)        {peak_mb:.0f} MB (submit and ingest)")
    print(f"load average             {os.getloadavg()[0]:.1f}")
    if args.check > 0 and stored:
        check_sample(db, stored, args.check)


def check_sample(db: Path, stored: list[str], wanted: int) -> None:
    """Render-check `wanted` of the stored runs, spread across the sweep, as `canvasbench batches` does."""
    from canvasbench.render import RenderCheckPool

    step = max(1, len(stored) // wanted)
    sample = stored[::step][:wanted]
    pool = RenderCheckPool(db, workers=2)
    verdicts: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    try:
        for future in [pool.submit(run_id) for run_id in sample]:
            verdicts[str(future.result().verdict)] += 1
    finally:
        pool.shutdown()
    wall = time.perf_counter() - started
    what = "all" if len(sample) == len(stored) else f"a sample of {len(sample)} of {len(stored)}"
    print(f"render checks            {wall:.1f} s for {what}: {60 * len(sample) / wall:.1f} pages/min, two at a time")
    print(f"  verdicts               {dict(verdicts)}")
    print(f"peak memory (RSS)        {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (with checks)")
    print(f"load average             {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
