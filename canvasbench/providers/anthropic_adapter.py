"""Anthropic through the anthropic SDK: raw streamed events, thinking kept apart, usage split honestly."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2

from canvasbench.errors import MissingKeyError
from canvasbench.providers import base
from canvasbench.providers.builtins import builtin
from canvasbench.providers.catalogue import default_max_output_tokens
from canvasbench.providers.failures import connection_error, env_key, http_error, retry_after_seconds, stream_error
from canvasbench.providers.http import STREAM_TIMEOUT, stream_client
from canvasbench.providers.tokens import split_output_tokens

_TABLE = builtin("anthropic")
KEY_ENV_VARS = _TABLE.key_env_vars
BASE_URL_ENV = _TABLE.base_url_env
_FINISH: dict[str, base.FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "refusal",
    "pause_turn": "incomplete",
}
_BUDGETS = {"low": 4096, "medium": 16384, "high": 32768}
_RETRYABLE_TYPES = {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}


def normalise_finish(raw: str) -> base.FinishReason:
    """Anthropic stop_reason -> our finish reason."""
    return _FINISH.get(raw, "error")


def thinking_param(thinking: str, max_tokens: int) -> dict[str, Any] | None:
    """The `thinking` request field: disabled for off, a budget for low/medium/high, absent for default.

    The budget is capped at half of max_tokens (at least 1,024, the API's minimum) so an answer still fits.
    """
    if thinking == "default":
        return None
    if thinking == "off":
        return {"type": "disabled"}
    budget = max(1024, min(_BUDGETS[thinking], max_tokens // 2))
    return {"type": "enabled", "budget_tokens": budget}


class AnthropicProvider:
    """Adapter for the Anthropic Messages API."""

    name = "anthropic"

    def _client(self) -> anthropic.AsyncAnthropic:
        key = env_key(KEY_ENV_VARS)
        if not key:
            raise MissingKeyError(self.name, KEY_ENV_VARS)
        base_url = os.environ.get(BASE_URL_ENV, "").strip() or None
        # max_retries=0: generate() owns retries. No read timeout: generate() enforces the idle timeout.
        return anthropic.AsyncAnthropic(
            api_key=key,
            base_url=base_url,
            max_retries=0,
            timeout=STREAM_TIMEOUT,
            http_client=stream_client(),
        )

    async def stream(self, request: base.GenerationRequest) -> AsyncIterator[base.StreamEvent]:
        """Stream one request as normalised events."""
        model = request.model
        client = self._client()
        params = {**request_params(request), "stream": True}
        if request.temperature is not None:
            # anthropic 2.x dropped `temperature` from create(); pass it through for servers that still take it.
            params["extra_body"] = {"temperature": params.pop("temperature")}
        started = False
        state = _UsageState()
        create = client.messages.create
        yield base.RequestSent()
        try:
            stream = await create(**params)
            async for event in stream:
                started = True
                for out in state.handle(event):
                    yield out
        except anthropic.APIStatusError as exc:
            raise self._status_error(model, exc, started) from None
        except (anthropic.APIConnectionError, httpx2.TransportError) as exc:
            raise connection_error(self.name, model, exc, started=started, key_env_vars=KEY_ENV_VARS) from None
        finally:
            with contextlib.suppress(Exception):
                await client.close()

    def _status_error(self, model: str, exc: anthropic.APIStatusError, started: bool) -> Exception:
        body: dict[str, Any] = exc.body if isinstance(exc.body, dict) else {}
        nested = body.get("error")
        error: dict[str, Any] = nested if isinstance(nested, dict) else body
        kind = str(error.get("type") or "")
        detail = str(error.get("message") or exc.message)
        # An `event: error` inside an open stream arrives as an APIStatusError with the stream's status 200.
        if started or exc.status_code == 200:
            return stream_error(
                self.name, model, f"{kind + ': ' if kind else ''}{detail}", status=None,
                retryable=kind in _RETRYABLE_TYPES, key_env_vars=KEY_ENV_VARS,
            )
        return http_error(
            self.name, model, exc.status_code, detail, key_env_vars=KEY_ENV_VARS,
            retry_after_s=retry_after_seconds(dict(exc.response.headers)),
        )


def request_params(request: base.GenerationRequest) -> dict[str, Any]:
    """The Messages API parameters of a request (streamed here, or one line of a Message Batch)."""
    max_tokens = request.max_output_tokens or default_max_output_tokens("anthropic", request.model) or 32_000
    params: dict[str, Any] = {"model": request.model, "max_tokens": max_tokens, "messages": _messages(request)}
    thinking = thinking_param(request.thinking, max_tokens)
    if thinking is not None:
        params["thinking"] = thinking
    if request.temperature is not None:
        params["temperature"] = request.temperature
    return params


# Anthropic caches only what a request marks: a breakpoint on the last block of the earlier turns caches
# the whole prefix (this round writes it, the next round reads it and finds older breakpoints itself).
CACHE_MARK = {"type": "ephemeral"}


def _messages(request: base.GenerationRequest) -> list[dict[str, Any]]:
    """The conversation as Messages API messages (user / assistant), the earlier turns marked for caching.

    Assistant turns carry their answer text only: earlier thinking blocks are not sent back (the API needs
    them only around tool use, and strips them from earlier turns anyway).
    """
    turns = request.turns()
    last_earlier = len(turns) - 2  # -1 for a single prompt: nothing is repeated, nothing to cache
    return [
        {"role": "user" if turn.role == "user" else "assistant", "content": _content(turn, cache=i == last_earlier)}
        for i, turn in enumerate(turns)
    ]


def _content(turn: base.Turn, *, cache: bool = False) -> str | list[dict[str, Any]]:
    """A message's content: plain text, or a text block then base64 image blocks (the last one marked)."""
    if not turn.images and not cache:
        return turn.sent_text
    blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.sent_text}]
    for image in turn.images:
        data = base64.b64encode(image.data).decode("ascii")
        blocks.append({"type": "image", "source": {"type": "base64", "media_type": image.mime_type, "data": data}})
    if cache:
        blocks[-1]["cache_control"] = dict(CACHE_MARK)
    return blocks


class _UsageState:
    """Follows the raw events of one message and turns them into normalised events."""

    def __init__(self) -> None:
        self.input_tokens: int | None = None
        self.cached_tokens = 0
        self.cache_write_tokens = 0
        self.thinking_chars = 0
        self.text_chars = 0

    def handle(self, event: Any) -> list[base.StreamEvent]:
        kind = getattr(event, "type", "")
        if kind == "message_start":
            usage = event.message.usage
            self._input(usage)
            return [base.Heartbeat()]
        if kind == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta" and delta.text:
                self.text_chars += len(delta.text)
                return [base.TextDelta(delta.text)]
            if delta.type == "thinking_delta" and delta.thinking:
                self.thinking_chars += len(delta.thinking)
                return [base.ThinkingDelta(delta.thinking)]
            return [base.Heartbeat()]
        if kind == "message_delta":
            out: list[base.StreamEvent] = []
            self._input(event.usage)
            total = event.usage.output_tokens or 0
            details = getattr(event.usage, "output_tokens_details", None)
            if details is not None and details.thinking_tokens is not None:
                thinking = details.thinking_tokens
                output = total - thinking
            else:
                # No breakdown reported: split the inclusive total by the share of thinking characters.
                output, thinking = split_output_tokens(total, self.thinking_chars, self.text_chars)
            usage = base.Usage(self.input_tokens, output, thinking, self.cached_tokens, self.cache_write_tokens)
            out.append(base.UsageReport(usage))
            if event.delta.stop_reason:
                raw = str(event.delta.stop_reason)
                out.append(base.Finish(normalise_finish(raw), raw))
            return out
        return [base.Heartbeat()]

    def _input(self, usage: Any) -> None:
        """Input = uncached + cache reads + cache writes (all are prompt tokens), each kept for its own price."""
        if usage is None or getattr(usage, "input_tokens", None) is None:
            return
        read = getattr(usage, "cache_read_input_tokens", None) or 0
        written = getattr(usage, "cache_creation_input_tokens", None) or 0
        self.input_tokens = usage.input_tokens + read + written
        self.cached_tokens = read
        self.cache_write_tokens = written

