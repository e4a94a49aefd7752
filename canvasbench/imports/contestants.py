"""Another tool's model name as a CanvasBench model id (`provider:model`), so prices and names line up."""

from __future__ import annotations

# API kinds promptfoo puts between provider and model ("openai:chat:gpt-4o", "anthropic:messages:...").
_API_KINDS = {"chat", "completion", "completions", "responses", "messages"}
# Other tools' provider names for the providers CanvasBench calls by another name.
_ALIASES = {"google": "gemini", "vertex": "gemini", "googleai": "gemini"}
# A bare model name's family, by how it starts (llm's own ids carry no provider: "gpt-4o", "claude-3.5-sonnet").
_FAMILIES = (("gpt-", "openai"), ("chatgpt", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
             ("claude", "anthropic"), ("gemini", "gemini"))  # fmt: skip
_KNOWN = ("gemini", "openai", "anthropic", "openrouter", "ollama", "vllm")


def contestant_id(name: str, origin: str) -> str:
    """`provider:model` for a name another tool logged; unknown families keep the tool as their provider."""
    name = name.strip()
    for separator in (":", "/"):
        provider, found, rest = name.partition(separator)
        provider = _ALIASES.get(provider.lower(), provider.lower())
        if found and provider in _KNOWN and rest:
            kind, found_kind, model = rest.partition(":")
            return f"{provider}:{model if found_kind and kind in _API_KINDS else rest}"
    lowered = name.lower()
    for prefix, provider in _FAMILIES:
        if lowered.startswith(prefix):
            return f"{provider}:{name}"
    return f"{origin}:{name}"
