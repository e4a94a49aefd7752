"""The HTTP clients every adapter shares: one SSL context, no read deadline, and a byte-level activity signal."""

from __future__ import annotations

import functools
import os
import ssl
import time
from collections.abc import AsyncIterator, Callable

import httpx2

from canvasbench.providers.activity import current_activity, first_request_out

# No read/write/pool deadline: generate() enforces the idle timeout itself, and a long generation must
# never die at a fixed deadline. Connecting gets a bound so a dead host fails fast (and is retried).
STREAM_TIMEOUT = httpx2.Timeout(None, connect=30.0)
# Matches the openai/anthropic SDK defaults.
LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


# The clock that times waiting for body bytes. A machine too busy to run us counts as waiting on this one,
# so tests that must not depend on the machine's speed inject a clock that only their fake server moves.
wait_clock: Callable[[], float] = time.monotonic



@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One SSL context for every client: loading the CA store costs ~50-150 ms of event-loop time per client."""
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    return httpx2.create_ssl_context()


class _ActivityStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = aiter(self._inner)
        while True:
            asked = wait_clock()
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            activity = current_activity.get()
            if activity is not None:
                activity.body_received(wait_clock() - asked)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class ActivityTransport(httpx2.AsyncBaseTransport):
    """Stamps the request's send time and every received body chunk (keep-alives the SDKs swallow, such as
    Anthropic pings and OpenRouter SSE comments, included), for the timings."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport(verify=shared_ssl_context(), limits=LIMITS)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send through the real transport and wrap the body stream."""
        activity = current_activity.get()
        if activity is not None:
            activity.request_sent()
        try:
            response = await self._inner.handle_async_request(request)
        finally:
            first_request_out.set()
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_ActivityStream(response.stream),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        """Close the real transport's connections."""
        await self._inner.aclose()


def stream_client() -> httpx2.AsyncClient:
    """A fresh async client for one generation: activity-tracking transport, no read deadline."""
    return httpx2.AsyncClient(transport=ActivityTransport(), timeout=STREAM_TIMEOUT, follow_redirects=True)
