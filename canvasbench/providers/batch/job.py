"""What every batch engine does (submit, poll, read results, cancel) and what it hands back."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from canvasbench.providers import base
from canvasbench.providers.base import FinishReason, GenerationRequest, StreamEvent, Usage

# A job's state in our words (each provider's own name is kept beside it, in JobStatus.raw_state).
JobState = Literal["running", "ended", "failed", "cancelled", "expired"]


@dataclass(frozen=True)
class JobStatus:
    """A job as the provider reports it now."""

    state: JobState
    raw_state: str
    total: int | None = None
    done: int | None = None  # finished, successfully or not
    failed: int | None = None
    error: str | None = None  # why a whole job failed


@dataclass
class BatchItem:
    """One request's result: its text and usage, or why it has none."""

    custom_id: str
    text: str = ""
    reasoning: str = ""
    usage: Usage = field(default_factory=Usage)
    finish: FinishReason | None = None
    raw_finish: str | None = None
    error: str | None = None  # the provider's message for this request
    expired: bool = False  # the window closed before the provider ran it
    cancelled: bool = False


class BatchEngine(Protocol):
    """One provider's batch API, through its official SDK."""

    name: str

    def submit(self, requests: Sequence[tuple[str, GenerationRequest]], label: str) -> str:
        """Create one job of (custom_id, request) pairs; returns the provider's job id."""
        ...

    def status(self, job_id: str) -> JobStatus:
        """The job's state and counts now."""
        ...

    def find(self, label: str, since: float) -> str | None:
        """The id of a live job submitted with this label since then (epoch s), or None (or when it cannot tell)."""
        ...

    def results(self, job_id: str) -> Iterator[BatchItem]:
        """Every request's result of an ended job (any order)."""
        ...

    def cancel(self, job_id: str) -> None:
        """Ask the provider to cancel the job."""
        ...


def item_from_events(custom_id: str, events: Sequence[StreamEvent]) -> BatchItem:
    """A result from the normalised events a stream would have given (the adapters' own parsing)."""
    item = BatchItem(custom_id)
    text: list[str] = []
    thinking: list[str] = []
    for event in events:
        if isinstance(event, base.TextDelta):
            text.append(event.text)
        elif isinstance(event, base.ThinkingDelta):
            thinking.append(event.text)
        elif isinstance(event, base.UsageReport):
            item.usage = event.usage
        elif isinstance(event, base.Finish):
            item.finish, item.raw_finish = event.reason, event.raw_reason
    item.text, item.reasoning = "".join(text), "".join(thinking)
    return item
