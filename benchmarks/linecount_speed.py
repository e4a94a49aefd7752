"""How long measuring a 10,000-line response takes (extraction + line metrics), per response shape.

Run: .venv/bin/python benchmarks/linecount_speed.py [--repeat N]
Prints best and median wall time per shape, next to stock pygments' time for the same artifact,
so the fast-path lexers in canvasbench/measure/code_lines.py can be judged on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pygments.lexers import HtmlLexer

from canvasbench.measure.analysis import analyse_response
from tests.responses import threejs_page

LINES = 10_000

WIN98_RULE = """.window-{i} .title-bar {{
  display: flex;
  align-items: center;
  justify-content: space-between;
  padding: 3px 2px 3px 3px;
  background: linear-gradient(90deg, #000080, #1084d0);
  color: white; /* active title */
  font-weight: bold;
  box-shadow: inset -1px -1px #0a0a0a, inset 1px 1px #dfdfdf;
}}
"""


def fenced(page: str) -> str:
    return f"Here is the complete program.\n\n```html\n{page}\n```\n\nEnjoy!"


def shapes() -> dict[str, str]:
    """10,000-line responses of the kinds models actually write."""
    three, _ = threejs_page(LINES)
    css = (
        "<!DOCTYPE html>\n<html><head><style>\n"
        + "".join(WIN98_RULE.format(i=i) for i in range(LINES // 10))
        + "</style></head><body></body></html>"
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600">\n'
        + "".join(
            f'  <rect x="{i % 800}" y="{i % 600}" width="10" height="20" fill="#333" stroke="#000"/>\n'
            for i in range(LINES)
        )
        + "</svg>"
    )
    dots = "<!DOCTYPE html>\n<html><body>\n" + ".\n" * (LINES // 2) + "\n" * (LINES // 2) + "</body></html>"
    return {
        "three.js page (JS-heavy)": fenced(three),
        "win98 desktop (CSS-heavy)": fenced(css),
        "svg blueprint (markup-heavy)": f"```svg\n{svg}\n```",
        "degenerate: dots + blank lines": fenced(dots),
    }


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'response (~10,000 lines)':32} {'chars':>9} {'code lines':>10} "
        f"{'best s':>8} {'median s':>9} {'stock pygments s':>17}"
    )
    for name, raw in shapes().items():
        result = analyse_response(raw)
        ours = timed(lambda raw=raw: analyse_response(raw), args.repeat)  # type: ignore[misc]
        code = result.code
        stock = timed(lambda code=code: list(HtmlLexer().get_tokens_unprocessed(code)), max(1, args.repeat // 2))  # type: ignore[misc]
        print(
            f"{name:32} {len(raw):>9,} {result.code_lines:>10,} {min(ours):>8.3f} "
            f"{statistics.median(ours):>9.3f} {statistics.median(stock):>17.3f}"
        )


if __name__ == "__main__":
    main()
