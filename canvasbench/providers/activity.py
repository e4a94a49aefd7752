"""What the transport saw of the generation running in this context; pure Python, so generate() loads no HTTP stack."""

from __future__ import annotations

import contextvars
import threading
import time


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


# Set by generate() for each attempt; read by the transport (http.py) in the same task's context.
current_activity: contextvars.ContextVar[Activity | None] = contextvars.ContextVar("activity", default=None)

# Set once, when the process's first request has been answered (its response began) or has failed: the
# request is out, so start-up work it does not need may now use the CPU (see canvasbench.run.warm).
first_request_out = threading.Event()
