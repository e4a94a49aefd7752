"""Frame times of the race replay in real Chromium (1440×900): 4 lanes of 2,000-line outputs played back.

    .venv/bin/python benchmarks/replay_frames.py                 # about 20 seconds
    .venv/bin/python benchmarks/replay_frames.py --lanes 4 --lines 2000 --speed 10 --seconds 10

Each lane's timeline is made by the runner's own sampler (Arrivals + add_point per chunk, finish_timeline)
from a simulated stream of a 2,000-line page, each lane at its own pace; the player runs in its sandboxed
frame exactly as the dashboard embeds it and plays at --speed, lanes finishing (and their previews
appearing) during the measurement. Prints:
  build    - the server side: the player document with its data and previews (bytes, milliseconds);
  render   - our script's work per frame (every lane's tail painted, counts, cursor), in ms;
  frame    - the interval between two animation frames as the browser delivered them (16.7 ms is 60 fps),
             with the share of frames slower than 33 ms (a visibly dropped frame);
both while every lane still streams, and over the whole playback (finished lanes' previews then run
their own pages, 2,000 drawing calls a frame each, in the same browser).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # appended: a PYTHONPATH checkout comes first

from playwright import sync_api  # noqa: E402

from canvasbench.present.replay import replay_frame  # noqa: E402
from canvasbench.run.progress import Arrivals, add_point, finish_timeline  # noqa: E402
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.fakes.behaviour import long_page  # noqa: E402


def lane_run(i: int, lines: int, seconds: float) -> dict[str, Any]:
    """One finished run: a 2,000-line page streamed in small pieces over `seconds`, sampled as the runner does."""
    rng = random.Random(i)
    code = long_page(lines)
    text = f"Here is the page.\n\n```html\n{code}\n```\n"
    timeline: list[list[float | int]] = []
    arrivals, at, t = Arrivals(), 0, 0.6 + i
    step = (seconds - t) / (len(text) / 16)
    while at < len(text):
        piece = text[at : at + rng.randint(4, 28)]
        at += len(piece)
        t += step * rng.uniform(0.3, 1.7)
        arrivals.add(1, piece)
        add_point(timeline, t, arrivals.chars, arrivals.lines)
    return {
        "model_id": f"lane-{i}",
        "response": text,
        "timeline": finish_timeline(timeline, t, text),
        "ttft_s": 0.6 + i,
        "latency_s": t,
        "output_tokens": len(text) // 4,
        "artifact_kind": "html",
        "artifact": code,
        "status": "done",
    }


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered):6.2f}  p95 {p95:6.2f}  max {ordered[-1]:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lanes", type=int, default=4)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--speed", type=int, default=10, choices=(1, 2, 5, 10))
    parser.add_argument("--seconds", type=float, default=10.0, help="wall-clock seconds of playback measured")
    args = parser.parse_args()

    runs = [lane_run(i, args.lines, 60.0 + 12 * i) for i in range(args.lanes)]
    began = time.perf_counter()
    document = replay_frame(runs)
    built_ms = (time.perf_counter() - began) * 1000
    print(f"{args.lanes} lanes × {args.lines:,} lines, played at {args.speed}×; samples per lane: "
          + ", ".join(str(len(r["timeline"])) for r in runs))  # fmt: skip
    print(f"build    {len(document) / 1e6:.2f} MB document in {built_ms:.0f} ms")

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_content(document)
        deadline = time.monotonic() + 60
        frame = None
        while frame is None and time.monotonic() < deadline:
            frame = next((f for f in page.frames if f.evaluate("typeof window.replay === 'object'")), None)
        if frame is None:
            raise SystemExit("the player did not start")
        frame.evaluate("s => { replay.seek(0); replay.setSpeed(s); replay.stats().render.length = 0;"
                       " replay.stats().interval.length = 0; replay.play(); }", args.speed)  # fmt: skip
        time.sleep(args.seconds)
        stats = frame.evaluate("replay.stats()")
        state = frame.evaluate("replay.state()")
        browser.close()

    # The first frame has no interval: intervals line up with frames 1.. of the render list.
    streaming = [i for i, shown in enumerate(stats["previews"][1:], 1) if shown == 0]
    for name, picked in (("all lanes streaming", streaming), ("whole playback", range(1, len(stats["render"])))):
        render = [stats["render"][i] for i in picked]
        interval = [stats["interval"][i - 1] for i in picked if i - 1 < len(stats["interval"])]
        if not render or not interval:
            continue
        slow = sum(1 for v in interval if v > 33.4)
        print(f"-- {name} ({len(render)} frames)")
        print(f"render   {_summary(render)} ms")
        print(f"frame    {_summary(interval)} ms; {slow / len(interval):.1%} slower than 33 ms")
    print(f"finished {sum(lane['finished'] for lane in state)} of {len(state)} lanes by the end of the measurement")


if __name__ == "__main__":
    main()
