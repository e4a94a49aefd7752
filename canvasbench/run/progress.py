"""Progress sampling while a run streams: its timeline, how often it is checkpointed, what a checkpoint holds.

The timeline gets a sample for every piece of answer text (`Arrivals` counts it without joining the text),
merged as it goes so that no step between two samples exceeds MAX_STEP of the text: a replay of the run
never jumps further, and a 10-minute run's timeline stays a few kilobytes (README, "Replay view").

What a run's row holds while it streams: status `running`, `chars` and `lines` (and `response_lines`) of
the raw response so far, `first_chunk_s`/`ttft_s` once known, `attempts`, and `timeline` = JSON
[[seconds since the run left the queue, chars, lines], ...]. The partial answer and thinking text go to
`run_chunks` (see RunWriter), so a checkpoint costs what is new, never the whole response.
"""

from __future__ import annotations

from typing import Any

from canvasbench.measure.lines import count_lines
from canvasbench.providers.base import Progress
from canvasbench.status import Status
from canvasbench.store import utc_now

# The store is written at most this often while a run streams...
MIN_CHECKPOINT_S = 0.5
# ...and at least this often, even while nothing new arrives (a stall, a long think), so other
# processes see `updated_at` move and the timeline shows the flat stretch.
MAX_CHECKPOINT_S = 2.0
# Between the two, the interval grows with the number of streams so the total write rate stays
# near WRITES_PER_S: 16 streams cost ~11 writes a second, not 32.
WRITES_PER_S = 8.0
STRETCHED_MAX_S = 1.5  # the runner's ticker adds at most TICK_S: still inside MAX_CHECKPOINT_S
TICK_S = 0.25
# A replay moves linearly between two samples: no two consecutive samples are further apart than this share
# of the run's final text, unless one arrival was itself larger (see `add_point`).
MAX_STEP = 0.01
FLAT_S = 1.0  # a pause in the text at least this long keeps both its ends (the ticker samples every 1.5 s)
MAX_TIMELINE = 1000  # samples; beyond it the whole timeline is thinned again with the step the text allows now

Timeline = list[list[float | int]]


def checkpoint_interval(streaming: int) -> float:
    """Seconds between two checkpoints of one run while `streaming` runs stream at once."""
    return min(STRETCHED_MAX_S, max(MIN_CHECKPOINT_S, streaming / WRITES_PER_S))


class Arrivals:
    """Characters and lines of the answer so far, counted piece by piece as `count_lines` would (never joined)."""

    def __init__(self) -> None:
        self.attempt = 0
        self.chars = 0
        self._ends = 0  # line ends seen: \r\n, \r and \n each count once
        self._last = ""

    def add(self, attempt: int, piece: str) -> None:
        """Count one piece of answer text; a new attempt (a retry) starts the count afresh."""
        if attempt != self.attempt:
            self.attempt, self.chars, self._ends, self._last = attempt, 0, 0, ""
        if not piece:
            return
        if "\r" in piece or self._last == "\r":
            ends = piece.count("\n") + piece.count("\r") - piece.count("\r\n")
            if self._last == "\r" and piece[0] == "\n":
                ends -= 1  # a \r\n split across two pieces ends one line
        else:
            ends = piece.count("\n")
        self._ends += ends
        self.chars += len(piece)
        self._last = piece[-1]

    @property
    def lines(self) -> int:
        """Lines of the text so far (0 for none; a trailing line end opens no new line)."""
        if not self.chars:
            return 0
        return self._ends + (0 if self._last in "\r\n" else 1)


def _mergeable(before: list[float | int], last: list[float | int], point: list[float | int], step: float) -> bool:
    """Whether `last` can go, leaving `before` -> `point` as one step of the replay."""
    if last[1:] == point[1:] == before[1:]:
        return True  # inside a flat stretch: only its two ends matter
    if last[1] == before[1] and float(last[0]) - float(before[0]) >= FLAT_S:
        return False  # the end of a pause: when the text started again
    if last[1] == point[1] and float(point[0]) - float(last[0]) >= FLAT_S:
        return False  # the start of a pause: when the text stopped
    return before[1] <= last[1] <= point[1] and point[1] - before[1] <= step


def add_point(timeline: Timeline, elapsed: float, chars: int, lines: int) -> None:
    """Append [elapsed, chars, lines], merging it with the last sample while the step stays within MAX_STEP.

    The step allowed is a share of the text so far, which the final text can only exceed, so the bound holds
    for the finished run too; one arrival larger than the bound is kept as its own step (it came at once).
    Cheap enough for every chunk of every stream: constant time, except a rare re-thinning.
    """
    point: list[float | int] = [elapsed, chars, lines]
    if len(timeline) >= 2:
        before_chars, last_chars = timeline[-2][1], timeline[-1][1]
        # The common case first (the text growing, no pause either side): every chunk of every stream comes here.
        if before_chars < last_chars < chars and chars - before_chars <= MAX_STEP * chars:
            timeline[-1] = point
            return
        if _mergeable(timeline[-2], timeline[-1], point, MAX_STEP * chars):
            timeline[-1] = point
            return
    timeline.append(point)
    if len(timeline) > MAX_TIMELINE:
        timeline[:] = thinned(timeline, MAX_STEP * chars)


def stored(timeline: Timeline) -> Timeline:
    """The timeline as written: seconds to the millisecond (the samples keep full precision while streaming)."""
    return [[round(p[0], 3), p[1], p[2]] for p in timeline]


def thinned(timeline: Timeline, step: float) -> Timeline:
    """The timeline with every sample dropped that leaves no step above `step` chars (flat stretches' ends kept)."""
    out: Timeline = []
    for point in timeline:
        if len(out) >= 2 and _mergeable(out[-2], out[-1], point, step):
            out[-1] = point
        else:
            out.append(point)
    return out


def sample(timeline: Timeline, elapsed: float, text: str) -> None:
    """Append [elapsed, chars, lines] of `text` to the timeline (see add_point)."""
    add_point(timeline, elapsed, len(text), count_lines(text))


def finish_timeline(timeline: Timeline, elapsed: float, text: str) -> Timeline:
    """The timeline to store: the final text's exact counts last, thinned to MAX_STEP of the final text."""
    total = len(text)
    points = [p if p[1] <= total else [p[0], total, count_lines(text)] for p in timeline]
    sample(points, elapsed, text)
    return stored(thinned(points, MAX_STEP * total))


def checkpoint_fields(progress: Progress | None, timeline: Timeline) -> dict[str, Any]:
    """The columns one checkpoint writes (the text goes to run_chunks on the writer thread)."""
    fields: dict[str, Any] = {"status": Status.RUNNING, "updated_at": utc_now()}
    if progress is not None:
        lines = count_lines(progress.text)
        fields.update(
            response=progress.text,
            reasoning=progress.reasoning,
            chars=len(progress.text),
            lines=lines,
            response_lines=lines,
            first_chunk_s=progress.first_chunk_s,
            ttft_s=progress.ttft_s,
            attempts=progress.attempts,
        )
    fields["timeline"] = stored(timeline)  # JSON-encoded on the writer thread, not on the loop
    return fields
