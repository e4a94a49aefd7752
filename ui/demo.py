"""The demo in the dashboard: the label on every page, and the stand-ins' comparison launched at start."""

from __future__ import annotations

import logging

import streamlit as st

from canvasbench.errors import CanvasBenchError
from canvasbench.providers.demo import MODEL_IDS, demo_on, is_demo_database
from canvasbench.store import RunStore
from ui import data

log = logging.getLogger(__name__)

BANNER = "Demo database: stand-in models"


def banner(store: RunStore) -> None:
    """On every page of the demo (the arena too, which names no model): these are stand-ins, not LLMs."""
    if not is_demo_database(store.path):
        return
    st.warning(
        f"**{BANNER}.** {', '.join(f'`{m}`' for m in MODEL_IDS)} are built-in stand-ins that stream pages "
        "written for the demo at made-up paces: no model wrote them, and their figures measure nothing. "
        "Your own database is not touched; start `python3 dev.py dashboard` for real models.",
        icon=":material/theater_comedy:",
    )


def launch_on_start() -> str | None:
    """In the demo database, start the stand-ins' comparison on the dashboard's runner; its id, else None."""
    from canvasbench.run.demo_showcase import launch_showcase

    if not demo_on():  # outside the demo, start-up does nothing here
        return None
    try:
        store = data.store()
        if not is_demo_database(store.path):
            return None
        return launch_showcase(data.runner())  # the process's runner: it outlives pages and sessions
    except CanvasBenchError as exc:  # the dashboard still serves; the gallery says the rest
        log.warning("The demo's comparison did not start: %s", exc)
        return None
