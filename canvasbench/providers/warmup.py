"""Warm each SDK's lazy first-use work (pydantic schema builds, lazy imports) before any request is timed.

Without this the first stream of a process spends 0.1–1 s parsing its first chunk (google-genai builds
its response models on first use), which lands inside first_chunk_s/ttft_s and blocks the event loop
that other streams share. Each warm-up streams one tiny canned answer through the real SDK over an
in-memory transport (no network), once per process, and never raises.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx2

log = logging.getLogger("canvasbench.providers")


def _sse_transport(frames: list[str]) -> httpx2.MockTransport:
    body = "".join(frames).encode()

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return httpx2.MockTransport(handler)


def _guarded(name: str, work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:  # a warm-up is an optimisation: the real request reports real problems
        log.debug("warming the %s SDK failed", name, exc_info=True)


def warm_gemini() -> None:
    """Stream one canned chunk through google-genai."""

    def work() -> None:
        from google import genai
        from google.genai import types

        chunk = {
            "candidates": [{"content": {"parts": [{"text": "t", "thought": True}, {"text": "a"}], "role": "model"},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "thoughtsTokenCount": 1,
                              "cachedContentTokenCount": 0, "totalTokenCount": 3},
        }
        http = httpx2.Client(transport=_sse_transport([f"data: {json.dumps(chunk)}\r\n\r\n"]))
        options = types.HttpOptions(base_url="http://warm.invalid", api_version="v1beta", httpx_client=http)
        client = genai.Client(api_key="warm-up", http_options=options)
        config = types.GenerateContentConfig(
            max_output_tokens=8, thinking_config=types.ThinkingConfig(include_thoughts=True)
        )
        # Contents in the adapter's own form (a list of role-tagged Content), so the same conversion runs warm.
        contents = [types.Content(role="user", parts=[types.Part.from_text(text="x")])]
        for _ in client.models.generate_content_stream(model="warm-up", contents=contents, config=config):
            pass
        client.close()

    _guarded("google-genai", work)


def warm_openai() -> None:
    """Stream one canned chunk and a usage chunk through openai."""

    def work() -> None:
        import openai

        base = {"id": "w", "object": "chat.completion.chunk", "created": 0, "model": "w"}
        frames = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"},
                                  "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2,
                                              "completion_tokens_details": {"reasoning_tokens": 0},
                                              "prompt_tokens_details": {"cached_tokens": 0}}},
        ]
        text = [f"data: {json.dumps(f)}\n\n" for f in frames] + ["data: [DONE]\n\n"]
        client = openai.OpenAI(api_key="warm-up", base_url="http://warm.invalid/v1", max_retries=0,
                               http_client=httpx2.Client(transport=_sse_transport(text)))
        stream = client.chat.completions.create(
            model="w", messages=[{"role": "user", "content": "x"}], stream=True, stream_options={"include_usage": True}
        )
        for _ in stream:
            pass
        client.close()

    _guarded("openai", work)


def warm_anthropic() -> None:
    """Stream one canned message through anthropic."""

    def work() -> None:
        import anthropic

        usage = {"input_tokens": 1, "output_tokens": 1}
        events = [
            ("message_start", {"type": "message_start", "message": {
                "id": "w", "type": "message", "role": "assistant", "model": "w", "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": usage}}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": "a"}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"output_tokens": 1, "output_tokens_details": {"thinking_tokens": 0}}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        text = [f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events]
        client = anthropic.Anthropic(api_key="warm-up", base_url="http://warm.invalid", max_retries=0,
                                     http_client=httpx2.Client(transport=_sse_transport(text)))
        stream = client.messages.create(
            model="w", max_tokens=8, messages=[{"role": "user", "content": "x"}], stream=True
        )
        for _ in stream:
            pass
        client.close()

    _guarded("anthropic", work)
