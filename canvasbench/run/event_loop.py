"""The one process-wide event loop, on a daemon thread, that every Runner streams on."""

from __future__ import annotations

import asyncio
import threading

_loop: asyncio.AbstractEventLoop | None = None
_loop_guard = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The process's streaming loop (started on first use, on the thread `canvasbench-loop`)."""
    global _loop
    with _loop_guard:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="canvasbench-loop", daemon=True)
            thread.start()
            _loop = loop
        return _loop
