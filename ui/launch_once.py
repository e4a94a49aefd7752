"""One comparison per filled-in form: Launch clicked again (a double click, or a click repeated while a slow page
has not moved on yet) opens what the first click started instead of paying the providers for it twice."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")

_LAUNCHED = "new.launched_forms"  # form key -> what its launch started, for this browser session
_SESSION_LOCK = "new.launch_lock"
# Streamlit runs a session's next click in a new script thread while the previous one may still be launching (a
# rerun stops the old thread only at its next Streamlit call): one launch at a time per session, its check and
# record included. Per session, so a batch submitted over the network holds up no one else's launch.
_LOCKS = threading.Lock()  # only while a session's own lock is fetched or made


def form_key(*parts: Any) -> str:
    """What was asked for, as one key: the same prompt, models and options give the same key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def launch_once(key: str, launch: Callable[[], T], still_there: Callable[[T], bool]) -> tuple[T, bool]:
    """(what the launch of this form started, whether this call started it): `launch` runs once per key while
    what it started is `still_there` (a deleted comparison cannot be opened: the form then launches again)."""
    with _LOCKS:
        lock: threading.Lock = st.session_state.setdefault(_SESSION_LOCK, threading.Lock())
    with lock:  # the record is fetched under the lock too: two first clicks must not each make one
        launched: dict[str, Any] = st.session_state.setdefault(_LAUNCHED, {})
        if key in launched and still_there(launched[key]):
            return launched[key], False
        started = launch()
        # A plain dict, not a session_state call: no Streamlit call between the launch and its record, so a run
        # that the second click stops cannot end after paying for a comparison and before noting it.
        launched[key] = started
        return started, True
