"""Gemini through google-genai: streamed, thoughts kept apart, usage as Google bills it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from canvasbench.errors import MissingKeyError
from canvasbench.providers import base
from canvasbench.providers.builtins import builtin
from canvasbench.providers.catalogue import default_max_output_tokens
from canvasbench.providers.failures import connection_error, env_key, http_error, retry_after_seconds, stream_error
from canvasbench.providers.http import shared_ssl_context, stream_client

_TABLE = builtin("gemini")
KEY_ENV_VARS = _TABLE.key_env_vars
BASE_URL_ENV = _TABLE.base_url_env

_FINISH: dict[str, base.FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "safety",
    "RECITATION": "safety",
    "BLOCKLIST": "safety",
    "PROHIBITED_CONTENT": "safety",
    "SPII": "safety",
    "IMAGE_SAFETY": "safety",
    "IMAGE_PROHIBITED_CONTENT": "safety",
}
# Gemini 2.5 thinking budgets (tokens); Pro cannot switch thinking off, 128 is its minimum.
_BUDGETS = {"low": 1024, "medium": 8192, "high": 24576}
_LEVELS = {"off": "MINIMAL", "low": "LOW", "medium": "MEDIUM", "high": "HIGH"}


def normalise_finish(raw: str) -> base.FinishReason:
    """Gemini's FinishReason name -> our finish reason (unknown / OTHER / MALFORMED... -> error)."""
    return _FINISH.get(raw, "error")


def thinking_config(model: str, thinking: str) -> types.ThinkingConfig:
    """The ThinkingConfig for our setting: thinking_level on Gemini 3.x, thinking_budget on 2.x."""
    include = thinking != "off"
    if thinking == "default":
        return types.ThinkingConfig(include_thoughts=True)
    if model.startswith(("gemini-2", "gemini-1")):
        off_budget = 128 if "pro" in model else 0
        budget = off_budget if thinking == "off" else _BUDGETS[thinking]
        return types.ThinkingConfig(thinking_budget=budget, include_thoughts=include)
    return types.ThinkingConfig(thinking_level=types.ThinkingLevel(_LEVELS[thinking]), include_thoughts=include)


class GeminiProvider:
    """Adapter for the Gemini API (AI Studio keys)."""

    name = "gemini"

    def _client(self) -> tuple[genai.Client, httpx2.AsyncClient]:
        key = env_key(KEY_ENV_VARS)
        if not key:
            raise MissingKeyError(self.name, KEY_ENV_VARS)
        base_url = os.environ.get(BASE_URL_ENV, "").strip() or None
        # Our own httpx2 client: never aiohttp (whose timeout is a whole-stream deadline and which hides a
        # retry on connection refused), no read timeout (generate() enforces the idle timeout).
        # No retry_options = no SDK retries. The shared SSL context spares the SDK building three more.
        ctx = shared_ssl_context()
        http = stream_client()
        options = types.HttpOptions(
            base_url=base_url,
            # v1beta, as Google's own docs use: preview models and thinking settings live there (the SDK's
            # default is v1). GOOGLE_GENAI_API_VERSION still wins if the user set it.
            api_version=os.environ.get("GOOGLE_GENAI_API_VERSION") or "v1beta",
            httpx_async_client=http,
            client_args={"verify": ctx},
            async_client_args={"verify": ctx, "ssl": ctx},
        )
        return genai.Client(api_key=key, http_options=options), http

    async def stream(self, request: base.GenerationRequest) -> AsyncIterator[base.StreamEvent]:
        """Stream one request as normalised events."""
        model = request.model
        client, http = self._client()
        config = generation_config(request)
        started = False
        models = client.aio.models
        yield base.RequestSent()
        try:
            response = await models.generate_content_stream(
                model=model, contents=_contents(request), config=config
            )
            async for chunk in response:
                started = True
                for event in _events(chunk):
                    yield event
        except genai_errors.APIError as exc:
            raise self._api_error(model, exc, started) from None
        except httpx2.TransportError as exc:
            raise connection_error(self.name, model, exc, started=started, key_env_vars=KEY_ENV_VARS) from None
        finally:
            with contextlib.suppress(Exception):
                await http.aclose()
            with contextlib.suppress(Exception):
                client.close()  # the SDK's own (unused) sync client

    def _api_error(self, model: str, exc: genai_errors.APIError, started: bool) -> Exception:
        status = exc.code if isinstance(exc.code, int) else None
        detail = exc.message or str(exc.status or "")
        if started:
            return stream_error(
                self.name, model, f"{status} {exc.status}: {detail}", status=status,
                retryable=status is not None and status >= 500, key_env_vars=KEY_ENV_VARS,
            )
        headers = getattr(getattr(exc, "response", None), "headers", None)
        return http_error(
            self.name, model, status, detail, key_env_vars=KEY_ENV_VARS,
            retry_after_s=retry_after_seconds(dict(headers) if headers is not None else None),
        )


def generation_config(request: base.GenerationRequest) -> types.GenerateContentConfig:
    """The output limit, temperature and thinking of a request (streamed here, or one batch request)."""
    return types.GenerateContentConfig(
        max_output_tokens=request.max_output_tokens or default_max_output_tokens("gemini", request.model),
        temperature=request.temperature,
        thinking_config=thinking_config(request.model, request.thinking),
    )


def contents(request: base.GenerationRequest) -> list[types.Content]:
    """The conversation as Gemini `contents` (streamed here, or one batch request)."""
    return _contents(request)


def events_of(response: Any) -> list[base.StreamEvent]:
    """A whole response (a batch result) as the normalised events a stream's chunks give."""
    return _events(response)


def _contents(request: base.GenerationRequest) -> list[types.Content]:
    """The conversation as Gemini `contents`: roles user/model, each turn's text then its inline images.

    Earlier model turns carry their answer text only, no thought parts or signatures (thinking is never
    sent back). Repeated prefixes are cached by Gemini itself (implicit caching): nothing to mark.
    """
    return [types.Content(role=turn.role, parts=_parts(turn)) for turn in request.turns()]


def _parts(turn: base.Turn) -> list[types.Part]:
    parts = [types.Part.from_text(text=turn.sent_text)]
    parts += [types.Part.from_bytes(data=image.data, mime_type=image.mime_type) for image in turn.images]
    return parts


def _events(chunk: Any) -> list[base.StreamEvent]:
    events: list[base.StreamEvent] = []
    feedback = getattr(chunk, "prompt_feedback", None)
    if feedback is not None and feedback.block_reason:
        raw = _name(feedback.block_reason)
        events.append(base.Finish("safety", raw))
    for candidate in (chunk.candidates or [])[:1]:
        parts = candidate.content.parts if candidate.content and candidate.content.parts else []
        for part in parts:
            if part.text:
                events.append(base.ThinkingDelta(part.text) if part.thought else base.TextDelta(part.text))
        if candidate.finish_reason:
            raw = _name(candidate.finish_reason)
            events.append(base.Finish(normalise_finish(raw), raw))
    meta = chunk.usage_metadata
    if meta is not None and (meta.prompt_token_count is not None or meta.candidates_token_count is not None):
        events.append(
            base.UsageReport(
                base.Usage(
                    input_tokens=meta.prompt_token_count,
                    output_tokens=meta.candidates_token_count or 0,
                    thinking_tokens=meta.thoughts_token_count or 0,
                    cached_tokens=meta.cached_content_token_count or 0,
                )
            )
        )
    return events or [base.Heartbeat()]


def _name(value: Any) -> str:
    return str(getattr(value, "value", value))

