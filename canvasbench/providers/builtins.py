"""The one table of built-in providers: the registry, reserved endpoint names, the dashboard's secrets,
the warm-up and the tests all derive from it.

Reading the table imports no SDK: an adapter module (and its SDK, which takes seconds to import) is
imported only when its provider is first used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from canvasbench.providers.base import Provider


@dataclass(frozen=True)
class BuiltinProvider:
    """One built-in provider: its name, its adapter, where its key and base URL come from, and its SDK."""

    name: str
    adapter: str  # "module:Class", imported on first use
    key_env_vars: tuple[str, ...]  # the first one set is used
    base_url_env: str
    sdk_module: str  # the SDK's top-level import (what a process pays to use this provider)

    def load(self) -> Provider:
        """Import the adapter (and its SDK) and build it."""
        module, _, cls = self.adapter.partition(":")
        adapter: Provider = getattr(importlib.import_module(module), cls)()
        return adapter


# The order is the order providers are listed in (sidebar, `canvasbench models`).
PROVIDERS: tuple[BuiltinProvider, ...] = (
    BuiltinProvider(
        "gemini", "canvasbench.providers.gemini_adapter:GeminiProvider",
        ("GEMINI_API_KEY", "GOOGLE_API_KEY"), "GOOGLE_GEMINI_BASE_URL", "google.genai",
    ),
    BuiltinProvider(
        "openai", "canvasbench.providers.openai_adapter:OpenAICompatibleProvider",
        ("OPENAI_API_KEY",), "OPENAI_BASE_URL", "openai",
    ),
    BuiltinProvider(
        "anthropic", "canvasbench.providers.anthropic_adapter:AnthropicProvider",
        ("ANTHROPIC_API_KEY",), "ANTHROPIC_BASE_URL", "anthropic",
    ),
)
BY_NAME: dict[str, BuiltinProvider] = {p.name: p for p in PROVIDERS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def builtin(name: str) -> BuiltinProvider:
    """The table's row for a built-in provider (KeyError for any other name)."""
    return BY_NAME[name]


def environment_variables() -> tuple[str, ...]:
    """Every key and base-URL variable of the built-ins, in table order (keys first)."""
    keys = [v for p in PROVIDERS for v in p.key_env_vars]
    return (*keys, *(p.base_url_env for p in PROVIDERS))
