"""A run's status: the values of `runs.status`, and which of them are still active or final."""

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

