"""The HTTP clients every adapter shares: one SSL context, no read deadline, and a byte-level activity signal."""

from __future__ import annotations

import contextvars
import functools
import importlib
import os
import ssl
import time
from collections.abc import AsyncIterator, Callable

import httpx2

# httpx imports its connection layer (httpcore, h11, anyio's asyncio backend, truststore: 66 modules,
# 20-100 ms) on the first request. Imported here, on whichever thread imports the adapters, so that the
# first timed request does not do it on the event loop every stream shares.
importlib.import_module("httpcore2")
importlib.import_module("h11")
importlib.import_module("anyio._backends._asyncio")
importlib.import_module("httpcore2._backends.anyio")

# No read/write/pool deadline: generate() enforces the idle timeout itself, and a long generation must
# never die at a fixed deadline. Connecting gets a bound so a dead host fails fast (and is retried).
STREAM_TIMEOUT = httpx2.Timeout(None, connect=30.0)
# Matches the openai/anthropic SDK defaults.
LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


class Activity:
    """What the transport saw for the generation running in this context (times are time.monotonic()).

    The timings come from here rather than from when an event reaches generate(): with many streams on
    one loop, the SDK's request building and other streams' parsing would otherwise count as provider time.
    """

    def __init__(self) -> None:
        self.last = time.monotonic()  # anything at all: bytes, events, keep-alives
        # New answer or thinking text (or the request going out): what the idle timeout measures, since a
        # stream of keep-alives alone can hold a connection open for as long as the server likes.
        self.progress = self.last
        self.sent: float | None = None  # when the built request was handed to the network
        self.received: float | None = None  # when the latest body bytes arrived from the network
        # Seconds spent waiting for body bytes after the first ones: near zero when the whole answer
        # was already there (a buffering proxy, a burst), whatever our parsing of it took.
        self.waited_after_first = 0.0

    def touch(self) -> None:
        """Record that something arrived now."""
        self.last = time.monotonic()

    def request_sent(self) -> None:
        """Record that the request is going out now."""
        self.sent = self.last = self.progress = time.monotonic()

    def progressed(self) -> None:
        """Record that new answer or thinking text arrived now."""
        self.progress = time.monotonic()

    def body_received(self, waited: float) -> None:
        """Record that response body bytes arrived now, after waiting `waited` seconds for them."""
        if self.received is not None:
            self.waited_after_first += waited
        self.received = self.last = time.monotonic()


# The clock that times waiting for body bytes. A machine too busy to run us counts as waiting on this one,
# so tests that must not depend on the machine's speed inject a clock that only their fake server moves.
wait_clock: Callable[[], float] = time.monotonic

# Set by generate() for each attempt; read by the transport below, in the same task's context.
current_activity: contextvars.ContextVar[Activity | None] = contextvars.ContextVar("activity", default=None)


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
        response = await self._inner.handle_async_request(request)
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
