"""How long a Bradley–Terry fit with its 300-round bootstrap takes (what the Leaderboard page pays per rerun).

Run: .venv/bin/python benchmarks/leaderboard_fit.py [--repeat N]
Prints the median and best wall time per (models, votes) shape, on synthetic votes from known strengths.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from canvasbench.arena import bradley_terry as bt


def votes(models: int, count: int, seed: int = 0) -> list[bt.Outcome]:
    """Synthetic votes: model k has rating 1000 + 40 k; 10% ties."""
    rng = random.Random(seed)
    names = [f"model-{k}" for k in range(models)]
    out: list[bt.Outcome] = []
    for _ in range(count):
        a, b = rng.sample(range(models), 2)
        p = 1 / (1 + 10 ** ((40 * b - 40 * a) / 400))
        score = 0.5 if rng.random() < 0.1 else (1.0 if rng.random() < p else 0.0)
        out.append((names[a], names[b], score))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'models':>6} {'votes':>6} {'median s':>9} {'best s':>7}")
    for models, count in ((3, 50), (6, 500), (10, 500), (10, 5000), (20, 20000)):
        data = votes(models, count)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            bt.fit(data)
            times.append(time.perf_counter() - start)
        print(f"{models:>6} {count:>6} {statistics.median(times):>9.3f} {min(times):>7.3f}")


if __name__ == "__main__":
    main()
