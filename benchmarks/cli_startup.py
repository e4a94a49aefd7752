"""How fast the CLI starts and stops: medians of fresh processes on this machine, with `llm` beside it.

    .venv/bin/python benchmarks/cli_startup.py [--runs 10] [--llm /tmp/llm-venv/bin/llm]

Prints, each as the median of N fresh processes (wall seconds):
- `canvasbench --help`, `canvasbench models`, `canvasbench prompts` (launch to exit);
- for each provider and an OpenAI-compatible endpoint, `canvasbench run --no-check` against an instant
  local fake server (tests/fakes, in this process, answering at once): launch to the request's arrival at
  the server ("first byte"), and the last answer byte handed to the socket to the process's exit ("after
  end"); beside it, `import <the SDK>` alone in a fresh interpreter (the floor: "first byte" minus it is
  what CanvasBench adds);
- with --llm (an `llm` executable, e.g. from `python -m venv /tmp/llm-venv && /tmp/llm-venv/bin/pip install
  llm`): `llm --help`, and `llm -m <model>` prompted against the same fake through an OpenAI-compatible
  model registered in a throwaway `extra-openai-models.yaml`.
Targets (issue 12): --help <= 0.3 s, models and prompts <= 0.5 s, run's first byte <= SDK import + 0.3 s,
after end <= 0.3 s. The machine is shared: the load average (1, 5, 15 min, as `uptime` shows it) is printed
with every figure, and the date at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from canvasbench.providers.builtins import PROVIDERS  # noqa: E402
from tests.fakes import FakeServer  # noqa: E402

CLI = [str(Path(sys.executable).parent / "canvasbench")]  # the installed command, as a user runs it
MODEL = "fake;chunks=3"
ENDPOINT = "local"


def load() -> str:
    """The 1-, 5- and 15-minute load averages, as `uptime` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def wall(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from launch to exit of one fresh process (its output discarded); raises if it fails."""
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def run_once(cmd: list[str], env: dict[str, str], server: FakeServer) -> tuple[float, float, float]:
    """One fresh `run`: launch to the request at the server, the answer's end to exit, and in all."""
    server.reset()
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    exited = time.monotonic()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    (request,) = [r for r in server.requests if r.model == MODEL or (r.model or "").endswith(MODEL)]
    assert request.answered_at is not None
    return request.received_at - started, exited - request.answered_at, exited - started


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--llm", default=None, help="path to an `llm` executable to measure beside us")
    args = parser.parse_args()
    n = args.runs
    with tempfile.TemporaryDirectory() as tmp, FakeServer() as server:
        env = {**os.environ, **server.env(), "CANVASBENCH_DB": str(Path(tmp) / "bench.db"),
               "CANVASBENCH_ENDPOINTS": str(Path(tmp) / "endpoints.toml")}
        print(f"{n} fresh processes each, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
              f"load average (1, 5, 15 min) {load()}")
        print("| command | median s | target | load average after |")
        print("|---|---|---|---|")
        for label, cmd, target in (
            ("canvasbench --help", [*CLI, "--help"], "0.3"),
            ("canvasbench models", [*CLI, "models"], "0.5"),
            ("canvasbench prompts", [*CLI, "prompts"], "0.5"),
        ):
            print(f"| `{label}` | {median([wall(cmd, env) for _ in range(n)])} | ≤ {target} | {load()} |", flush=True)
        print()
        print("| `canvasbench run --no-check`, instant fake | SDK import alone s | launch → first byte s "
              "| first byte − SDK import s (≤ 0.3) | last byte → exit s (≤ 0.3) | in all s | load average after |")
        print("|---|---|---|---|---|---|---|")
        # Every built-in provider, and an OpenAI-compatible endpoint of endpoints.toml (the openai SDK).
        (Path(tmp) / "endpoints.toml").write_text(
            f'[endpoints.{ENDPOINT}]\nbase_url = "{server.openai_base_url}"\nkey_optional = true\n', encoding="utf-8"
        )
        targets = [(p.name, p.sdk_module, p.name) for p in PROVIDERS]
        targets.append((ENDPOINT, "openai", f"{ENDPOINT}, an endpoints.toml entry"))
        for name, sdk_module, label in targets:
            sdk = [wall([sys.executable, "-c", f"import {sdk_module}"], env) for _ in range(n)]
            cmd = [*CLI, "run", "--prompt", "Draw a circle.", "--model", f"{name}:{MODEL}", "--no-check"]
            firsts, afters, totals = zip(*(run_once(cmd, env, server) for _ in range(n)), strict=True)
            added = statistics.median(firsts) - statistics.median(sdk)
            print(f"| {label} (`{sdk_module}`) | {median(sdk)} | {median(list(firsts))} "
                  f"| {added:.3f} | {median(list(afters))} | {median(list(totals))} | {load()} |", flush=True)
        if args.llm:
            print()
            measure_llm(args.llm, server, n, Path(tmp))
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"\nload average (1, 5, 15 min) at the end: {load()}; {when}")


def measure_llm(llm: str, server: FakeServer, n: int, tmp: Path) -> None:
    """`llm --help` and one `llm` prompt against the fake (OpenAI-compatible), for comparison."""
    user_dir = tmp / "llm"
    user_dir.mkdir()
    (user_dir / "extra-openai-models.yaml").write_text(
        f"- model_id: fake\n  model_name: {MODEL}\n  api_base: {server.openai_base_url}\n  api_key_name: fake\n",
        encoding="utf-8",
    )
    (user_dir / "keys.json").write_text('{"fake": "fake-key"}', encoding="utf-8")
    env = {**os.environ, "LLM_USER_PATH": str(user_dir)}
    print("| `llm` (same machine) | median s | load average after |")
    print("|---|---|---|")
    print(f"| `llm --help` | {median([wall([llm, '--help'], env) for _ in range(n)])} | {load()} |", flush=True)
    cmd = [llm, "-m", "fake", "--no-log", "Draw a circle."]
    firsts, afters, totals = zip(*(run_once(cmd, env, server) for _ in range(n)), strict=True)
    print(f"| `llm -m fake` prompt: launch → first byte | {median(list(firsts))} | {load()} |")
    print(f"| `llm -m fake` prompt: last byte → exit | {median(list(afters))} | {load()} |")
    print(f"| `llm -m fake` prompt: in all | {median(list(totals))} | {load()} |")


if __name__ == "__main__":
    main()
