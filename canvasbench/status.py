"""The words stored for a run: its status (active or final) and its render check's verdict, each defined once."""

from __future__ import annotations

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
