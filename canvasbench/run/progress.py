"""Progress sampling while a run streams: its timeline, how often it is checkpointed, what a checkpoint holds.

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
MAX_TIMELINE = 1000  # samples; older ones are thinned (every other one dropped) beyond this

Timeline = list[list[float | int]]


def checkpoint_interval(streaming: int) -> float:
    """Seconds between two checkpoints of one run while `streaming` runs stream at once."""
    return min(STRETCHED_MAX_S, max(MIN_CHECKPOINT_S, streaming / WRITES_PER_S))


def sample(timeline: Timeline, elapsed: float, text: str) -> None:
    """Append [elapsed, chars, lines] to the timeline; a flat stretch keeps only its two ends."""
    point: list[float | int] = [round(elapsed, 3), len(text), count_lines(text)]
    if len(timeline) >= 2 and timeline[-1][1:] == point[1:] == timeline[-2][1:]:
        timeline[-1] = point
        return
    timeline.append(point)
    if len(timeline) > MAX_TIMELINE:
        timeline[:] = timeline[:-1:2] + timeline[-1:]


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
    fields["timeline"] = list(timeline)  # JSON-encoded on the writer thread, not on the loop
    return fields
