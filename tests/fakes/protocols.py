"""Wire formats of the three providers: SSE frames, final usage events and error bodies, as the real APIs send them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from tests.fakes.behaviour import FakeBehaviour

# Normalised finish names -> each provider's raw value; anything else is sent through unchanged.
FINISH_RAW = {
    "gemini": {"stop": "STOP", "length": "MAX_TOKENS", "safety": "SAFETY", "refusal": "PROHIBITED_CONTENT"},
    "openai": {"stop": "stop", "length": "length", "safety": "content_filter", "refusal": "content_filter"},
    "anthropic": {"stop": "end_turn", "length": "max_tokens", "safety": "refusal", "refusal": "refusal"},
}

_STATUS_NAMES = {
    400: ("INVALID_ARGUMENT", "invalid_request_error"),
    401: ("UNAUTHENTICATED", "authentication_error"),
    403: ("PERMISSION_DENIED", "permission_error"),
    404: ("NOT_FOUND", "not_found_error"),
    408: ("DEADLINE_EXCEEDED", "timeout_error"),
    429: ("RESOURCE_EXHAUSTED", "rate_limit_error"),
    500: ("INTERNAL", "api_error"),
    502: ("UNAVAILABLE", "api_error"),
    503: ("UNAVAILABLE", "api_error"),
    504: ("DEADLINE_EXCEEDED", "api_error"),
    529: ("UNAVAILABLE", "overloaded_error"),
}

_MESSAGES = {
    400: "Invalid request (fake 400).",
    401: "Invalid API key provided (fake 401).",
    403: "Permission denied (fake 403).",
    404: "The model {model} does not exist (fake 404).",
    408: "Request timed out (fake 408).",
    429: "Rate limit exceeded (fake 429).",
    500: "Internal server error (fake 500).",
    502: "Bad gateway (fake 502).",
    503: "The service is unavailable (fake 503).",
    504: "Gateway timeout (fake 504).",
    529: "Overloaded (fake 529).",
}


def finish_raw(protocol: str, finish: str) -> str:
    """The provider's raw finish reason for a normalised (or raw) name."""
    return FINISH_RAW[protocol].get(finish, finish)


def error_body(protocol: str, status: int, model: str) -> dict[str, Any]:
    """The JSON error body each provider sends with an HTTP error status."""
    google_status, anthropic_type = _STATUS_NAMES.get(status, ("UNKNOWN", "api_error"))
    message = _MESSAGES.get(status, f"HTTP {status} (fake).").format(model=model)
    if protocol == "gemini":
        return {"error": {"code": status, "message": message, "status": google_status}}
    if protocol == "anthropic":
        return {"type": "error", "error": {"type": anthropic_type, "message": message}}
    code = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}.get(status)
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def sse(data: dict[str, Any] | str, event: str | None = None, *, crlf: bool = False) -> bytes:
    """One server-sent event frame."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    end = "\r\n" if crlf else "\n"
    head = f"event: {event}{end}" if event else ""
    return f"{head}data: {payload}{end}{end}".encode()


class StreamPlan:
    """The frames of one streamed answer, produced step by step so the server can fault between them."""

    def __init__(self, protocol: str, model: str, behaviour: FakeBehaviour, body: dict[str, Any]) -> None:
        self.protocol = protocol
        self.model = model
        self.b = behaviour
        self.body = body
        self.input_tokens = behaviour.input_tokens
        if self.input_tokens is None:
            self.input_tokens = max(1, len(json.dumps(body.get("messages") or body.get("contents") or "")) // 4)
        self.include_usage = protocol != "openai" or bool((body.get("stream_options") or {}).get("include_usage"))
        self.id = f"fake-{time.time_ns()}"

    # -- pieces every protocol has: an optional opening, content chunks, a closing -------------------
    def opening(self) -> list[bytes]:
        """Frames sent before any content (Anthropic's message_start)."""
        if self.protocol == "anthropic":
            # Anthropic's input_tokens are the uncached rest: cache reads and writes are counted apart, not inside it.
            cache = self.b.cached_tokens + self.b.cache_write_tokens
            usage = {"input_tokens": max(0, (self.input_tokens or 0) - cache), "output_tokens": 1,
                     "cache_read_input_tokens": self.b.cached_tokens,
                     "cache_creation_input_tokens": self.b.cache_write_tokens}
            message = {"id": self.id, "type": "message", "role": "assistant", "model": self.model,
                       "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}
            return [sse({"type": "message_start", "message": message}, "message_start")]
        if self.protocol == "openai":
            return [sse(self._oa_chunk({"role": "assistant", "content": ""}))]
        return []

    def content(self) -> Iterator[tuple[str, bytes | list[bytes]]]:
        """(kind, frames) for each content chunk, thinking first; kind is 'thinking' or 'text'.

        Encoded one chunk at a time as the server sends it: encoding a 2,000-chunk answer up front takes
        ~10 ms, and sixteen requests arriving together would delay each other's first token by that much.
        """
        if self.protocol == "gemini" and self.b.finish == "blocked":
            return iter(())  # the prompt itself was blocked: no candidates at all
        thinking = self.b.thinking_chunks()  # split now (before any delay), encoded later
        texts = self.b.text_chunks()

        def frames() -> Iterator[tuple[str, bytes | list[bytes]]]:
            for i, piece in enumerate(thinking):
                yield "thinking", self._thinking_frames(piece, first=i == 0, last=i == len(thinking) - 1)
            for i, piece in enumerate(texts):
                yield "text", self._text_frames(piece, first=i == 0, last=i == len(texts) - 1)

        return frames()

    def closing(self) -> list[bytes]:
        """Finish reason and usage frames (what `end:K` leaves out)."""
        out_tokens = self.b.reported_output_tokens()
        think_tokens = self.b.reported_thinking_tokens()
        raw = finish_raw(self.protocol, self.b.finish)
        if self.protocol == "gemini" and self.b.finish == "blocked":
            return [sse({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                         "usageMetadata": {"promptTokenCount": self.input_tokens, "totalTokenCount": self.input_tokens},
                         "modelVersion": self.model, "responseId": self.id}, crlf=True)]
        if self.protocol == "gemini":
            usage = {"promptTokenCount": self.input_tokens, "candidatesTokenCount": out_tokens,
                     "totalTokenCount": self.input_tokens + out_tokens + think_tokens}
            if think_tokens:
                usage["thoughtsTokenCount"] = think_tokens
            if self.b.cached_tokens:
                usage["cachedContentTokenCount"] = self.b.cached_tokens
            chunk = {"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"},
                                     "finishReason": raw, "index": 0}],
                     "usageMetadata": usage, "modelVersion": self.model, "responseId": self.id}
            return [sse(chunk, crlf=True)]
        if self.protocol == "anthropic":
            frames = [sse({"type": "content_block_stop", "index": self._text_index()}, "content_block_stop")]
            usage: dict[str, Any] = {"output_tokens": out_tokens + think_tokens}
            if self.b.anthropic_details:
                usage["output_tokens_details"] = {"thinking_tokens": think_tokens}
            frames.append(sse({"type": "message_delta", "delta": {"stop_reason": raw, "stop_sequence": None},
                               "usage": usage}, "message_delta"))
            frames.append(sse({"type": "message_stop"}, "message_stop"))
            return frames
        frames = [sse(self._oa_chunk({}, finish=raw))]
        if self.include_usage:
            usage = {"prompt_tokens": self.input_tokens, "completion_tokens": out_tokens + think_tokens,
                     "total_tokens": self.input_tokens + out_tokens + think_tokens,
                     "completion_tokens_details": {"reasoning_tokens": think_tokens},
                     "prompt_tokens_details": {"cached_tokens": self.b.cached_tokens}}
            frames.append(sse({"id": self.id, "object": "chat.completion.chunk", "created": int(time.time()),
                               "model": self.model, "choices": [], "usage": usage}))
        frames.append(sse("[DONE]"))
        return frames

    def in_stream_error(self) -> bytes:
        """The frame a provider sends when it fails after the stream started."""
        echoed = f" {self.b.echoed}" if self.b.echoed else ""
        if self.protocol == "gemini":
            return sse({"error": {"code": 503, "message": f"The model is overloaded (fake in-stream error).{echoed}",
                                  "status": "UNAVAILABLE"}}, crlf=True)
        if self.protocol == "anthropic":
            return sse({"type": "error", "error": {"type": "overloaded_error",
                                                   "message": f"Overloaded (fake in-stream error).{echoed}"}}, "error")
        return sse({"error": {"message": f"The server had an error (fake in-stream error).{echoed}",
                              "type": "server_error", "param": None, "code": None}})

    def leak(self, key: str) -> bytes:
        """A malformed frame that carries the caller's API key (as a misbehaving gateway might echo it)."""
        if self.protocol == "gemini":
            return sse({"candidates": [{"content": {"parts": [{"text": {"key": key}}], "role": "model"}}],
                        "usageMetadata": {"promptTokenCount": key}}, crlf=True)
        if self.protocol == "anthropic":
            return sse({"type": "content_block_delta", "index": key, "delta": {"type": key, "text": key}},
                       "content_block_delta")
        return sse({"id": key, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": key}]})

    def ping(self) -> bytes | None:
        """A keep-alive event, where the protocol has one."""
        return sse({"type": "ping"}, "ping") if self.protocol == "anthropic" else None

    def keep_alive(self) -> bytes:
        """What a provider sends while it has nothing to say."""
        if self.protocol == "anthropic":
            return sse({"type": "ping"}, "ping")
        if self.protocol == "openai":
            return b": keep-alive\n\n"  # an SSE comment, as OpenRouter sends while a request is queued
        return self._gemini_chunk({"text": ""})  # an empty chunk, as gateways in front of Gemini send

    # -- per protocol helpers --------------------------------------------------------------------------
    def _text_index(self) -> int:
        return 1 if self.b.thinking else 0

    def _oa_chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion.chunk", "created": int(time.time()), "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def _gemini_chunk(self, part: dict[str, Any]) -> bytes:
        chunk = {"candidates": [{"content": {"parts": [part], "role": "model"}, "index": 0}],
                 "modelVersion": self.model, "responseId": self.id}
        return sse(chunk, crlf=True)

    def _thinking_frames(self, piece: str, *, first: bool, last: bool) -> list[bytes]:
        if self.protocol == "gemini":
            return [self._gemini_chunk({"text": piece, "thought": True})]
        if self.protocol == "openai":
            return [sse(self._oa_chunk({"reasoning_content": piece}))]
        frames = []
        if first:
            frames.append(sse({"type": "content_block_start", "index": 0,
                               "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
                              "content_block_start"))
        frames.append(sse({"type": "content_block_delta", "index": 0,
                           "delta": {"type": "thinking_delta", "thinking": piece}}, "content_block_delta"))
        if last:
            frames.append(sse({"type": "content_block_delta", "index": 0,
                               "delta": {"type": "signature_delta", "signature": "ZmFrZQ=="}},
                              "content_block_delta"))
            frames.append(sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
        return frames

    def _text_frames(self, piece: str, *, first: bool, last: bool) -> list[bytes]:
        if self.protocol == "gemini":
            return [self._gemini_chunk({"text": piece})]
        if self.protocol == "openai":
            return [sse(self._oa_chunk({"content": piece}))]
        frames = []
        index = self._text_index()
        if first:
            frames.append(sse({"type": "content_block_start", "index": index,
                               "content_block": {"type": "text", "text": ""}}, "content_block_start"))
        frames.append(sse({"type": "content_block_delta", "index": index,
                           "delta": {"type": "text_delta", "text": piece}}, "content_block_delta"))
        return frames


def complete_json(protocol: str, model: str, behaviour: FakeBehaviour, body: dict[str, Any]) -> dict[str, Any]:
    """A non-streamed answer (for clients that do not stream)."""
    plan = StreamPlan(protocol, model, behaviour, body)
    text = behaviour.answer_text()
    out_tokens = behaviour.reported_output_tokens()
    think_tokens = behaviour.reported_thinking_tokens()
    raw = finish_raw(protocol, behaviour.finish)
    if protocol == "openai":
        return {"id": plan.id, "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": raw}],
                "usage": {"prompt_tokens": plan.input_tokens, "completion_tokens": out_tokens + think_tokens,
                          "total_tokens": (plan.input_tokens or 0) + out_tokens + think_tokens,
                          "completion_tokens_details": {"reasoning_tokens": think_tokens}}}
    if protocol == "anthropic":
        return {"id": plan.id, "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}], "stop_reason": raw, "stop_sequence": None,
                "usage": {"input_tokens": plan.input_tokens, "output_tokens": out_tokens + think_tokens}}
    return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": raw,
                            "index": 0}],
            "usageMetadata": {"promptTokenCount": plan.input_tokens, "candidatesTokenCount": out_tokens,
                              "thoughtsTokenCount": think_tokens}, "modelVersion": model}
