"""The providers' own batch engines (half price, results within 24 hours) behind one small interface."""

from __future__ import annotations

from canvasbench.errors import UsageError
from canvasbench.providers.batch.job import BatchEngine, BatchItem, JobStatus

__all__ = ["BATCH_PROVIDERS", "BatchEngine", "BatchItem", "JobStatus", "engine_for"]

BATCH_PROVIDERS = ("gemini", "openai", "anthropic")  # OpenAI-compatible endpoints have no batch API


def engine_for(provider: str) -> BatchEngine:
    """The batch engine of a provider, or a UsageError saying it has none."""
    if provider == "openai":
        from canvasbench.providers.batch.openai_batch import OpenAIBatches

        return OpenAIBatches()
    if provider == "anthropic":
        from canvasbench.providers.batch.anthropic_batch import AnthropicBatches

        return AnthropicBatches()
    if provider == "gemini":
        from canvasbench.providers.batch.gemini_batch import GeminiBatches

        return GeminiBatches()
    raise UsageError(
        f"'{provider}' has no batch API (only {', '.join(BATCH_PROVIDERS)} do): drop its models from a --batch "
        "sweep, or pass --batch-or-stream to stream them instead."
    )
