"""The dashboard server's start-up: run the app script once before the first visitor (why: app.py's note)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from streamlit import runtime
from streamlit.logger import get_logger

_LOG = get_logger(__name__)


@asynccontextmanager
async def primed(_app: Any) -> AsyncIterator[None]:
    """st.App's lifespan: one script run (as the script health check does it), then serve."""
    ok, message = await runtime.get_instance().does_script_run_without_error()
    if not ok:  # the first visitor sees what went wrong; the run still told Streamlit the pages
        _LOG.warning("The dashboard's start-up run of app.py did not finish cleanly: %s", message)
    from ui import demo

    await asyncio.to_thread(demo.launch_on_start)  # only in the demo database: its one showcase comparison
    yield
