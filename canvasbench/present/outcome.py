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

from canvasbench.status import CUT_MARK, HTTP_MARK, IN_STREAM_MARK, STALL_MARK, State, Status, run_state

Tone = Literal["green", "blue", "orange", "red", "gray", "violet"]

# A running stream with no new data for this long reads as stalled (generate() gives up after its idle timeout).
STALL_AFTER_S = 20.0

# The transport's own words (e.g. "RemoteProtocolError: peer closed") and the URL the stream came from.
_CAUSE = re.compile(r"mid-stream \((.+)\)(?: at (\S+?))?\.?$")
# Our `provider:model: ` (or `provider:model (HTTP 500): `) prefix; a model id may hold colons (`qwen3:8b`).
_MODEL_PREFIX = re.compile(r"^[\w.-]+:\S+?(?: \(HTTP \d{3}\))?: ")
_SAID = re.compile(r"The provider said: (.+)$")
_GAVE_UP = re.compile(r"\s*\(gave up after \d+ attempts?\)")
HEADLINE_CHARS = 90  # a tile's line, a lane's badge: the start of what the provider said

# Per state: the key pages and tests test against, the badge colour and its Material Symbols icon.
_LOOK: dict[State, tuple[str, Tone, str]] = {
    State.QUEUED: ("queued", "gray", "schedule"),
    State.RUNNING: ("running", "blue", "progress_activity"),
    State.STALLED: ("stalled", "orange", "hourglass_empty"),
    State.DONE: ("done", "green", "check_circle"),
    State.OUTPUT_LIMIT: ("output_limit", "orange", "content_cut"),
    State.CODE_CUT_OFF: ("unfinished_code", "orange", "content_cut"),
    State.INCOMPLETE: ("incomplete", "orange", "warning"),
    State.CUT: ("cut", "red", "link_off"),
    State.PROVIDER_ERROR: ("provider_error", "red", "error"),
    State.BLOCKED: ("safety", "red", "block"),
    State.REFUSED: ("refused", "red", "block"),
    State.FAILED: ("failed", "red", "error"),
    State.CANCELLED: ("cancelled", "gray", "stop_circle"),
    State.INTERRUPTED: ("interrupted", "orange", "warning"),
}


@dataclass(frozen=True)
class RunState:
    """One run's state for people: its one word (`label`), colour and icon, one sentence, and a short headline."""

    key: str  # queued running stalled done cancelled interrupted cut provider_error failed refused safety
    # output_limit incomplete unfinished_code
    label: State
    tone: Tone
    icon: str  # a Material Symbols name
    message: str | None = None
    detail: str | None = None  # the raw error, for a details view; never repeats `message`
    active: bool = False  # still queued or streaming (a `stalled` state is active only while its run streams)
    headline: str | None = None  # what happened in a few words, for a tile or a one-line list (provider errors)

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
    if IN_STREAM_MARK in text:
        text = text.split(IN_STREAM_MARK, 1)[1].lstrip(": ").strip()
    return text.rstrip(".") or "unknown error"


def _clip(text: str) -> str:
    return text if len(text) <= HEADLINE_CHARS else text[: HEADLINE_CHARS - 1].rstrip() + "…"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _state(state: State, message: str | None = None, **extra: Any) -> RunState:
    key, tone, icon = _LOOK[state]
    return RunState(key, state, tone, icon, message, **extra)


def describe(
    status: str | None,
    finish_reason: str | None = None,
    error: str | None = None,
    truncated: bool | int | None = False,
    stalled_s: float | None = None,
    raw_finish_reason: str | None = None,
) -> RunState:
    """The one state of a run, from its stored columns (and, while it streams, seconds without new data)."""
    quiet = stalled_s is not None and stalled_s >= STALL_AFTER_S
    state = run_state(status, finish_reason, error, truncated, stalled=quiet)
    err = _error_text(error)
    raw = f" ({raw_finish_reason})" if raw_finish_reason and raw_finish_reason.lower() != finish_reason else ""
    if state in (State.QUEUED, State.RUNNING):
        return _state(state, active=True)
    if state == State.STALLED and status == Status.RUNNING:
        waited = _seconds(stalled_s or 0.0)
        message = f"No data for {waited}: the provider has gone quiet; waiting, the text so far is kept."
        return _state(state, message, active=True)
    if state == State.STALLED:
        stall = STALL_MARK.search(err)
        waited = _seconds(float(stall.group(1))) if stall else "too long"
        return RunState(
            "stalled",
            state,
            "red",
            "hourglass_empty",
            f"No data for {waited}: gave up waiting; the output until then is kept.",
        )
    if state == State.CANCELLED:
        return _state(state, "Cancelled by you; the output until then is kept.")
    if state == State.INTERRUPTED:
        return _state(state, "The process running it stopped before it finished; the output until then is kept.")
    if state == State.CUT:
        cause = _CAUSE.search(err) if CUT_MARK in err else None
        detail = (cause.group(1) + (f" at {cause.group(2)}" if cause.group(2) else "")) if cause else None
        return _state(state, "The connection was cut mid-stream; the output until then is kept.", detail=detail)
    if state == State.PROVIDER_ERROR:
        return _provider_error(error or "", err, raw)
    if state == State.BLOCKED:
        return _state(state, f"The provider stopped the answer for safety{raw}; what arrived is kept.")
    if state == State.REFUSED:
        return _state(state, f"The model refused to answer{raw}.")
    if state == State.INCOMPLETE:
        return _state(
            state,
            _sentence(err) if err else "The stream ended early without a finish reason; the output until then is kept.",
        )
    if state == State.OUTPUT_LIMIT:
        return _state(state, "The model hit its output limit: the answer, and its code, are cut off.")
    if state == State.CODE_CUT_OFF:
        return _state(
            state, "The model said it was done, but its code ends unfinished (a block or page is never closed)."
        )
    if state == State.DONE:
        return _state(state)
    if status not in (Status.FAILED, None):  # a status this version does not know: say what is stored
        return _state(state, f"Stored as '{status}', which this version of CanvasBench does not know. {_sentence(err)}")
    return _state(state, _sentence(err) if err else "Failed without an error message.")


def _provider_error(error: str, err: str, raw: str) -> RunState:
    """The provider answered with an error: its HTTP status and its own words lead, in the message and headline."""
    http = HTTP_MARK.search(" ".join(error.split()))
    code = f"HTTP {http.group(1)}" if http else ""
    if IN_STREAM_MARK in err:
        said_text = _provider_detail(err)
        where = f" ({code})" if code else ""
        return _state(
            State.PROVIDER_ERROR,
            f"The provider reported an error mid-stream{where}: {said_text}. The output until then is kept.",
            headline=_clip(f"{code}: {said_text}" if code else said_text),
        )
    if code:
        said = _SAID.search(err)
        words = _GAVE_UP.sub("", said.group(1) if said else err).rstrip(".")
        return _state(State.PROVIDER_ERROR, f"The provider answered {code}: {err}", headline=_clip(f"{code}: {words}"))
    return _state(
        State.PROVIDER_ERROR, f"The provider ended the answer with an error{raw}; the output until then is kept."
    )


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


def left_no_page(run: dict[str, Any]) -> bool:
    """A finished run without an HTML or SVG page: nothing a render check could open, so no verdict to show."""
    if run.get("status") in (Status.QUEUED, Status.RUNNING):
        return False
    if "artifact" in run:
        return not (run["artifact"] or "").strip()
    return run.get("artifact_kind") not in ("html", "svg")  # list rows carry the kind, not the text


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
