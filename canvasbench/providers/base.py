"""The provider contract: what a request is, what streams back, and what a finished generation records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

ThinkingLevel = Literal["default", "off", "low", "medium", "high"]
THINKING_LEVELS: tuple[ThinkingLevel, ...] = ("default", "off", "low", "medium", "high")

FinishReason = Literal["stop", "length", "safety", "refusal", "error", "incomplete"]
GenerationStatus = Literal["done", "failed", "incomplete", "cancelled"]


@dataclass(frozen=True)
class ImagePart:
    """An image sent after the prompt text (a judge's screenshots): raw bytes and their MIME type."""

    data: bytes
    mime_type: str = "image/png"


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt to one model; `model` is the provider's own name (after `provider:`)."""

    model: str
    prompt: str
    max_output_tokens: int | None = None  # None: the catalogue's maximum for the model
    thinking: ThinkingLevel = "default"
    temperature: float | None = None
    images: tuple[ImagePart, ...] = ()  # sent in order after the prompt text, on every protocol


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider billed them; billed output = output + thinking."""

    input_tokens: int | None = None
    output_tokens: int | None = None  # visible answer only
    thinking_tokens: int | None = None
    cached_tokens: int | None = None


@dataclass(frozen=True)
class TextDelta:
    """Visible answer text."""

    text: str


@dataclass(frozen=True)
class ThinkingDelta:
    """Reasoning text: kept apart from the answer, never part of the artifact."""

    text: str


@dataclass(frozen=True)
class UsageReport:
    """The provider's usage report (may arrive more than once; the last one wins)."""

    usage: Usage


@dataclass(frozen=True)
class Finish:
    """The provider's finish reason, raw and normalised."""

    reason: FinishReason
    raw_reason: str | None


@dataclass(frozen=True)
class Heartbeat:
    """Any other stream event (a ping, an empty chunk): counts as a first chunk and resets the idle timer."""


@dataclass(frozen=True)
class RequestSent:
    """Optional marker an adapter yields right before its HTTP request: timings start here, not earlier.

    Without it, timings start when generate() first asks the adapter for an event (client set-up included).
    """


StreamEvent = TextDelta | ThinkingDelta | UsageReport | Finish | Heartbeat | RequestSent


class Provider(Protocol):
    """A provider adapter: streams one request as normalised events, raising ProviderError on failure."""

    name: str

    def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        """Send the request and yield events as they arrive."""
        ...


@dataclass
class Progress:
    """A snapshot of a generation while it streams (handed to progress callbacks)."""

    elapsed_s: float
    text: str
    reasoning: str
    first_chunk_s: float | None
    ttft_s: float | None
    attempts: int


@dataclass
class GenerationResult:
    """Everything one finished (or failed, or cut) generation records; partial text is always kept."""

    status: GenerationStatus
    text: str = ""
    reasoning: str = ""
    finish_reason: FinishReason | None = None
    raw_finish_reason: str | None = None
    error: str | None = None
    http_status: int | None = None
    attempts: int = 0
    # Seconds from the request leaving for the network to the bytes of the first event, of the first
    # answer text, and of the end arriving, all stamped by the transport (see http.Activity).
    first_chunk_s: float | None = None
    ttft_s: float | None = None
    latency_s: float | None = None
    tokens_per_s: float | None = None
    usage: Usage = field(default_factory=Usage)
