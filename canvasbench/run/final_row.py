"""The one function that turns a finished generation into its run's final row: metrics, artifact, cost."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

from canvasbench.errors import CanvasBenchError
from canvasbench.measure.analysis import ResponseAnalysis
from canvasbench.measure.pricing import Price, price_of
from canvasbench.providers.base import GenerationResult, Usage
from canvasbench.redact import redact
from canvasbench.store import utc_now

log = logging.getLogger(__name__)


def final_row(
    model_id: str,
    result: GenerationResult,
    analysis: ResponseAnalysis,
    *,
    timeline: list[list[float | int]],
    finished_at: str,
    batch: bool = False,
    prices: dict[str, Price] | None = None,
) -> dict[str, Any]:
    """Every column a finished run writes in its last transaction, from the result, the analysis and the price.

    `lines`/`code_lines`/`chars` are the extracted artifact's (the raw response's line count is
    `response_lines`); cost and price are NULL when the price is unknown.
    """
    usage = result.usage
    values: dict[str, Any] = {
        "status": result.status,
        "finished_at": finished_at,
        "updated_at": utc_now(),
        "finish_reason": result.finish_reason,
        "raw_finish_reason": result.raw_finish_reason,
        "error": redact(result.error) if result.error else result.error,
        "attempts": result.attempts,
        "first_chunk_s": result.first_chunk_s,
        "ttft_s": result.ttft_s,
        "latency_s": result.latency_s,
        "tokens_per_s": result.tokens_per_s,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "thinking_tokens": usage.thinking_tokens,
        "cached_tokens": usage.cached_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        # What a provider echoed of a key (in any spelling) never reaches the store, the exports or a preview.
        "response": redact(result.text),
        "reasoning": redact(result.reasoning),
        "timeline": json.dumps(timeline),
        "artifact_kind": analysis.kind,
        "artifact": redact(analysis.code) if analysis.code else analysis.code,
        "lines": analysis.lines,
        "code_lines": analysis.code_lines,
        "chars": analysis.chars,
        "response_lines": analysis.response_lines,
        # Cut off by the token limit counts as truncated even when the code happens to look closed.
        "truncated": int(bool(analysis.truncated) or result.finish_reason == "length"),
        "cost_usd": None,
        "price": None,
    }
    if _has_usage(usage):
        try:
            priced = price_of(model_id, usage, prices, batch=batch)
        except CanvasBenchError as exc:  # a broken user price file: the cost is unknown, the run is not lost
            log.warning("canvasbench: no cost for %s: %s", model_id, exc)
            priced = None
        if priced is not None:
            cost, price = priced
            values["cost_usd"] = cost
            values["price"] = json.dumps(asdict(price), sort_keys=True)
    return values


def _has_usage(usage: Usage) -> bool:
    return usage.input_tokens is not None or usage.output_tokens is not None
