"""OpenAI and OpenAI-compatible endpoints (OpenRouter, Ollama, vLLM, ...) through the openai SDK's chat completions."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai

from canvasbench.errors import MissingKeyError
from canvasbench.providers import base
from canvasbench.providers.builtins import builtin
from canvasbench.providers.catalogue import default_max_output_tokens
from canvasbench.providers.endpoints import Endpoint
from canvasbench.providers.failures import connection_error, env_key, http_error, retry_after_seconds, stream_error
from canvasbench.providers.http import STREAM_TIMEOUT, stream_client
from canvasbench.providers.tokens import split_output_tokens

_TABLE = builtin("openai")
KEY_ENV_VARS = _TABLE.key_env_vars
BASE_URL_ENV = _TABLE.base_url_env
_FINISH: dict[str, base.FinishReason] = {
    "stop": "stop",
    "length": "length",
    "content_filter": "safety",
    "tool_calls": "stop",
    "function_call": "stop",
}
# off -> "none": GPT-5.1+ can skip reasoning entirely (older reasoning models refuse it with a 400).
_EFFORT = {"off": "none", "low": "low", "medium": "medium", "high": "high"}


def normalise_finish(raw: str) -> base.FinishReason:
    """OpenAI finish_reason -> our finish reason."""
    return _FINISH.get(raw, "error")


class OpenAICompatibleProvider:
    """Chat completions against api.openai.com or any OpenAI-compatible endpoint."""

    def __init__(self, endpoint: Endpoint | None = None) -> None:
        self.endpoint = endpoint
        self.name = endpoint.name if endpoint else "openai"
        self.key_env_vars = endpoint.key_env_vars if endpoint else KEY_ENV_VARS
        self.needs_key = endpoint.needs_key if endpoint else True

    def _client(self) -> openai.AsyncOpenAI:
        key = env_key(self.key_env_vars)
        if not key and self.needs_key:
            raise MissingKeyError(self.name, self.key_env_vars)
        if self.endpoint is not None:
            base_url: str | None = self.endpoint.base_url
        else:
            base_url = os.environ.get(BASE_URL_ENV, "").strip() or None
        # max_retries=0: generate() owns retries. No read timeout: generate() enforces the idle timeout.
        return openai.AsyncOpenAI(
            api_key=key or "no-key-needed",
            base_url=base_url,
            max_retries=0,
            timeout=STREAM_TIMEOUT,
            http_client=stream_client(),
        )

    def _params(self, request: base.GenerationRequest) -> dict[str, Any]:
        return {**self.request_params(request), "stream": True, "stream_options": {"include_usage": True}}

    def request_params(self, request: base.GenerationRequest) -> dict[str, Any]:
        """The chat completion parameters of a request (streamed here, or one line of a batch file)."""
        params: dict[str, Any] = {"model": request.model, "messages": _messages(request)}
        if self.endpoint is None:
            max_out = request.max_output_tokens or default_max_output_tokens("openai", request.model)
            if max_out:
                params["max_completion_tokens"] = max_out
        else:
            # Compatible servers (Ollama, vLLM, LM Studio) widely understand only the older max_tokens.
            max_out = request.max_output_tokens or self.endpoint.max_output_tokens
            if max_out:
                params["max_tokens"] = max_out
        if request.thinking != "default":
            params["reasoning_effort"] = _EFFORT[request.thinking]
        if request.temperature is not None:
            params["temperature"] = request.temperature
        return params

    async def stream(self, request: base.GenerationRequest) -> AsyncIterator[base.StreamEvent]:
        """Stream one request as normalised events."""
        model = request.model
        client = self._client()
        started = False
        thinking_chars = text_chars = 0
        refused = False
        create = client.chat.completions.create
        params = self._params(request)
        yield base.RequestSent()
        try:
            stream = await create(**params)
            async for chunk in stream:
                started = True
                emitted = False
                for choice in chunk.choices[:1]:
                    delta = choice.delta
                    extra = delta.model_extra or {} if delta is not None else {}
                    reasoning = extra.get("reasoning_content") or extra.get("reasoning")
                    if isinstance(reasoning, str) and reasoning:
                        thinking_chars += len(reasoning)
                        emitted = True
                        yield base.ThinkingDelta(reasoning)
                    if delta is not None and delta.content:
                        text_chars += len(delta.content)
                        emitted = True
                        yield base.TextDelta(delta.content)
                    if delta is not None and delta.refusal:
                        refused = True
                        text_chars += len(delta.refusal)
                        emitted = True
                        yield base.TextDelta(delta.refusal)
                    if choice.finish_reason:
                        raw = str(choice.finish_reason)
                        emitted = True
                        yield base.Finish("refusal" if refused else normalise_finish(raw), raw)
                if chunk.usage is not None:
                    emitted = True
                    yield base.UsageReport(usage_of(chunk.usage, thinking_chars, text_chars))
                if not emitted:
                    yield base.Heartbeat()
        except openai.APIStatusError as exc:
            if started:
                raise self._in_stream(model, exc) from None
            raise http_error(
                self.name, model, exc.status_code, _detail(exc), key_env_vars=self.key_env_vars,
                retry_after_s=retry_after_seconds(dict(exc.response.headers)),
            ) from None
        except (openai.APIConnectionError, httpx2.TransportError) as exc:
            raise connection_error(self.name, model, exc, started=started, key_env_vars=self.key_env_vars) from None
        except openai.APIError as exc:
            raise self._in_stream(model, exc) from None
        finally:
            with contextlib.suppress(Exception):
                await client.close()

    def _in_stream(self, model: str, exc: openai.APIError) -> Exception:
        body = exc.body if isinstance(exc.body, dict) else {}
        kind = str(body.get("type") or body.get("code") or "")
        retryable = kind in ("server_error", "overloaded_error", "rate_limit_exceeded", "")
        return stream_error(
            self.name, model, f"{kind + ': ' if kind else ''}{_detail(exc)}", status=None,
            retryable=retryable, key_env_vars=self.key_env_vars,
        )


def _messages(request: base.GenerationRequest) -> list[dict[str, Any]]:
    """The conversation as chat messages: user / assistant, answer text only (reasoning is never sent back).

    OpenAI caches a repeated prefix by itself (and reports it in prompt_tokens_details.cached_tokens), so
    the earlier turns go first, unchanged, in every round.
    """
    return [
        {"role": "user" if turn.role == "user" else "assistant", "content": _content(turn)}
        for turn in request.turns()
    ]


def _content(turn: base.Turn) -> str | list[dict[str, Any]]:
    """A message's content: plain text, or text then images as data URLs (chat completions' image_url parts)."""
    if not turn.images:
        return turn.sent_text
    parts: list[dict[str, Any]] = [{"type": "text", "text": turn.sent_text}]
    for image in turn.images:
        url = f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode('ascii')}"
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts


def _detail(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return exc.message


def usage_of(usage: Any, thinking_chars: int, text_chars: int) -> base.Usage:
    """completion_tokens include reasoning: output = completion - reasoning, thinking = reasoning."""
    completion = usage.completion_tokens or 0
    details = usage.completion_tokens_details
    reasoning = details.reasoning_tokens if details is not None else None
    if reasoning is None:
        # Some compatible servers stream reasoning text but do not report its tokens: estimate the split.
        output, thinking = split_output_tokens(completion, thinking_chars, text_chars)
    else:
        output, thinking = completion - reasoning, reasoning
    prompt_details = usage.prompt_tokens_details
    cached = prompt_details.cached_tokens if prompt_details is not None else None
    return base.Usage(input_tokens=usage.prompt_tokens, output_tokens=output, thinking_tokens=thinking,
                 cached_tokens=cached or 0)

