"""The frames a slow page's compositor draws, taken as they come: a look at a page whose frames take a second.

A screenshot asks for a frame of its own, which waits behind the frame being drawn: on a software-WebGL
scene that is two frames, seconds, per look. Once a page is known to draw few frames a second, its frames
are streamed instead (DevTools screencast, PNG) and a look takes the next one that arrives.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import weakref
from typing import Any

from playwright.async_api import CDPSession

from canvasbench.render.owned import owned

SLOW_FPS = 4.0  # a page drawing fewer animation frames a second than this has its frames streamed
FIRST_FRAMES = 2  # ...once it has drawn at least this many (a page that draws no frames sends none)
FAST_FRAMES = 8  # this many streamed within a second: it is not slow after all, the stream stops
WAIT_FRAMES = 2.5  # a look waits this many of the page's frame intervals for the next one, then asks for one


class FrameFeed:
    """The page's frames as its compositor draws them, the latest kept."""

    def __init__(self, cdp: CDPSession, interval_s: float) -> None:
        self.cdp = cdp
        self.interval_s = interval_s
        self.count = 0
        self.latest: bytes | None = None
        self._arrived = asyncio.Event()
        self._acks: set[asyncio.Future[Any]] = set()
        self._times: list[float] = []
        self.stopped = False

    def _frame(self, params: dict[str, Any]) -> None:
        if self.stopped:
            return
        now = time.monotonic()
        self._times = [*self._times[-(FAST_FRAMES - 1) :], now]
        if len(self._times) == FAST_FRAMES and now - self._times[0] < 1.0:
            # It sped up (it was slow only while the machine was busy): each streamed frame is a PNG to
            # encode, so looks go back to asking for frames.
            self._send("Page.stopScreencast", {})
            self.stopped = True
            _feeds.pop(self.cdp, None)
        else:
            self._send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})
        self.latest = base64.b64decode(params["data"])
        self.count += 1
        self._arrived.set()

    def _send(self, method: str, params: dict[str, Any]) -> None:
        sent = owned(self.cdp.send(method, params))  # the page may close before an ack is answered
        self._acks.add(sent)
        sent.add_done_callback(self._acks.discard)

    async def next_frame(self) -> bytes | None:
        """The next frame the page draws from now (None if none came in time: the caller asks for one)."""
        # The first frame streamed is the one already on screen, which a look has seen: not a new one.
        seen = max(self.count, 1)
        deadline = time.monotonic() + max(1.0, WAIT_FRAMES * self.interval_s)
        while self.count <= seen and (left := deadline - time.monotonic()) > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
        return self.latest if self.count > seen else None


_feeds: weakref.WeakKeyDictionary[CDPSession, FrameFeed] = weakref.WeakKeyDictionary()


def slow(frames: int, seconds: float) -> bool:
    """Whether a page that drew `frames` animation frames in `seconds` draws so few that looks should stream."""
    return frames >= FIRST_FRAMES and seconds > 0 and frames / seconds < SLOW_FPS


def follow(cdp: CDPSession, interval_s: float) -> None:
    """Stream the page's frames from now on (looks through `feed_of(cdp)` take the next one).

    Not awaited: the answer comes with the next frame, and the next look waits for that anyway.
    """
    if cdp in _feeds:
        return
    feed = FrameFeed(cdp, interval_s)
    cdp.on("Page.screencastFrame", feed._frame)
    feed._send("Page.startScreencast", {"format": "png", "everyNthFrame": 1})  # a page gone: nothing comes
    _feeds[cdp] = feed


def feed_of(cdp: CDPSession) -> FrameFeed | None:
    """The page's frame stream, if its frames are streamed."""
    return _feeds.get(cdp)
