"""What happened to a run, said once: status, finish reason, error, truncation and stall to a badge and a message.

The dashboard and the CLI both show runs through `describe()`, so a cancelled run never reads as "hit its
output limit" in one place and "cancelled" in another. Errors come from our own provider layer
(`providers/failures.py`, `providers/generate.py`), whose wording tells a cut connection, an in-stream
provider error and a stall apart.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from canvasbench.status import Status

Tone = Literal["green", "blue", "orange", "red", "gray", "violet"]

# A running stream with no new data for this long reads as stalled (generate() gives up after its idle timeout).
STALL_AFTER_S = 20.0

_CUT = "connection lost mid-stream"
_IN_STREAM = "in-stream provider error"
_STALLED = re.compile(r"stalled: no (?:data|response) for ([0-9.]+) s")
_CAUSE = re.compile(r"mid-stream \((.+)\)")  # the transport's own words, e.g. "RemoteProtocolError: peer closed"
_MODEL_PREFIX = re.compile(r"^[\w.-]+:[^\s:]+: ")


@dataclass(frozen=True)
class RunState:
    """One run's state for people: a short badge label, its colour and icon, and one sentence (or none)."""

    key: str  # queued running stalled done cancelled interrupted cut provider_error failed refused safety
    # output_limit incomplete unfinished_code
    label: str
    tone: Tone
    icon: str  # a Material Symbols name
    message: str | None = None
    detail: str | None = None  # the raw error, for a details view; never repeats `message`
    active: bool = False  # still queued or streaming (a `stalled` state is active only while its run streams)

    @property
    def ok(self) -> bool:
        """Whether the run finished as asked (its numbers and artifact can be trusted as complete)."""
        return self.key == "done"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.0f} min"


def _error_text(error: str | None) -> str:
    """The error without our `provider:model: ` prefix and trailing 'text kept' clause (the message says that)."""
    text = " ".join((error or "").split())
    text = _MODEL_PREFIX.sub("", text)
    for tail in ("; the text received so far is kept.", "; the text received so far is kept"):
        if text.endswith(tail):
            text = text[: -len(tail)] + "."
    return text


def _provider_detail(error: str) -> str:
    """What the provider said inside an in-stream error."""
    text = _error_text(error)
    if _IN_STREAM in text:
        text = text.split(_IN_STREAM, 1)[1].lstrip(": ").strip()
    return text.rstrip(".") or "unknown error"


def describe(
    status: str | None,
    finish_reason: str | None = None,
    error: str | None = None,
    truncated: bool | int | None = False,
    stalled_s: float | None = None,
    raw_finish_reason: str | None = None,
) -> RunState:
    """The one state of a run, from its stored columns (and, while it streams, seconds without new data)."""
    status = status or "unknown"
    err = _error_text(error)
    raw = f" ({raw_finish_reason})" if raw_finish_reason and raw_finish_reason.lower() != finish_reason else ""
    if status == Status.QUEUED:
        return RunState("queued", "queued", "gray", "schedule", active=True)
    if status == Status.RUNNING:
        if stalled_s is not None and stalled_s >= STALL_AFTER_S:
            return RunState(
                "stalled",
                "stalled",
                "orange",
                "hourglass_empty",
                f"No data for {_seconds(stalled_s)}: the provider has gone quiet; waiting, the text so far is kept.",
                active=True,
            )
        return RunState("running", "running", "blue", "progress_activity", active=True)
    if status == Status.CANCELLED:
        return RunState(
            "cancelled", "cancelled", "gray", "stop_circle", "Cancelled by you; the output until then is kept."
        )
    if status == Status.INTERRUPTED:
        return RunState(
            "interrupted",
            "interrupted",
            "orange",
            "warning",
            "The process running it stopped before it finished; the output until then is kept.",
        )
    if status == Status.FAILED:
        if _CUT in err:
            cause = _CAUSE.search(err)
            return RunState(
                "cut",
                "cut",
                "red",
                "link_off",
                "The connection was cut mid-stream; the output until then is kept.",
                cause.group(1) if cause else None,
            )
        stall = _STALLED.search(err)
        if stall:
            waited = _seconds(float(stall.group(1)))
            return RunState(
                "stalled",
                "stalled",
                "red",
                "hourglass_empty",
                f"No data for {waited}: gave up waiting; the output until then is kept.",
            )
        if _IN_STREAM in err:
            return RunState(
                "provider_error",
                "provider error",
                "red",
                "error",
                f"The provider reported an error mid-stream: {_provider_detail(err)}. The output until then is kept.",
            )
        if finish_reason == "safety":
            return _safety(raw)
        if finish_reason == "refusal":
            return _refused(raw)
        if err.startswith("the provider ended the answer with reason"):
            return RunState(
                "provider_error",
                "provider error",
                "red",
                "error",
                f"The provider ended the answer with an error{raw or ''}; the output until then is kept.",
            )
        message = (err[:1].upper() + err[1:]) if err else "Failed without an error message."
        return RunState("failed", "failed", "red", "error", message)
    if status == Status.INCOMPLETE:
        if err:
            return RunState("incomplete", "incomplete", "orange", "warning", err[:1].upper() + err[1:])
        return RunState(
            "incomplete",
            "incomplete",
            "orange",
            "warning",
            "The stream ended early without a finish reason; the output until then is kept.",
        )
    if status == Status.DONE:
        if finish_reason == "safety":
            return _safety(raw)
        if finish_reason == "refusal":
            return _refused(raw)
        if finish_reason == "length":
            return RunState(
                "output_limit",
                "output limit",
                "orange",
                "content_cut",
                "The model hit its output limit: the answer, and its code, are cut off.",
            )
        if truncated:
            return RunState(
                "unfinished_code",
                "code cut off",
                "orange",
                "content_cut",
                "The model said it was done, but its code ends unfinished (a block or page is never closed).",
            )
        return RunState("done", "done", "green", "check_circle")
    return RunState(status, status, "gray", "help", err or None)


def _safety(raw: str) -> RunState:
    return RunState(
        "safety", "blocked", "red", "block", f"The provider stopped the answer for safety{raw}; what arrived is kept."
    )


def _refused(raw: str) -> RunState:
    return RunState("refused", "refused", "red", "block", f"The model refused to answer{raw}.")


def describe_run(run: dict[str, Any], *, stalled_s: float | None = None) -> RunState:
    """describe() over a stored run row."""
    return describe(
        run.get("status"),
        run.get("finish_reason"),
        run.get("error"),
        run.get("truncated"),
        stalled_s,
        run.get("raw_finish_reason"),
    )


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def last_text_change(started_at: str | None, timeline: str | list[Any] | None) -> float | None:
    """Epoch seconds when a streaming run's text last grew, from its timeline samples [[s, chars, lines], ...]."""
    start = _epoch(started_at)
    if start is None:
        return None
    samples = timeline
    if isinstance(samples, str):
        try:
            samples = json.loads(samples)
        except ValueError:
            samples = None
    if not isinstance(samples, list) or not samples:
        return start
    last_chars = samples[-1][1]
    first_at = samples[-1][0]
    for sample in reversed(samples):
        if sample[1] != last_chars:
            break
        first_at = sample[0]
    return start + float(first_at)


class StallWatch:
    """Seconds since each streaming run last received data (answer or reasoning), across polls; thread-safe.

    The timeline gives when the answer text last grew; the watch also notices reasoning growing, which
    the timeline does not record, so a model that thinks for a minute is not called stalled.
    """

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}
        self._lock = threading.Lock()

    def stalled_s(self, run: dict[str, Any]) -> float | None:
        """Seconds without new data for a running run (None when it is not running)."""
        if run.get("status") != Status.RUNNING:
            with self._lock:
                self._seen.pop(str(run.get("id")), None)
            return None
        now = self._clock()
        signal = (int(run.get("chars_so_far") or run.get("chars") or 0), int(run.get("reasoning_chars") or 0))
        if signal == (0, 0):
            return None  # waiting for the first token is not a stall: thinking models may be silent for minutes
        # Without samples the start time says nothing about when the last data came: count from now.
        from_timeline = last_text_change(run.get("started_at"), run["timeline"]) if run.get("timeline") else None
        with self._lock:
            previous = self._seen.get(str(run["id"]))
            if previous is None:
                # First look: trust the timeline only when there is no reasoning it cannot see.
                since = from_timeline if from_timeline is not None and signal[1] == 0 else now
            elif previous[0] != signal:
                since = now
            else:
                since = previous[1]
            self._seen[str(run["id"])] = (signal, since)
        return max(now - since, 0.0)
