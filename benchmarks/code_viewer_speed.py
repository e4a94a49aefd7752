"""How fast is the code viewer on a 10,000-line artifact, in real Chromium, shown as the dashboard shows it
(the viewer page inside the sandbox wrapper)? Medians of --runs fresh pages.

    .venv/bin/python benchmarks/code_viewer_speed.py              # about half a minute
    .venv/bin/python benchmarks/code_viewer_speed.py --lines 20000 --runs 7

Prints:
  build      - the server side: the viewer page with its highlighting (pygments), cold (the dashboard
               caches it per version of a run's row, so only the first open pays it), on the clock and
               in CPU time (the clock grows with the machine's load, the CPU time much less);
  paint      - navigation start of the dashboard's frame to the first frame painted with code rows in it;
  search     - typing a common word and pressing Enter until the count shows and the frame is painted
               (every match counted, the first one marked and scrolled to); also a rare word;
  next       - Enter again: the next match marked and scrolled to, painted;
  go to line - line 9,000 (of 10,000) shown, painted;
  wrap       - wrap on, painted.
Run it with PYTHONPATH pointing at another checkout to measure that code (an older viewer takes no `kind`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # appended: a PYTHONPATH checkout comes first

from playwright import sync_api  # noqa: E402

from canvasbench.present.code_page import viewer_page  # noqa: E402
from canvasbench.sandbox.document import sandbox_document  # noqa: E402
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

URL = "http://viewer.bench.invalid/"

# In every frame: once the viewer's rows exist, the start of the next frame is taken as painted.
_PAINT_PROBE = """
(() => {
  const look = () => {
    const row = document.querySelector('#view .row .t');
    const mark = () => { window.__painted = performance.timeOrigin + performance.now(); };
    if (row && row.textContent) requestAnimationFrame(mark);
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""

# Runs an action in the viewer's frame and resolves after the next painted frame.
_TIMED = """async (action) => {
  const q = document.getElementById('q'), line = document.getElementById('line');
  const enter = el => el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  const t0 = performance.now();
  if (action.startsWith('search:')) { q.value = action.slice(7); q.dispatchEvent(new Event('input')); enter(q); }
  else if (action === 'next') enter(q);
  else if (action.startsWith('line:')) { line.value = action.slice(5); enter(line); }
  else if (action === 'wrap') document.getElementById('wrap').click();
  await frame(); await frame();
  return [performance.now() - t0, document.getElementById('info').textContent];
}"""


def artifact(lines: int) -> str:
    """A page shaped like a long model output: CSS, markup, then script (comments, strings, numbers)."""
    css = [f".panel-{i} {{ margin: {i % 13}px; color: #{i * 2654435761 % 0xFFFFFF:06x}; }}" for i in range(lines // 5)]
    markup = [f'  <div class="panel-{i}" data-row="{i}">Item {i} &amp; more</div>' for i in range(lines // 5)]
    script = []
    while len(css) + len(markup) + len(script) + 8 < lines:
        n = len(script)
        script += [
            f"// step {n}: update the particle and draw it",
            f"function step{n}(p) {{ const v = p.v * 0.98 + {n % 7}; p.x += v; return 'done-{n}'; }}",
        ]
    return "\n".join(
        [
            "<!doctype html>",
            "<html><head><style>",
            *css,
            "</style></head><body>",
            *markup,
            "<script>",
            *script,
            "</script></body></html>",
        ]
    )


def _page(code: str) -> str:
    try:
        inner = viewer_page(code, "html")
    except TypeError:  # the viewer before it highlighted: no kind
        inner = viewer_page(code)  # type: ignore[call-arg]
    return sandbox_document(inner, "html", height=760, title="code viewer")


def _viewer_frame(page: Any) -> Any:
    for _ in range(600):
        for frame in page.frames:
            if frame.parent_frame is not None and frame.evaluate("() => window.__painted || 0"):
                return frame
        page.wait_for_timeout(50)
    raise TimeoutError("the viewer never painted its rows")


def one_run(browser: Any, document: str) -> dict[str, float]:
    """One fresh page: its paint, then each action's time to the next painted frame (ms)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(_PAINT_PROBE)
    page = context.new_page()
    page.route(URL, lambda route: route.fulfill(status=200, content_type="text/html", body=document))
    page.goto(URL, wait_until="commit")
    frame = _viewer_frame(page)
    start = page.evaluate("() => performance.timeOrigin")
    figures = {"paint": frame.evaluate("() => window.__painted") - start}
    for name, action in (
        ("search common", "search:const"),
        ("next", "next"),
        ("search rare", "search:step4000("),
        ("go to line", "line:9000"),
        ("wrap", "wrap"),
    ):
        figures[name], _ = frame.evaluate(_TIMED, action)
    context.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    code = artifact(args.lines)
    builds, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        document = _page(code)
        builds.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    print(f"{code.count(chr(10)) + 1:,} lines, {len(code):,} characters; page {len(document):,} characters")
    print(
        f"build (server, uncached): median {statistics.median(builds):.0f} ms on the clock, "
        f"{statistics.median(cpu):.0f} ms of CPU"
    )
    runs = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        one_run(browser, document)  # warm the browser's own caches
        runs = [one_run(browser, document) for _ in range(args.runs)]
        browser.close()
    print(f"{'measure':<14} {'median ms':>10} {'min':>8} {'max':>8}")
    for name in runs[0]:
        values = [r[name] for r in runs]
        print(f"{name:<14} {statistics.median(values):>10.0f} {min(values):>8.0f} {max(values):>8.0f}")


if __name__ == "__main__":
    main()
