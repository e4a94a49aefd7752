"""Known models per provider: display name, maximum output tokens, what they support."""

from __future__ import annotations

from dataclasses import dataclass, replace

from canvasbench.providers.base import GenerationRequest


@dataclass(frozen=True)
class ModelInfo:
    """One known model; `model_id` is `provider:model`."""

    model_id: str
    provider: str
    model: str
    display_name: str
    max_output_tokens: int
    supports_thinking: bool
    supports_temperature: bool
    supports_images: bool = True  # takes images on a user turn (repair screenshots, the judge's)


def _m(provider: str, model: str, name: str, max_out: int, thinking: bool = True, temp: bool = True) -> ModelInfo:
    return ModelInfo(f"{provider}:{model}", provider, model, name, max_out, thinking, temp)


_KNOWN: tuple[ModelInfo, ...] = (
    _m("gemini", "gemini-3.1-pro-preview", "Gemini 3.1 Pro (preview)", 65_536),
    _m("gemini", "gemini-3-pro-preview", "Gemini 3 Pro (preview)", 65_536),
    _m("gemini", "gemini-3-flash-preview", "Gemini 3 Flash (preview)", 65_536),
    _m("gemini", "gemini-2.5-pro", "Gemini 2.5 Pro", 65_536),
    _m("gemini", "gemini-2.5-flash", "Gemini 2.5 Flash", 65_536),
    _m("gemini", "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 65_536),
    # GPT-5.x are reasoning models: the API refuses a custom temperature.
    _m("openai", "gpt-5.2", "GPT-5.2", 128_000, temp=False),
    # The anthropic SDK (2.x) offers no temperature parameter for these.
    _m("anthropic", "claude-opus-4-6", "Claude Opus 4.6", 128_000, temp=False),
    _m("anthropic", "claude-sonnet-4-6", "Claude Sonnet 4.6", 128_000, temp=False),
    _m("anthropic", "claude-haiku-4-5", "Claude Haiku 4.5", 64_000, temp=False),
)

# Output limit sent for a model the catalogue does not know, per provider. Gemini: every current model
# allows 65,536 and it silently stops near 8K when no limit is sent. Anthropic: max_tokens is required;
# 32,000 fits every current Claude model. OpenAI and compatible endpoints: None = send no limit, because
# the API then allows the model's own maximum and a too-large explicit value is refused.
DEFAULT_MAX_OUTPUT_TOKENS: dict[str, int | None] = {"gemini": 65_536, "anthropic": 32_000, "openai": None}


def known_models() -> list[ModelInfo]:
    """Every catalogued model, grouped by provider."""
    return list(_KNOWN)


def model_info(model_id: str) -> ModelInfo | None:
    """The catalogue entry for `provider:model`, or None for a model we do not know."""
    for info in _KNOWN:
        if info.model_id == model_id:
            return info
    return None


# Providers whose every model we send to takes images; behind other endpoints (OpenRouter, Ollama, vLLM, ...) a
# text-only model refuses a request with an image, so images go only where the catalogue says they are taken.
_IMAGE_PROVIDERS = frozenset({"gemini", "openai", "anthropic"})


def accepts_images(model_id: str) -> bool:
    """Whether this model takes images on a user turn: the catalogue's word, else its provider's."""
    info = model_info(model_id)
    if info is not None:
        return info.supports_images
    return model_id.partition(":")[0] in _IMAGE_PROVIDERS


def default_max_output_tokens(provider: str, model: str) -> int | None:
    """What to send as the output limit when the user set none: the model's maximum, else a provider default."""
    info = model_info(f"{provider}:{model}")
    if info is not None:
        return info.max_output_tokens
    return DEFAULT_MAX_OUTPUT_TOKENS.get(provider)


def refused_options(model_id: str, request: GenerationRequest) -> tuple[str, ...]:
    """Options set in `request` that the catalogue says this model's API refuses (never sent)."""
    info = model_info(model_id)
    if info is None:  # a model we do not know: send what the user asked and let the API answer
        return ()
    refused: list[str] = []
    if request.temperature is not None and not info.supports_temperature:
        refused.append("temperature")
    if request.thinking != "default" and not info.supports_thinking:
        refused.append("thinking")
    return tuple(refused)


def accepted_request(model_id: str, request: GenerationRequest) -> GenerationRequest:
    """`request` without the options this model refuses: what every adapter is handed (CLI, dashboard, judge)."""
    refused = refused_options(model_id, request)
    if not refused:
        return request
    return replace(
        request,
        temperature=None if "temperature" in refused else request.temperature,
        thinking="default" if "thinking" in refused else request.thinking,
    )
