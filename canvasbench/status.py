"""The words for a run, each defined once: its stored status, the state it is shown as, its render verdict."""

from __future__ import annotations

import re
from enum import StrEnum


class Status(StrEnum):
    """Where a run is: waiting, streaming, or one of the ways it ended (each equals its stored text)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INCOMPLETE = "incomplete"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


# Tuples, not sets: SQL `IN (?, ?)` takes them as parameters in a fixed order.
ACTIVE_STATUSES: tuple[Status, ...] = (Status.QUEUED, Status.RUNNING)
FINAL_STATUSES: tuple[Status, ...] = tuple(s for s in Status if s not in ACTIVE_STATUSES)
RUN_STATUSES: tuple[Status, ...] = tuple(Status)


class State(StrEnum):
    """What a run is shown as, the one word used by every page, filter, CLI line and export."""

    QUEUED = "queued"
    RUNNING = "running"
    STALLED = "stalled"  # streaming but quiet (live), or given up after its idle timeout
    DONE = "done"
    OUTPUT_LIMIT = "output limit"
    CODE_CUT_OFF = "code cut off"
    INCOMPLETE = "incomplete"
    CUT = "cut"  # the connection was lost mid-stream
    PROVIDER_ERROR = "provider error"  # the provider answered with an error (an HTTP status or an in-stream error)
    BLOCKED = "blocked"  # stopped for safety
    REFUSED = "refused"
    FAILED = "failed"  # any other failure (unreachable, a missing key, a full disk, ...)
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


STATES: tuple[State, ...] = tuple(State)

# How our provider layer words each failure (providers/failures.py, providers/generate.py): the state is read
# from the stored error, so the words are matched here, once, for the pages, the CLI and SQL alike.
CUT_MARK = "connection lost mid-stream"
IN_STREAM_MARK = "in-stream provider error"
ENDED_MARK = "the provider ended the answer with reason"
STALL_MARK = re.compile(r"stalled: no (?:data|response) for ([0-9.]+) s")
HTTP_MARK = re.compile(r"^[\w.-]+:\S+? \(HTTP (\d{3})\): ")  # ProviderError's `provider:model (HTTP 500): ` prefix


_STOPPED = {"safety": State.BLOCKED, "refusal": State.REFUSED}


def run_state(
    status: str | None,
    finish_reason: str | None = None,
    error: str | None = None,
    truncated: bool | int | None = False,
    *,
    stalled: bool = False,
) -> State:
    """The state word of a run from its stored columns (`stalled`: a streaming run has gone quiet)."""
    err = error or ""
    if status == Status.QUEUED:
        return State.QUEUED
    if status == Status.RUNNING:
        return State.STALLED if stalled else State.RUNNING
    if status == Status.CANCELLED:
        return State.CANCELLED
    if status == Status.INTERRUPTED:
        return State.INTERRUPTED
    if status == Status.INCOMPLETE:
        return State.INCOMPLETE
    stopped = _STOPPED.get(finish_reason or "")
    if status == Status.DONE:
        if stopped is not None:
            return stopped
        if finish_reason == "length":
            return State.OUTPUT_LIMIT
        return State.CODE_CUT_OFF if truncated else State.DONE
    if status == Status.FAILED:
        if CUT_MARK in err:
            return State.CUT
        if STALL_MARK.search(err):
            return State.STALLED
        if IN_STREAM_MARK in err:
            return State.PROVIDER_ERROR
        if stopped is not None:
            return stopped
        if ENDED_MARK in err or HTTP_MARK.search(err):
            return State.PROVIDER_ERROR
    return State.FAILED


class Verdict(StrEnum):
    """What a render check concluded (each equals its stored text in `render_checks.verdict`)."""

    RENDERS = "renders"
    RENDERS_WITH_ERRORS = "renders with errors"
    BLANK = "blank"
    CRASHED = "crashed"
    NOT_CHECKED = "not checked"


VERDICTS: tuple[Verdict, ...] = tuple(Verdict)
# The page ran and showed something (with or without errors): what the leaderboard counts as rendering.
RENDERED: tuple[Verdict, ...] = (Verdict.RENDERS, Verdict.RENDERS_WITH_ERRORS)
