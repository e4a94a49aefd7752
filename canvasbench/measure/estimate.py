"""Before launch: a cost estimate per model from the prompt's size and the model's typical output, and the
share of its context window the prompt takes."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from canvasbench.measure.pricing import Price, cost_usd, find_price
from canvasbench.providers.base import Usage
from canvasbench.store import RunStore, reads

# Context windows (input + output tokens) of the catalogued models, as documented by their providers.
CONTEXT_WINDOWS: dict[str, int] = {
    "gemini:gemini-3.1-pro-preview": 1_048_576,
    "gemini:gemini-3-pro-preview": 1_048_576,
    "gemini:gemini-3-flash-preview": 1_048_576,
    "gemini:gemini-2.5-pro": 1_048_576,
    "gemini:gemini-2.5-flash": 1_048_576,
    "gemini:gemini-2.5-flash-lite": 1_048_576,
    "openai:gpt-5.2": 400_000,
    "anthropic:claude-opus-4-6": 200_000,
    "anthropic:claude-sonnet-4-6": 200_000,
    "anthropic:claude-haiku-4-5": 200_000,
}
CHARS_PER_TOKEN = 4.0  # English prose and code average about 4 characters a token across these tokenizers
DEFAULT_OUTPUT_TOKENS = 16_000  # a one-file program of about 1,500 lines, when a model has no history yet
NEAR_CONTEXT_SHARE = 0.8  # warn when the prompt takes this much of the window


@dataclass(frozen=True)
class Estimate:
    """What one model will probably cost for this prompt, and whether the prompt fits its window."""

    model_id: str
    input_tokens: int
    output_tokens: int
    output_from_history: bool  # typical output measured from this database, else the default
    cost_usd: float | None  # None when the price is unknown
    context_window: int | None
    warning: str | None


def prompt_tokens(text: str) -> int:
    """About how many tokens a prompt is (characters / 4, rounded up)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def typical_output(store: RunStore, model_id: str) -> int | None:
    """Median output + thinking tokens of this model's finished runs in the database, or None without any."""
    values = [tokens for tokens in reads.recent_output_tokens(store, model_id, limit=50) if tokens]
    return int(statistics.median(values)) if values else None


def estimate(model_id: str, text: str, prices: dict[str, Price], typical: int | None) -> Estimate:
    """The estimate for one model: prompt tokens at its input price plus its typical output at its output price."""
    input_tokens = prompt_tokens(text)
    output_tokens = typical if typical is not None else DEFAULT_OUTPUT_TOKENS
    price = find_price(model_id, prices)
    cost = cost_usd(price, Usage(input_tokens=input_tokens, output_tokens=output_tokens)) if price else None
    window = CONTEXT_WINDOWS.get(model_id)
    warning = None
    if window is not None:
        if input_tokens >= window:
            warning = (
                f"The prompt is about {input_tokens:,} tokens, more than {model_id}'s context window of "
                f"{window:,}: the provider will refuse it. Shorten the prompt or pick a model with a larger window."
            )
        elif input_tokens >= window * NEAR_CONTEXT_SHARE:
            warning = (
                f"The prompt is about {input_tokens:,} tokens, {input_tokens / window:.0%} of {model_id}'s context "
                f"window ({window:,}): little room is left for the answer, which may be cut off."
            )
    return Estimate(model_id, input_tokens, output_tokens, typical is not None, cost, window, warning)
