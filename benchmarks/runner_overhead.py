"""How much time and memory the Runner adds on top of the providers' own schedule, measured against the fakes.

    .venv/bin/python benchmarks/runner_overhead.py [--provider openai] [--counts 1,4,16] [--interval-ms 1]

For 1, 4 and 16 concurrent runs of one fixed fake schedule (a 200 ms first-token delay, then 2,000
chunks 1 ms apart) it prints: the nominal wall time of that schedule (the ideal: the fakes keep an
absolute schedule), the same streams read with bare sockets (the fakes' own time, which shows they keep
it) and by bare generate() calls (SDK + fake, no runner, no store), the Runner's wall time (submit until
the last final row is committed), the ratios, the TTFT error (measured minus the injected 200 ms) median
and max, the time spent writing checkpoints, the peak resident memory, and the CPU seconds used: ours
in the bare SDK phase (near its wall time means the one event loop is full, so the SDK is the limit)
and the fakes' and ours in the runner phase. The fake server runs in its own process so that it does
not compete with us for the GIL. Targets (issue 4): Runner / ideal <= 1.05 at 16 runs, TTFT error <= 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    """A free loopback port for the fake server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_fakes(port: int) -> subprocess.Popen[bytes]:
    """The fake providers in their own process; returns once /health answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the fake server did not start")


_TICKS = os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The 1-, 5- and 15-minute load averages, as `uptime` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its live descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


class CpuMeter:
    """CPU seconds the fakes and this process (with its analysis workers) use inside a `with` block."""

    def __init__(self, fakes_pid: int) -> None:
        self.fakes_pid = fakes_pid
        self.fakes_s = self.ours_s = 0.0

    def __enter__(self) -> CpuMeter:
        self._start = (tree_cpu_s(self.fakes_pid), tree_cpu_s(os.getpid()))
        return self

    def __exit__(self, *exc: object) -> None:
        self.fakes_s = tree_cpu_s(self.fakes_pid) - self._start[0]
        self.ours_s = tree_cpu_s(os.getpid()) - self._start[1]


class PeakRss:
    """Samples this process's resident memory every 20 ms and keeps the peak (MiB)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def now() -> float:
        """Current resident memory in MiB."""
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


async def wire_stream(port: int, provider: str, name: str) -> tuple[float, float]:
    """Read one fake stream with a bare socket (no SDK): (first content byte, last byte) in seconds."""
    if provider == "openai":
        path = "/v1/chat/completions"
        body: dict[str, object] = {"model": name, "stream": True, "messages": [{"role": "user", "content": "x"}]}
        marker = re.compile(rb'"content": ?"[^"]')  # the opening chunk has an empty content
    elif provider == "anthropic":
        path = "/v1/messages"
        body = {"model": name, "stream": True, "max_tokens": 4096, "messages": [{"role": "user", "content": "x"}]}
        marker = re.compile(rb"text_delta")
    else:
        path = f"/v1beta/models/{name}:streamGenerateContent?alt=sse"
        body = {"contents": [{"role": "user", "parts": [{"text": "x"}]}]}
        marker = re.compile(rb'"text"')
    payload = json.dumps(body).encode()
    loop = asyncio.get_running_loop()
    started = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer bench\r\nx-goog-api-key: bench\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    first = None
    tail = b""
    while True:
        data = await reader.read(1 << 16)
        if not data:
            break
        if first is None and marker.search(tail + data):
            first = loop.time()
        tail = (tail + data)[-64:]
        if tail.endswith(b"\r\n0\r\n\r\n"):
            break
    end = loop.time()
    writer.close()
    return (first or end) - started, end - started


@dataclass
class Row:
    runs: int
    ideal_s: float
    wire_s: float
    wire_ttft_err_ms: list[float]
    bare_s: float
    runner_s: float
    ttft_err_ms: list[float]
    bare_ttft_err_ms: list[float]
    checkpoints: int
    checkpoint_ms: float
    write_ms: float
    peak_mib: float
    statuses: set[str]
    fakes_cpu_s: float  # during the runner phase
    ours_cpu_s: float
    bare_cpu_s: float  # ours, during the bare SDK phase: near its wall time means the one loop thread is full

    @property
    def busy(self) -> float:
        """Share of the machine's cores the fakes and we kept busy during the runner phase."""
        return (self.fakes_cpu_s + self.ours_cpu_s) / (self.runner_s * (os.cpu_count() or 1))


def measure(
    count: int, model_id: str, first_delay_s: float, ideal_s: float, db: Path, port: int, fakes_pid: int
) -> Row:
    """One row of the table: bare sockets, then bare generate(), then the Runner, on the same schedule."""
    from canvasbench.providers.base import GenerationRequest
    from canvasbench.providers.generate import generate
    from canvasbench.run.event_loop import background_loop
    from canvasbench.run.prompt_suite import custom_prompt
    from canvasbench.run.runner import Runner
    from canvasbench.run.warm import warm

    warm([model_id.split(":", 1)[0]])  # as the Runner does in submit(): bare generate() gets the same start
    prompt = custom_prompt(f"benchmark with {count} runs")
    loop = background_loop()

    async def bare() -> list[float | None]:
        request = GenerationRequest(model=model_id.split(":", 1)[1], prompt=prompt["text"])
        results = await asyncio.gather(*(generate(model_id, request) for _ in range(count)))
        bad = {r.status for r in results} - {"done"}
        if bad:
            raise SystemExit(f"bare generate() runs ended {bad}: {[r.error for r in results]}")
        return [r.ttft_s for r in results]

    async def wire() -> list[tuple[float, float]]:
        provider, name = model_id.split(":", 1)
        return await asyncio.gather(*(wire_stream(port, provider, name) for _ in range(count)))

    started = time.perf_counter()
    wire_times = asyncio.run_coroutine_threadsafe(wire(), loop).result()
    wire_s = time.perf_counter() - started

    with CpuMeter(fakes_pid) as bare_cpu:
        started = time.perf_counter()
        bare_ttfts = asyncio.run_coroutine_threadsafe(bare(), loop).result()
        bare_s = time.perf_counter() - started

    runner = Runner(db, default_concurrency=count)
    with PeakRss() as rss, CpuMeter(fakes_pid) as cpu:
        started = time.perf_counter()
        comparison_id = runner.submit(prompt, [model_id] * count)
        rows = runner.wait(comparison_id)
        runner_s = time.perf_counter() - started
    stats = runner.writer_stats()
    runner.shutdown()
    return Row(
        runs=count,
        ideal_s=ideal_s,
        wire_s=wire_s,
        wire_ttft_err_ms=[(first - first_delay_s) * 1000 for first, _ in wire_times],
        bare_s=bare_s,
        runner_s=runner_s,
        ttft_err_ms=[(r["ttft_s"] - first_delay_s) * 1000 for r in rows],
        bare_ttft_err_ms=[((t or 0) - first_delay_s) * 1000 for t in bare_ttfts],
        checkpoints=stats.checkpoints,
        checkpoint_ms=stats.checkpoint_s * 1000,
        write_ms=stats.write_s * 1000,
        peak_mib=rss.peak,
        statuses={r["status"] for r in rows},
        fakes_cpu_s=cpu.fakes_s,
        ours_cpu_s=cpu.ours_s,
        bare_cpu_s=bare_cpu.ours_s,
    )


def ttft_probe(provider: str, first_delay_ms: float, port: int, db: Path, samples: int) -> str:
    """TTFT error of single short streams, interleaved sockets / generate() / Runner (less noise than above)."""
    from canvasbench.providers.base import GenerationRequest
    from canvasbench.providers.generate import generate
    from canvasbench.run.event_loop import background_loop
    from canvasbench.run.prompt_suite import custom_prompt
    from canvasbench.run.runner import Runner
    from canvasbench.run.warm import warm

    warm([provider])
    name = f"fake;chunks=20;interval_ms=1;first_delay_ms={first_delay_ms:g}"
    model_id = f"{provider}:{name}"
    loop = background_loop()
    runner = Runner(db)
    errors: dict[str, list[float]] = {"bare sockets": [], "bare SDK (generate)": [], "runner": []}
    injected = first_delay_ms / 1000
    for _ in range(samples):
        first, _end = asyncio.run_coroutine_threadsafe(wire_stream(port, provider, name), loop).result()
        result = asyncio.run_coroutine_threadsafe(generate(model_id, GenerationRequest(model=name, prompt="x")), loop)
        row = runner.wait(runner.submit(custom_prompt("ttft probe"), [model_id]))[0]
        errors["bare sockets"].append((first - injected) * 1000)
        errors["bare SDK (generate)"].append(((result.result().ttft_s or 0) - injected) * 1000)
        errors["runner"].append((row["ttft_s"] - injected) * 1000)
    runner.shutdown()
    out = ["| single stream, TTFT err ms | median | min | max |", "|---|---|---|---|"]
    for label, values in errors.items():
        out.append(f"| {label} | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} |")
    return "\n".join(out)


def median_row(reps: list[Row]) -> Row:
    """Medians of the wall times over repetitions; TTFT errors pooled; the highest memory peak."""

    def med(values: list[float]) -> float:
        return statistics.median(values)

    return Row(
        runs=reps[0].runs,
        ideal_s=reps[0].ideal_s,
        wire_s=med([r.wire_s for r in reps]),
        wire_ttft_err_ms=[v for r in reps for v in r.wire_ttft_err_ms],
        bare_s=med([r.bare_s for r in reps]),
        runner_s=med([r.runner_s for r in reps]),
        ttft_err_ms=[v for r in reps for v in r.ttft_err_ms],
        bare_ttft_err_ms=[v for r in reps for v in r.bare_ttft_err_ms],
        checkpoints=round(med([r.checkpoints for r in reps])),
        checkpoint_ms=med([r.checkpoint_ms for r in reps]),
        write_ms=med([r.write_ms for r in reps]),
        peak_mib=max(r.peak_mib for r in reps),
        statuses=set().union(*(r.statuses for r in reps)),
        fakes_cpu_s=med([r.fakes_cpu_s for r in reps]),
        ours_cpu_s=med([r.ours_cpu_s for r in reps]),
        bare_cpu_s=med([r.bare_cpu_s for r in reps]),
    )


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {max(values):.1f}"


def table(rows: list[Row]) -> str:
    """The printed result (Markdown, so it can go into the README as it is)."""
    head = (
        "| runs | nominal s | fakes' own s (bare sockets) | bare SDK s | runner s | runner / nominal "
        "| runner / fakes' own | runner / bare SDK | TTFT err ms median / max: runner | bare SDK | bare sockets "
        "| checkpoints | checkpoint ms (all writes) | peak RSS MiB | bare SDK CPU s "
        "| CPU s during runner: fakes / ours "
        "| cores busy |"
    )
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        out.append(
            f"| {r.runs} | {r.ideal_s:.3f} | {r.wire_s:.3f} | {r.bare_s:.3f} | {r.runner_s:.3f} "
            f"| {r.runner_s / r.ideal_s:.3f} | {r.runner_s / r.wire_s:.3f} | {r.runner_s / r.bare_s:.3f} "
            f"| {_ms(r.ttft_err_ms)} | {_ms(r.bare_ttft_err_ms)} | {_ms(r.wire_ttft_err_ms)} "
            f"| {r.checkpoints} | {r.checkpoint_ms:.1f} ({r.write_ms:.1f}) | {r.peak_mib:.0f} "
            f"| {r.bare_cpu_s:.2f} | {r.fakes_cpu_s:.2f} / {r.ours_cpu_s:.2f} | {r.busy:.0%} |"
        )
    return "\n".join(out)


def main() -> None:
    """Parse options, start the fakes, measure each concurrency, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", default="openai", choices=["openai", "anthropic", "gemini"])
    parser.add_argument("--counts", default="1,4,16", help="concurrent runs per row (default 1,4,16)")
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--interval-ms", type=float, default=1.0)
    parser.add_argument("--first-delay-ms", type=float, default=200.0)
    parser.add_argument("--ttft-samples", type=int, default=15, help="single streams in the TTFT probe")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per row; the table shows medians")
    parser.add_argument("--lines", type=int, default=2000, help="lines of the streamed page (about 45 chars each)")
    args = parser.parse_args()

    load_at_start = load()
    row_loads: list[str] = []
    port = free_port()
    fakes = start_fakes(port)
    tmp = Path(tempfile.mkdtemp(prefix="canvasbench-bench-"))
    os.environ.update(
        {
            "GOOGLE_GEMINI_BASE_URL": f"http://127.0.0.1:{port}",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
            "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}",
            "GEMINI_API_KEY": "bench",
            "OPENAI_API_KEY": "bench",
            "ANTHROPIC_API_KEY": "bench",
            "CANVASBENCH_PRICES": str(tmp / "no-prices.toml"),
            "CANVASBENCH_ENDPOINTS": str(tmp / "no-endpoints.toml"),
        }
    )
    # The `long` text preset has enough characters for 2,000 real chunks (a short text caps the count).
    name = (
        f"fake;text=long;lines={args.lines};chunks={args.chunks};interval_ms={args.interval_ms:g};"
        f"first_delay_ms={args.first_delay_ms:g}"
    )
    model_id = f"{args.provider}:{name}"
    ideal_s = (args.first_delay_ms + (args.chunks - 1) * args.interval_ms) / 1000
    try:
        # Warm up: SDK imports, client construction and the first connection are not steady-state overhead.
        measure(1, f"{args.provider}:fake;chunks=5", 0.0, 1.0, tmp / "warmup.db", port, fakes.pid)
        rows = []
        for count in (int(c) for c in args.counts.split(",")):
            reps = []
            for rep in range(args.repeat):
                db = tmp / f"bench-{count}-{rep}.db"
                reps.append(measure(count, model_id, args.first_delay_ms / 1000, ideal_s, db, port, fakes.pid))
                r = reps[-1]
                print(
                    f"  {count} runs, repetition {rep + 1}: sockets {r.wire_s:.3f}s, SDK {r.bare_s:.3f}s, "
                    f"runner {r.runner_s:.3f}s, statuses {sorted(r.statuses)}, load {os.getloadavg()[0]:.1f}",
                    file=sys.stderr,
                )
            rows.append(median_row(reps))
            row_loads.append(f"{count} runs: {load()}")
        probe = ttft_probe(args.provider, args.first_delay_ms, port, tmp / "probe.db", args.ttft_samples)
    finally:
        fakes.terminate()
        fakes.wait(10)
    print(
        f"provider {args.provider}, {args.chunks} chunks {args.interval_ms:g} ms apart after "
        f"{args.first_delay_ms:g} ms, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"median of {args.repeat} (TTFT errors pooled over all runs); load average (1, 5, 15 min) at the start "
        f"{load_at_start}"
    )
    print(table(rows))
    print(f"load average after each row: {'; '.join(row_loads)}")
    print()
    print(f"{args.ttft_samples} single short streams ({args.first_delay_ms:g} ms first-token delay), one at a time:")
    print(probe)
    print(f"load average at the end: {load()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


if __name__ == "__main__":
    main()
