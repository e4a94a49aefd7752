"""The built-in providers, registered like any plugin; their SDKs are imported only when first used."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from canvasbench.providers.base import Provider

GEMINI_KEY_ENV_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
OPENAI_KEY_ENV_VARS = ("OPENAI_API_KEY",)
ANTHROPIC_KEY_ENV_VARS = ("ANTHROPIC_API_KEY",)

# name -> (adapter module, adapter class, key variables). Listing keys here keeps `provider_names()` and
# `key_status()` (sidebar, `canvasbench models`) from importing three SDKs, which takes seconds.
BUILTINS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "gemini": ("canvasbench.providers.gemini_adapter", "GeminiProvider", GEMINI_KEY_ENV_VARS),
    "openai": ("canvasbench.providers.openai_adapter", "OpenAICompatibleProvider", OPENAI_KEY_ENV_VARS),
    "anthropic": ("canvasbench.providers.anthropic_adapter", "AnthropicProvider", ANTHROPIC_KEY_ENV_VARS),
}


def _lazy(module: str, cls: str) -> Callable[[], Provider]:
    def factory() -> Provider:
        adapter: Provider = getattr(importlib.import_module(module), cls)()
        return adapter

    return factory


def register_builtins(register: Callable[..., None]) -> None:
    """Register gemini, openai and anthropic through `register` (the same call a plugin makes)."""
    for name, (module, cls, key_env_vars) in BUILTINS.items():
        register(name, _lazy(module, cls), key_env_vars=key_env_vars, needs_key=True)
