"""CPU per streamed chunk: each provider's SDK alone (our adapter) and through generate(), against the fakes.

    .venv/bin/python benchmarks/sdk_chunk_cost.py [--chunks 1000] [--streams 1,16]

Two arrival patterns: `batched` (interval 0: many chunks per socket read, the SDK's parsing alone) and
`alone` (5 ms apart: one read per chunk, the whole HTTP stack and event loop each time). The figure is
this process's CPU time divided by the chunks streamed. With all streams on one event loop, chunks a
second times this cost is the share of one core the loop needs: above one core, no runner can keep up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runner_overhead import free_port, start_fakes  # noqa: E402

PROVIDERS = ("openai", "anthropic", "gemini")
PATTERNS = {"batched": 0.0, "alone": 5.0}


async def _adapter(provider: str, name: str) -> None:
    from canvasbench.providers.base import GenerationRequest
    from canvasbench.providers.registry import get_provider

    async for _event in get_provider(provider).stream(GenerationRequest(model=name, prompt="x", max_output_tokens=9)):
        pass


async def _generate(provider: str, name: str) -> None:
    from canvasbench.providers.base import GenerationRequest
    from canvasbench.providers.generate import generate

    result = await generate(f"{provider}:{name}", GenerationRequest(model=name, prompt="x"))
    if result.status != "done":
        raise SystemExit(f"{provider}: {result.status}: {result.error}")


async def _cost_us(how: str, provider: str, name: str, streams: int, chunks: int) -> float:
    one = _adapter if how == "adapter" else _generate
    started = time.process_time()
    await asyncio.gather(*(one(provider, name) for _ in range(streams)))
    return (time.process_time() - started) / (streams * chunks) * 1e6


async def _measure(chunks: int, counts: list[int]) -> list[str]:
    from canvasbench.providers.registry import ensure_ready

    rows = []
    for provider in PROVIDERS:
        ensure_ready(f"{provider}:warm")
        await _adapter(provider, "fake;chunks=5")  # first-use costs are not per-chunk costs
        for pattern, interval in PATTERNS.items():
            name = f"fake;text=long;lines=2000;chunks={chunks};interval_ms={interval:g}"
            for streams in counts:
                bare = await _cost_us("adapter", provider, name, streams, chunks)
                ours = await _cost_us("generate", provider, name, streams, chunks)
                rows.append(f"| {provider} | {pattern} | {streams} | {bare:.0f} | {ours:.0f} |")
    return rows


def main() -> None:
    """Start the fakes, measure each provider and pattern, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--streams", default="1,16", help="concurrent streams per row (default 1,16)")
    args = parser.parse_args()
    port = free_port()
    fakes = start_fakes(port)
    os.environ.update(
        {
            "GOOGLE_GEMINI_BASE_URL": f"http://127.0.0.1:{port}",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
            "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}",
            "GEMINI_API_KEY": "bench",
            "OPENAI_API_KEY": "bench",
            "ANTHROPIC_API_KEY": "bench",
        }
    )
    try:
        rows = asyncio.run(_measure(args.chunks, [int(n) for n in args.streams.split(",")]))
    finally:
        fakes.terminate()
        fakes.wait(10)
    print(f"{args.chunks} chunks per stream, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("| provider | chunks arrive | streams | SDK alone µs/chunk | through generate() µs/chunk |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
