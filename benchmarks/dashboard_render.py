"""How fast do the dashboard's pages render on a big database? Builds one, then times AppTest runs.

    .venv/bin/python benchmarks/dashboard_render.py                      # 3,000 comparisons, ~0.5 GB
    .venv/bin/python benchmarks/dashboard_render.py --comparisons 500 --kb 20 --db /tmp/small.db

The database is built once through RunStore (comparisons with three finished runs each, every run carrying
a response and an artifact of --kb kilobytes, a timeline and metrics) and reused on the next call unless
--rebuild is given. Each page is then rendered server-side with streamlit's AppTest: "cold" after clearing
st.cache_data (what the first visitor after a new run sees), "warm" on the next reruns. Aim: under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS = ("gemini:gemini-3-flash-preview", "openai:gpt-5.2", "anthropic:claude-opus-4-6")
CATEGORIES = ("threejs", "svg", "canvas", "desktop")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build(db: Path, comparisons: int, kb: int) -> None:
    """Fill a new database with `comparisons` finished comparisons of three runs each."""
    from canvasbench.store import RunStore, writes

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = RunStore(db)
    line = "    ctx.fillRect(x * 4, y * 4, 3, 3); // one cell of the simulation grid, drawn every frame\n"
    body = line * max(1, (kb * 1024) // len(line))
    artifact = f"<!doctype html><html><body><canvas></canvas><script>\n{body}</script></body></html>"
    response = f"Here is the page.\n\n```html\n{artifact}\n```\n"
    start = datetime.now(UTC) - timedelta(days=comparisons // 20 + 1)
    t0 = time.monotonic()
    for i in range(comparisons):
        created = start + timedelta(minutes=30 * i)
        category = CATEGORIES[i % len(CATEGORIES)]
        prompt = {
            "id": f"bench-{i % 40}",
            "title": f"Benchmark prompt {i % 40} ({category})",
            "category": category,
            "kind": "html",
            "text": f"Write prompt number {i % 40} as one HTML file. " * 20,
            "source": "suite",
        }
        cid, run_ids = writes.create_comparison(store, prompt=prompt, model_ids=MODELS, options={})
        with store.write() as wdb:
            wdb.execute("UPDATE comparisons SET created_at = ? WHERE id = ?", [_iso(created), cid])
            for pos, run_id in enumerate(run_ids):
                total = 30.0 + 10 * pos + (i % 7)
                lines = artifact.count("\n") + 1 - pos * 3
                wdb.execute(
                    "UPDATE runs SET status = ?, created_at = ?, started_at = ?, finished_at = ?, updated_at = ?,"
                    " attempts = 1, ttft_s = ?, latency_s = ?, tokens_per_s = ?, input_tokens = 900,"
                    " output_tokens = ?, thinking_tokens = ?, cost_usd = ?, finish_reason = ?, response = ?,"
                    " reasoning = ?, artifact_kind = 'html', artifact = ?, lines = ?, code_lines = ?, chars = ?,"
                    " response_lines = ?, truncated = ?, timeline = ? WHERE id = ?",
                    [
                        "failed" if (i + pos) % 23 == 0 else "done",
                        _iso(created),
                        _iso(created),
                        _iso(created + timedelta(seconds=total)),
                        _iso(created),
                        0.5 + pos,
                        total,
                        200.0 - 40 * pos,
                        8000 + 100 * pos,
                        500 * pos,
                        0.01 * (pos + 1),
                        "length" if (i + pos) % 31 == 0 else "stop",
                        response,
                        "thinking " * 50,
                        artifact,
                        lines,
                        lines - 2,
                        len(artifact),
                        lines + 4,
                        int((i + pos) % 31 == 0),
                        json.dumps([[0.5 + t, 400 * t, lines * t // 20] for t in range(21)]),
                        run_id,
                    ],
                )
        if (i + 1) % 500 == 0:
            print(f"  {i + 1:,} comparisons written ({time.monotonic() - t0:.0f} s)", flush=True)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def time_page(app: str, page: str | None, repeats: int) -> dict[str, float]:
    """Cold (caches cleared) and warm server-side render times of one page, in seconds (median)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    # One AppTest per page, reused: its first run scans installed packages for components, later ones do not.
    at = AppTest.from_file(app, default_timeout=120)
    if page:
        at.switch_page(page)
    at.run()  # imports and first-time setup are not what a visitor waits for

    def once(clear: bool) -> float:
        if clear:
            st.cache_data.clear()
        started = time.perf_counter()
        at.run()
        took = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{page or 'gallery'} raised: {at.exception[0].value}")
        return took

    cold = [once(True) for _ in range(repeats)]
    warm = [once(False) for _ in range(repeats)]
    return {"cold_s": statistics.median(cold), "warm_s": statistics.median(warm)}


def main() -> None:
    """Build (or reuse) the big database and print the render times."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=ROOT / "storage" / "bench-dashboard.db")
    parser.add_argument("--comparisons", type=int, default=3000)
    parser.add_argument("--kb", type=int, default=25, help="size of each response and each artifact, in KB")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    os.environ["CANVASBENCH_DB"] = str(args.db)
    if args.rebuild or not args.db.exists():
        print(f"Building {args.db} ({args.comparisons:,} comparisons, {args.kb} KB per text)…", flush=True)
        build(args.db, args.comparisons, args.kb)
    size_mb = args.db.stat().st_size / 1e6
    from canvasbench.store import RunStore

    store = RunStore(args.db)
    n_comp = store.db.execute("SELECT count(*) FROM comparisons").fetchone()[0]
    n_runs = store.db.execute("SELECT count(*) FROM runs").fetchone()[0]
    print(f"Database: {args.db} — {size_mb:,.0f} MB, {n_comp:,} comparisons, {n_runs:,} runs")

    app = str(ROOT / "app.py")
    results = {
        "gallery": time_page(app, None, args.repeats),
        "metrics": time_page(app, "pages/metrics_page.py", args.repeats),
    }
    print(f"{'page':<10}{'cold (s)':>10}{'warm (s)':>10}   (median of {args.repeats}; AppTest.run, server side)")
    for name, r in results.items():
        flag = "" if r["cold_s"] < 1.0 else "   <- over the 1 s aim"
        print(f"{name:<10}{r['cold_s']:>10.3f}{r['warm_s']:>10.3f}{flag}")


if __name__ == "__main__":
    main()
