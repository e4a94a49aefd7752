"""Provider adapters (Gemini, OpenAI and compatible endpoints, Anthropic), the registry and generate()."""

from __future__ import annotations

from canvasbench.providers.base import GenerationRequest, GenerationResult, Progress, Usage
from canvasbench.providers.catalogue import ModelInfo, known_models, model_info
from canvasbench.providers.generate import StreamSettings, generate
from canvasbench.providers.registry import (
    KeyStatus,
    ensure_ready,
    get_provider,
    key_status,
    parse_model_id,
    provider_names,
    register_provider,
)

__all__ = [
    "GenerationRequest",
    "GenerationResult",
    "KeyStatus",
    "ModelInfo",
    "Progress",
    "StreamSettings",
    "Usage",
    "ensure_ready",
    "generate",
    "get_provider",
    "key_status",
    "known_models",
    "model_info",
    "parse_model_id",
    "provider_names",
    "register_provider",
]
