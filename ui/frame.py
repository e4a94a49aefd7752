"""The shared frame every page sits in: keys from secrets, the sidebar (database, keys, runs in progress)."""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from canvasbench.errors import CanvasBenchError
from canvasbench.present import formatting
from canvasbench.providers.builtins import environment_variables
from canvasbench.providers.endpoints import BUILTIN_ENDPOINTS
from canvasbench.providers.reachability import shared_watch
from canvasbench.sandbox.document import PreviewNetwork
from canvasbench.sandbox.preview_server import PreviewServer, preview_server
from canvasbench.store import RunStore, reads
from ui import data
from ui.batch_panel import batch_jobs
from ui.format import KEY_MISSING, KEY_SET, KEY_UNKNOWN, md
from ui.text import literal

# Key and base-URL variables the dashboard may take from .streamlit/secrets.toml (environment wins): the
# built-ins' from the providers table, every other provider's key from the registry (_provider_key_vars).
SECRET_VARS = (*environment_variables(), *(e.key_env for e in BUILTIN_ENDPOINTS.values() if e.key_env))


def _provider_key_vars() -> tuple[str, ...]:
    from canvasbench.providers.registry import key_status, provider_names

    try:
        return tuple(var for name in provider_names() for var in key_status(name).env_vars)
    except CanvasBenchError:  # a broken endpoints.toml (the Models page says what): the fixed list still holds
        return ()


def load_secrets_into_env() -> list[str]:
    """Copy known key variables from st.secrets into os.environ when unset; return the names copied."""
    copied: list[str] = []
    for var in dict.fromkeys((*SECRET_VARS, *_provider_key_vars())):
        if os.environ.get(var):
            continue
        try:
            value = st.secrets.get(var)
        except Exception:  # no secrets file, or a malformed one: keys then come from the environment only
            return copied
        if isinstance(value, str) and value.strip():
            os.environ[var] = value.strip()
            copied.append(var)
    return copied


def key_statuses() -> list[dict[str, Any]]:
    """Per provider: name, variables it reads, whether it needs a key and whether one is set (never the key)."""
    from canvasbench.providers.registry import key_status, provider_names

    try:
        names = provider_names()
    except CanvasBenchError:  # a broken endpoints.toml: the Models page says what is wrong with it
        return []
    out = []
    for name in names:
        status = key_status(name)
        out.append(
            {
                "provider": name,
                "env_vars": status.env_vars,
                "needs_key": status.needs_key,
                "is_set": status.is_set,
                "base_url": status.base_url,
            }
        )
    return out


def sidebar(store: RunStore, *, show_runs: bool = True) -> None:
    """Database in use, providers with keys set, and runs in progress (refreshing while any run).

    `show_runs=False` leaves the runs out: the blind arena must not name the models of a comparison.
    """
    with st.sidebar:
        st.caption("Database")
        literal(store.path)
        statuses = key_statuses()
        if statuses:
            st.caption("Providers")
            lines = []
            for s in statuses:
                if s["provider"] == "demo":  # listed only in the demo
                    mark = f"{KEY_SET} stand-ins of the demo, not LLMs"
                elif not s["needs_key"]:  # no key to set: whether its server answers is what the Models page found
                    reach = shared_watch().known(s["base_url"]) if s["base_url"] else None
                    if reach is None:
                        mark = f"{KEY_UNKNOWN} no key needed"
                    else:
                        mark = f"{KEY_SET} answering" if reach.reachable else f"{KEY_MISSING} not reachable"
                elif s["is_set"]:
                    mark = f"{KEY_SET} key set"
                else:
                    mark = f"{KEY_MISSING} no key"
                lines.append(f"**{md(s['provider'])}** — {mark}")
            st.markdown("  \n".join(lines))
        _live_network_setting()
        if show_runs:
            _runs_in_progress(store)
            batch_jobs(store)


# Session-state key of the "live network in previews" setting (off unless the user turns it on).
LIVE_NETWORK = "previews.live_network"


@st.cache_resource(show_spinner=False)
def _mirror_server() -> PreviewServer | None:
    return preview_server()


def preview_network() -> PreviewNetwork:
    """What previews may reach: the local library mirror, and the web only when the user turned it on."""
    server = _mirror_server()
    live = bool(st.session_state.get(LIVE_NETWORK))
    return PreviewNetwork(mirror_origin=server.origin if server else None, live=live)


def _live_network_setting() -> None:
    st.caption("Previews")
    live = bool(st.session_state.get(LIVE_NETWORK))
    # Behind one click: a closed popover draws nothing, and the toggle's script was part of every cold page load
    # while few visits change the setting. The button says what is in effect.
    label = "Live network: on" if live else "Offline (local mirror only)"
    with st.popover(label, icon=":material/public:" if live else ":material/public_off:", width="stretch"):
        _network_toggle()
    if live:
        st.warning("Previews may load from the internet.", icon=":material/public:")


def _network_toggle() -> None:
    st.toggle(
        "Live network in previews",
        key=LIVE_NETWORK,
        value=False,
        help="Off: previews are offline; libraries from unpkg, jsdelivr, cdnjs, esm.sh and skypack come from "
        "the local mirror and a page can reach nothing else. On: previews may also load scripts, styles, "
        "images and fonts from any https site, which lets a page tell that site it was opened.",
    )


def _runs_in_progress(store: RunStore) -> None:
    active = bool(reads.active_runs(store))

    @st.fragment(run_every=2.0 if active else None)
    def panel() -> None:
        runs = reads.active_runs(store)
        st.caption("Runs in progress")
        if not runs:
            st.markdown("None right now.")
            if active:
                st.rerun()  # the last run finished: refresh the page once, then stop polling
            return
        for run in runs[:12]:
            took = formatting.seconds_between(run["started_at"]) if run["started_at"] else None
            label = f"{md(run.get('contestant') or run['model_id'])} · {run['status']}"
            label += f" · {formatting.duration(took)}" if took is not None else ""
            st.markdown(f"- {label}")
        if len(runs) > 12:
            st.markdown(f"… and {len(runs) - 12} more")

    panel()


def store_or_stop() -> RunStore:
    """The store, or one clear error (no traceback) and the end of this run when it cannot be opened."""
    from canvasbench.errors import CanvasBenchError

    try:
        return data.store()
    except CanvasBenchError as exc:
        st.error(
            f"The database cannot be opened. {md(exc)}  \n"
            "Set `CANVASBENCH_DB` to a new or existing CanvasBench database file (or unset it to use "
            "`storage/canvasbench.db`) and restart the dashboard."
        )
        st.stop()
        raise  # unreachable: st.stop ends the run
