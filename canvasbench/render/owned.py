"""Futures the render engine starts, each one's outcome always read when it ends.

A check can be cancelled in the middle of a browser call (Ctrl-C, SIGTERM, the engine closing, a timeout, a
page the memory watchdog killed). asyncio prints a traceback for a future that ends with an exception nobody
read ("exception was never retrieved"), and a cancelled `asyncio.gather` ends that way: with a CancelledError
set as its exception, not as cancelled. So the engine starts no future of its own but through `owned` (or
`together`, for a gather): whatever ends it, its outcome is read, and nothing reaches the user's terminal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def read_outcome(future: asyncio.Future[Any]) -> None:
    """Mark a finished future's exception as read (a done-callback; a cancelled one has none to read)."""
    if not future.cancelled():
        future.exception()


def owned(awaitable: Awaitable[T]) -> asyncio.Future[T]:
    """`asyncio.ensure_future` whose outcome is read when it ends, however it ends and whoever awaits it."""
    future = asyncio.ensure_future(awaitable)
    future.add_done_callback(read_outcome)
    return future


def together(*awaitables: Awaitable[Any]) -> asyncio.Future[list[Any]]:
    """`asyncio.gather` of owned futures, itself owned: cancelled mid-call, neither it nor a part prints."""
    return owned(asyncio.gather(*(owned(awaitable) for awaitable in awaitables)))


def drop(futures: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel the owned futures still running; their outcome is read when they end."""
    for future in futures:
        future.cancel()
