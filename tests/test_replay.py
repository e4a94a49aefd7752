"""Race replay: timelines dense enough that a replay never jumps more than 1% of a run, small, and replayed exactly.

The 10-minute stream goes through the runner's own sampling (Arrivals + add_point per chunk, the ticker's
stamps in a pause, finish_timeline at the end); the short run goes through the real Runner and fake server.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from canvasbench.measure.lines import count_lines
from canvasbench.present.replay import (
    MAX_STEP,
    lane_of,
    largest_step,
    replay_data,
    shown_chars,
    shown_lines,
    shown_text,
)
from canvasbench.run.progress import MAX_TIMELINE, TICK_S, Arrivals, add_point, finish_timeline
from canvasbench.run.prompt_suite import custom_prompt
from canvasbench.run.runner import Runner
from canvasbench.store import reads
from tests.fakes import fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars

TEN_MINUTES = 600.0


def synthetic_stream(seed: int = 7, *, minutes: float = 10.0) -> tuple[str, list[tuple[float, str]]]:
    """A long answer as (arrival time, piece) chunks: uneven speed, a 40 s pause, CRLF lines, an emoji or two."""
    rng = random.Random(seed)
    lines = []
    for i in range(2400):
        line = f"  const v{i} = ctx.measure({i}, '{'x' * rng.randint(0, 60)}');"
        lines.append(line + ("  // 🚀" if i % 500 == 7 else ""))
    text = "Here is the page.\n\n```html\n" + "\n".join(lines[:1200]) + "\r\n" + "\r\n".join(lines[1200:]) + "\n```\n"
    pieces, at = [], 0
    while at < len(text):
        size = rng.randint(2, 30)
        pieces.append(text[at : at + size])
        at += size
    duration = minutes * 60
    ttft, pause_at, pause = 4.0, len(pieces) // 3, 40.0
    speed = (duration - ttft - pause) / len(pieces)
    chunks, t = [], ttft
    for i, piece in enumerate(pieces):
        t += speed * rng.uniform(0.2, 1.8)
        if i == pause_at:
            t += pause
        chunks.append((min(t, duration), piece))
    return text, chunks


def record(chunks: list[tuple[float, str]], text: str) -> tuple[list[list[float | int]], int]:
    """The timeline the runner stores for this stream, and the most samples it held while streaming."""
    timeline: list[list[float | int]] = []
    arrivals = Arrivals()
    most, next_tick = 0, TICK_S * 6  # the ticker samples when nothing was written for 1.5 s
    for at, piece in chunks:
        while next_tick < at:  # the pause: the ticker's samples keep the flat stretch
            add_point(timeline, next_tick, arrivals.chars, arrivals.lines)
            next_tick += 1.5
        arrivals.add(1, piece)
        add_point(timeline, at, arrivals.chars, arrivals.lines)
        next_tick = at + 1.5
        most = max(most, len(timeline))
    return finish_timeline(timeline, chunks[-1][0] + 0.05, text), most


@pytest.fixture(scope="module")
def ten_minute_run() -> dict[str, Any]:
    text, chunks = synthetic_stream()
    timeline, most = record(chunks, text)
    return {"text": text, "chunks": chunks, "timeline": timeline, "most": most}


def test_ten_minute_stream_is_stored_dense_and_small(ten_minute_run: dict[str, Any]) -> None:
    text, timeline = ten_minute_run["text"], ten_minute_run["timeline"]
    total = len(text)
    steps = [b[1] - a[1] for a, b in itertools.pairwise(timeline)]
    assert max(steps) <= MAX_STEP * total, f"a replay would jump {max(steps) / total:.2%} of the run at once"
    assert timeline[-1][1] == total and timeline[-1][2] == count_lines(text)
    assert all(p[2] == count_lines(text[: int(p[1])]) for p in timeline), "the running line count is exact"
    assert [p[0] for p in timeline] == sorted(p[0] for p in timeline)
    pause = [(a, b) for a, b in itertools.pairwise(timeline) if a[1] == b[1] and b[0] - a[0] >= 39]
    assert pause, "the 40 s pause keeps both its ends, so the replay stands still through it"
    size = len(json.dumps(timeline, separators=(",", ":")))
    print(f"10-minute run: {len(text):,} chars, {len(timeline)} samples, {size:,} bytes of timeline JSON")
    assert size < 8_000
    assert ten_minute_run["most"] <= MAX_TIMELINE, "a checkpoint never writes more than MAX_TIMELINE samples"


def test_replay_shows_the_prefix_that_had_arrived_within_one_sample(ten_minute_run: dict[str, Any]) -> None:
    text, timeline, chunks = ten_minute_run["text"], ten_minute_run["timeline"], ten_minute_run["chunks"]
    run = {"model_id": "m", "response": text, "timeline": json.dumps(timeline), "ttft_s": 4.0, "latency_s": 600.0}
    lane = lane_of(run)
    assert not lane.coarse
    arrived_at = [at for at, _ in chunks]
    ends, acc = [], 0
    for _, piece in chunks:
        acc += len(piece)
        ends.append(acc)
    for t in [0.0, 3.9, 4.0, *(i * 7.3 for i in range(1, 83)), 599.9, 600.0, 700.0]:
        shown = shown_text(lane, t)
        assert text.startswith(shown)
        before = max((p for p in timeline if p[0] <= t), key=lambda p: p[0], default=[0.0, 0, 0])
        after = min((p for p in timeline if p[0] > t), key=lambda p: p[0], default=timeline[-1])
        assert before[1] <= len(shown) <= after[1], f"at {t} s the replay is off by more than one sample"
        # ...and what truly had arrived by t is within the 1% bound of what is shown.
        really = max((end for at, end in zip(arrived_at, ends, strict=True) if at <= t), default=0)
        assert abs(really - len(shown)) <= MAX_STEP * len(text)
        assert shown_lines(lane, t) == count_lines(shown)
    # Played at 10x and 60 frames a second, no frame moves by more than 1% of the text.
    frames = [shown_chars(lane.points, k * 10 / 60) for k in range((620 * 6) + 1)]
    jumps = [b - a for a, b in itertools.pairwise(frames)]
    assert min(jumps) >= 0 and max(jumps) <= MAX_STEP * len(text)


def test_old_sparse_timeline_replays_what_it_has_and_is_marked() -> None:
    response = "Here.\n```html\n" + "\n".join(f"<p>{i}</p>" for i in range(300)) + "\n```\n"
    # As runs were stored before: a sample every half second, thinned, never reaching the whole text.
    run = {"model_id": "old", "response": response, "ttft_s": 1.2, "latency_s": 30.0,
           "timeline": json.dumps([[1.5 + 3 * k, 300 * k, 20 * k] for k in range(9)])}  # fmt: skip
    lane = lane_of(run)
    assert lane.coarse and largest_step(lane.points, len(response)) > MAX_STEP
    assert shown_text(lane, 1.0) == ""
    assert shown_text(lane, 30.0) == response, "the replay ends with the whole answer"
    assert text_grows(lane)


def text_grows(lane: Any) -> bool:
    seen = [len(shown_text(lane, t / 4)) for t in range(0, 130)]
    return seen == sorted(seen)


def test_a_retry_replays_the_attempt_that_made_the_answer() -> None:
    response = "B" * 1000
    timeline = [[1.0, 0, 0], [2.0, 400, 1], [3.0, 800, 1], [9.0, 0, 0], [10.0, 500, 1], [11.0, 1000, 1]]
    lane = lane_of({"model_id": "r", "response": response, "timeline": timeline, "ttft_s": 9.5, "latency_s": 11})
    assert shown_text(lane, 3.0) == "", "the thrown-away first attempt's text is not the answer's"
    assert shown_text(lane, 10.0) == "B" * 500 and shown_text(lane, 11.0) == response


@pytest.mark.parametrize("seed", range(20))
def test_arrivals_count_lines_like_count_lines(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(["a", "b", "\n", "\r", "\r\n", " ", "é"]) for _ in range(400))
    arrivals, at = Arrivals(), 0
    while at < len(text):
        size = rng.randint(1, 5)
        arrivals.add(1, text[at : at + size])
        at += size
        assert (arrivals.chars, arrivals.lines) == (at if at < len(text) else len(text), count_lines(text[:at]))
    arrivals.add(2, "x\n")  # a retry starts over
    assert (arrivals.chars, arrivals.lines) == (2, 1)


@pytest.fixture
def make_runner(fake_env_vars: dict[str, str]) -> Iterator[Callable[..., Runner]]:
    runners: list[Runner] = []

    def make(**kwargs: Any) -> Runner:
        runner = Runner(**kwargs)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.shutdown()


def test_a_streamed_run_stores_a_timeline_a_replay_never_jumps_in(make_runner: Callable[..., Runner]) -> None:
    """Through the real runner: every chunk is sampled, so the stored steps stay within 1% of the answer."""
    runner = make_runner()
    model = "openai:fake;chunks=400;interval_ms=2"
    comparison_id = runner.submit(custom_prompt("Draw on a canvas."), [model])
    [row] = runner.wait(comparison_id, timeout=60)
    assert row["status"] == "done"
    stored = next(r for r in reads.runs_of(runner.store, comparison_id) if r["id"] == row["id"])
    timeline, text = json.loads(stored["timeline"]), stored["response"]
    steps = [b[1] - a[1] for a, b in itertools.pairwise(timeline)]
    assert timeline[-1][1] == len(text)
    assert max(steps) <= MAX_STEP * len(text), f"the replay would jump {max(steps) / len(text):.1%} at once"
    assert all(p[2] == count_lines(text[: p[1]]) for p in timeline)


def test_repair_rounds_replay_in_sequence_in_one_lane() -> None:
    def run(run_id: str, model: str, parent: str | None, text: str, end: float) -> dict[str, Any]:
        timeline = [[1.0, 0, 0], [end / 2, len(text) // 2, 1], [end, len(text), 1]]
        return {"id": run_id, "model_id": model, "parent_run_id": parent, "round": 1 if parent else 0,
                "response": text, "timeline": timeline, "ttft_s": 1.0, "latency_s": end, "artifact_kind": "html",
                "artifact": f"<p>{text}</p>", "status": "done"}  # fmt: skip

    # Two samples of model a: only the second needed a repair round, which plays in that sample's lane.
    runs = [run("a1", "a", None, "first " * 50, 10.0), run("a2", "a", None, "again " * 50, 9.0),
            run("b1", "b", None, "other " * 50, 12.0), run("a2r", "a", "a2", "fixed " * 60, 8.0)]  # fmt: skip
    data = replay_data(runs)
    assert [lane["name"] for lane in data["lanes"]] == ["a", "a", "b"]
    assert [len(lane["segments"]) for lane in data["lanes"]] == [1, 2, 1]
    first, second = data["lanes"][1]["segments"]
    assert first["text"].startswith("again") and second["text"].startswith("fixed")
    assert second["points"][0][0] == pytest.approx(9.0 + 1.0), "round 1 starts when round 0 ended"
    assert data["lanes"][1]["end"] == pytest.approx(17.0)
    assert "fixed" in data["lanes"][1]["preview"], "the lane ends on the last round's page"
    # Without parents every run is its own lane, as before.
    plain = [{k: v for k, v in r.items() if k not in ("round", "parent_run_id")} for r in runs]
    assert [len(lane["segments"]) for lane in replay_data(plain)["lanes"]] == [1, 1, 1, 1]


def test_the_replay_view_is_one_sandboxed_player_on_the_comparison_and_run_pages() -> None:
    import html

    from canvasbench.store import RunStore
    from tests.browser_helpers import seed_comparison
    from tests.test_app_pages import iframes, open_page

    comparison_id, run_ids = seed_comparison(RunStore(), title="Replayed")
    for query in ({"comparison": comparison_id}, {"run": run_ids[0]}):
        at = open_page(**query, view="replay")
        assert 'view=replay" aria-current="page"' in "".join(e.proto.body for e in at.get("html"))
        [doc] = iframes(at)
        assert doc.count("<iframe ") == 1 and 'sandbox="allow-scripts allow-pointer-lock"' in doc
        player = html.unescape(doc)
        assert "allow-same-origin" not in player and "id='replay-data'" in player
        assert player.count('"segments"') == (3 if "comparison" in query else 1)
