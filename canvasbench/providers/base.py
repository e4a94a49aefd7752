"""The provider contract: what a request is, what streams back, and what a finished generation records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

ThinkingLevel = Literal["default", "off", "low", "medium", "high"]
THINKING_LEVELS: tuple[ThinkingLevel, ...] = ("default", "off", "low", "medium", "high")

FinishReason = Literal["stop", "length", "safety", "refusal", "error", "incomplete"]
GenerationStatus = Literal["done", "failed", "incomplete", "cancelled"]


Role = Literal["user", "model"]

# What an earlier model turn says when its answer was empty (all thinking, or cut before any text): every
# protocol refuses an empty message, and "nothing" is itself what the model answered.
EMPTY_ANSWER = "(no answer)"


@dataclass(frozen=True)
class ImagePart:
    """An image on a user turn (a judge's or a repair's screenshots): raw bytes and their MIME type."""

    data: bytes
    mime_type: str = "image/png"


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation: the user's text and images, or the model's visible answer.

    A model turn holds the answer text only: thinking is never part of a turn, so it is never sent back
    (none of the three protocols needs it for plain multi-turn chat without tools).
    """

    role: Role
    text: str
    images: tuple[ImagePart, ...] = ()

    def __post_init__(self) -> None:
        if self.role not in ("user", "model"):
            raise ValueError(f"a turn's role is 'user' or 'model', not {self.role!r}")
        if self.role == "model" and self.images:
            raise ValueError("only user turns carry images")

    @classmethod
    def user(cls, text: str, images: tuple[ImagePart, ...] = ()) -> Turn:
        """A user turn."""
        return cls("user", text, tuple(images))

    @classmethod
    def model(cls, answer: str | GenerationResult) -> Turn:
        """A model turn: a result's visible answer (its reasoning is left out), or answer text."""
        return cls("model", answer if isinstance(answer, str) else answer.text)

    @property
    def sent_text(self) -> str:
        """The text as it goes on the wire: an empty model answer becomes EMPTY_ANSWER."""
        return self.text or (EMPTY_ANSWER if self.role == "model" else "")


@dataclass(frozen=True)
class GenerationRequest:
    """A conversation to one model: earlier turns (`history`), then the new user turn (`prompt`, `images`).

    A single prompt is the conversation with no history. `model` is the provider's own name (after
    `provider:`). Build follow-ups with `follow_up()`; every adapter sends `turns()`.
    """

    model: str
    prompt: str
    max_output_tokens: int | None = None  # None: the catalogue's maximum for the model
    thinking: ThinkingLevel = "default"
    temperature: float | None = None
    images: tuple[ImagePart, ...] = ()  # on the new user turn, sent in order after its text
    history: tuple[Turn, ...] = ()  # earlier turns, oldest first: user, model, user, model, ...

    def __post_init__(self) -> None:
        # Every protocol wants user and model turns to alternate and the last turn to be the user's.
        for index, turn in enumerate(self.history):
            expected = "user" if index % 2 == 0 else "model"
            if turn.role != expected:
                raise ValueError(
                    f"history turn {index} is a {turn.role} turn; earlier turns alternate user, model, ... "
                    "starting with the user and ending with the model's answer"
                )
        if len(self.history) % 2:
            raise ValueError("the history must end with the model's answer: the new user turn is 'prompt'")

    def turns(self) -> tuple[Turn, ...]:
        """The whole conversation, oldest first, ending with the new user turn."""
        return (*self.history, Turn.user(self.prompt, self.images))

    @property
    def round(self) -> int:
        """How many model answers came before this request (0 for a first prompt)."""
        return len(self.history) // 2

    def follow_up(
        self, answer: str | GenerationResult, text: str, images: tuple[ImagePart, ...] = ()
    ) -> GenerationRequest:
        """The next request of this conversation: this prompt, the model's answer to it, then `text`.

        Settings (model, output limit, thinking, temperature) carry over; the answer's reasoning does not.
        """
        history = (*self.turns(), Turn.model(answer))
        return replace(self, prompt=text, images=tuple(images), history=history)


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider billed them; billed output = output + thinking."""

    input_tokens: int | None = None
    output_tokens: int | None = None  # visible answer only
    thinking_tokens: int | None = None
    cached_tokens: int | None = None  # part of input_tokens: read from the provider's prompt cache
    cache_write_tokens: int | None = None  # part of input_tokens: written to it (Anthropic bills these above input)


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
