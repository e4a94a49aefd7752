"""How batch runs and batch jobs are put into words: no stream timings, a turnaround, a wait that is not stuck."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from canvasbench.present import formatting

NO_STREAM = "— (batch: no stream)"  # never a guessed number: a batch result arrives whole
TIMINGS_NOTE = (
    "A batch run has no time to first token and no tokens/s: its answer arrived whole, with no stream to time. "
    "Its total is the batch's turnaround, from submitting the job to storing its result."
)

TABLE_NOTE = (
    "Runs of batch sweeps have no TTFT or tokens/s (their answers arrived whole, not streamed): those cells stay "
    "empty and the medians leave them out. Their Total is the batch's turnaround, not a generation time; the "
    "export's 'mode' column says which runs were batched."
)

# From this many requests (prompts x models x runs per model) the form suggests a batch: below it a live race is
# worth watching and the saving is cents; above it the requests hold a laptop's connections open for long.
SUGGEST_BATCH_AT = 20


def suggestion(requests: int) -> str:
    """Why the launch form suggests a batch for this many requests."""
    return (
        f"{requests} requests: consider running them as a batch, at half the price, without holding "
        f"{requests} connections open from here; results come within hours instead of streaming live."
    )


def is_batch(run: dict[str, Any]) -> bool:
    """Whether the run went through a provider's batch engine (it holds its job's id, or a list says its mode)."""
    return bool(run.get("batch_id")) or run.get("mode") == "batch"


def span(seconds: float | None) -> str:
    """A long wait in plain units: `45 s`, `12 min`, `3 h 12 min`."""
    if seconds is None:
        return formatting.MISSING
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"


def turnaround(run: dict[str, Any]) -> str:
    """A finished batch run's latency, labelled as what it is: `turnaround 3 h 12 min`."""
    latency = run.get("latency_s")
    return f"turnaround {span(latency)}" if latency is not None else formatting.MISSING


def waiting(run: dict[str, Any], now: datetime | None = None) -> str:
    """What a queued batch run is doing: `waiting in a gemini batch job (submitted 12 min ago)`."""
    provider = run.get("batch_provider") or "provider's"
    submitted = run.get("batch_submitted_at") or run.get("created_at")
    ago = _seconds_since(submitted, now)
    when = f" (submitted {span(ago)} ago)" if ago is not None else ""
    return f"waiting in a {provider} batch job{when}; results come within hours (24 at most)"


def jobs_summary(jobs: Sequence[dict[str, Any]]) -> str:
    """`2 batch jobs running (3/10 done)` for the jobs not yet ended and stored."""
    done = sum(int(j.get("done") or 0) for j in jobs)
    total = sum(int(j.get("total") or 0) for j in jobs)
    noun = "batch job" if len(jobs) == 1 else "batch jobs"
    return f"{len(jobs)} {noun} running ({done}/{total} done)"


def job_round(job: dict[str, Any]) -> str:
    """`round 1 of 2` for a follow-up job (its repair rounds), "" for a sweep's first answers."""
    return f"round {job['round']} of {job['repair']}" if job.get("round") else ""


def repairs_waiting(count: int) -> str:
    """Pages not acceptable (or not checked yet) whose repair round a coming poll sends as a follow-up batch."""
    return f"{count} page(s) not yet acceptable: their repair round goes as a follow-up batch once checked"


def _seconds_since(stamp: str | None, now: datetime | None) -> float | None:
    if not stamp:
        return None
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ((now or datetime.now(UTC)) - then).total_seconds()
