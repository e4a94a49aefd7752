"""The provider registry: built-ins, plugins and endpoints, all added the same way, by name.

Where providers come from, in order of precedence: `register_provider()` called in code; the built-in
table (`builtins.PROVIDERS`); packages that declare an entry point in the `canvasbench.providers` group
(its object is called once with `register_provider`; loaded only when a name that is not built in is
asked for, or every name is, since reading installed packages' metadata takes a moment); OpenAI-compatible
endpoints from `endpoints.toml`. Nothing is imported from an adapter or its SDK until its provider is
first used.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from canvasbench.errors import MissingKeyError, UsageError
from canvasbench.paths import endpoints_path
from canvasbench.providers import demo
from canvasbench.providers.base import Provider
from canvasbench.providers.builtins import NAMES, PROVIDERS
from canvasbench.providers.endpoints import Endpoint, load_endpoints
from canvasbench.redact import use_key_variables

log = logging.getLogger("canvasbench.providers")

ENTRY_POINT_GROUP = "canvasbench.providers"


@dataclass(frozen=True)
class KeyStatus:
    """Whether a provider's key is set (never the key itself)."""

    provider: str
    env_vars: tuple[str, ...]
    needs_key: bool
    is_set: bool
    base_url: str | None = None  # an endpoint's server (what a reachability probe of a keyless one tries)


@dataclass
class _Entry:
    factory: Callable[[], Provider]
    key_env_vars: tuple[str, ...]
    needs_key: bool
    instance: Provider | None = None
    from_endpoints: bool = False
    base_url: str | None = None


_registry: dict[str, _Entry] = {}
_lock = threading.RLock()  # the dashboard thread and the runner's loop thread both look providers up
_builtins_loaded = False
_plugins_loaded = False
_endpoints_stamp: tuple[Path, float | None] | None = None


def register_provider(
    name: str, factory: Callable[[], Provider], *, key_env_vars: tuple[str, ...], needs_key: bool = True
) -> None:
    """Add (or replace) a provider under `name`; `factory` builds the adapter on first use."""
    if not name or ":" in name:
        raise UsageError(f"Provider name {name!r} must be non-empty and contain no ':'.")
    with _lock:
        _registry[name] = _Entry(factory, tuple(key_env_vars), needs_key)


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    with _lock:  # two threads asking at once must both see every built-in
        if _builtins_loaded:
            return
        _register_builtins()
        _builtins_loaded = True


def _register_builtins() -> None:
    for provider in PROVIDERS:
        # A provider registered in code before first use replaces the built-in of the same name.
        if provider.name not in _registry:
            register_provider(provider.name, provider.load, key_env_vars=provider.key_env_vars)
    if demo.PROVIDER not in _registry:  # always known, so asking for it outside the demo gets a clear refusal
        register_provider(demo.PROVIDER, demo.DemoProvider, key_env_vars=(), needs_key=False)


def _load_plugins() -> None:
    """Call each installed package's `canvasbench.providers` entry point with a `register_provider` (once)."""
    global _plugins_loaded
    with _lock:
        if _plugins_loaded:
            return
        _plugins_loaded = True
        from importlib.metadata import entry_points

        def register_unless_taken(
            name: str, factory: Callable[[], Provider], *, key_env_vars: tuple[str, ...], needs_key: bool = True
        ) -> None:
            if name in NAMES or name == demo.PROVIDER:
                log.warning("canvasbench: a provider plugin may not replace the built-in provider %r", name)
            elif name not in _registry:  # one registered in code wins
                register_provider(name, factory, key_env_vars=key_env_vars, needs_key=needs_key)

        for point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                point.load()(register_unless_taken)
            except Exception:  # a broken plugin must not take the built-ins down with it
                log.warning("canvasbench: the provider plugin %s (%s) failed to load", point.name, point.value,
                            exc_info=True)


def _sync_endpoints() -> None:
    """(Re)register OpenAI-compatible endpoints whenever the endpoints file (or its location) changes."""
    global _endpoints_stamp
    path = endpoints_path()
    mtime = path.stat().st_mtime if path.exists() else None
    if _endpoints_stamp == (path, mtime):
        return
    endpoints = load_endpoints(path)  # raises EndpointConfigError naming file and entry
    for name in [n for n, e in _registry.items() if e.from_endpoints]:
        del _registry[name]
    for name, endpoint in endpoints.items():
        if name in _registry:
            continue  # a provider registered in code wins over a file entry of the same name

        def factory(endpoint: Endpoint = endpoint) -> Provider:
            from canvasbench.providers.openai_adapter import OpenAICompatibleProvider  # the SDK, only when used

            return OpenAICompatibleProvider(endpoint)

        register_provider(name, factory, key_env_vars=endpoint.key_env_vars, needs_key=endpoint.needs_key)
        _registry[name].from_endpoints = True
        _registry[name].base_url = endpoint.base_url
    _endpoints_stamp = (path, mtime)


def _entries() -> dict[str, _Entry]:
    with _lock:
        _load_builtins()
        _load_plugins()
        _sync_endpoints()
        return dict(_registry)


def provider_names() -> list[str]:
    """Names of every usable provider: built-ins first, then endpoints and plugins, alphabetically."""
    entries = _entries()
    if not demo.demo_on():  # the stand-ins are listed (sidebar, Models page, `models`) only in the demo
        entries.pop(demo.PROVIDER, None)
    first = [n for n in NAMES if n in entries]
    return first + sorted(n for n in entries if n not in first)


def _entry(name: str) -> _Entry:
    if name == demo.PROVIDER:
        demo.ensure_demo_active(f"{name}:…")
    with _lock:
        _load_builtins()
        entry = _registry.get(name)
    if entry is None:
        _load_plugins()
        with _lock:
            entry = _registry.get(name)
    if entry is not None and not entry.from_endpoints:
        return entry  # built-ins and plugins keep working even when the endpoints file is broken
    entries = _entries()
    if name not in entries:
        known = ", ".join(provider_names())
        raise UsageError(
            f"Unknown provider '{name}'. Known providers: {known}. "
            f"Add an OpenAI-compatible endpoint as [endpoints.{name}] in {endpoints_path()}."
        )
    return entries[name]


def get_provider(name: str) -> Provider:
    """The adapter registered under `name` (built once, then reused); UsageError if unknown."""
    entry = _entry(name)
    with _lock:
        if entry.instance is None:
            entry.instance = entry.factory()
        return entry.instance


def parse_model_id(model_id: str) -> tuple[str, str]:
    """Split `provider:model` into its two parts; UsageError if either is missing."""
    provider, sep, model = (model_id or "").strip().partition(":")
    if not sep or not provider or not model.strip():
        raise UsageError(
            f"Model id {model_id!r} must look like provider:model, e.g. gemini:gemini-3-pro-preview "
            f"or openai:gpt-5.2."
        )
    return provider.strip(), model.strip()


def key_status(provider: str) -> KeyStatus:
    """Which variables hold the provider's key and whether one is set."""
    entry = _entry(provider)
    is_set = any(os.environ.get(v, "").strip() for v in entry.key_env_vars)
    return KeyStatus(provider, entry.key_env_vars, entry.needs_key, is_set, entry.base_url)


def ensure_ready(model_id: str) -> None:
    """Check the id is well formed, the provider known and its key set; raise UsageError/MissingKeyError."""
    provider, model = parse_model_id(model_id)
    if provider == demo.PROVIDER:
        demo.ensure_demo_active(f"{provider}:{model}")
    status = key_status(provider)
    if status.needs_key and not status.is_set:
        raise MissingKeyError(provider, status.env_vars)


def all_key_env_vars() -> tuple[str, ...]:
    """Every key variable any registered provider reads (for scrubbing keys out of messages)."""
    names: list[str] = []
    _load_builtins()  # a key must be masked even before its provider is first used
    _load_plugins()
    with _lock:
        entries = list(_registry.values())
    for entry in entries:
        names.extend(v for v in entry.key_env_vars if v not in names)
    return tuple(names)


# Every process that can talk to a provider loads this module first: from then on redact masks exactly the
# variables registered here (it never imports the registry itself: the providers build on it, not it on them).
use_key_variables(all_key_env_vars)
