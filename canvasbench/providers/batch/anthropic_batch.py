"""Anthropic Message Batches: up to 100,000 requests, results as unordered JSONL kept 29 days."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import anthropic

from canvasbench.errors import MissingKeyError
from canvasbench.providers import base
from canvasbench.providers.anthropic_adapter import BASE_URL_ENV, KEY_ENV_VARS, normalise_finish, request_params
from canvasbench.providers.batch.job import BatchItem, JobState, JobStatus
from canvasbench.providers.failures import env_key
from canvasbench.providers.tokens import split_output_tokens


class AnthropicBatches:
    """Submit, poll, read and cancel Anthropic message batches."""

    name = "anthropic"

    def _client(self) -> anthropic.Anthropic:
        key = env_key(KEY_ENV_VARS)
        if not key:
            raise MissingKeyError(self.name, KEY_ENV_VARS)
        return anthropic.Anthropic(
            api_key=key, base_url=os.environ.get(BASE_URL_ENV, "").strip() or None, max_retries=3
        )

    def submit(self, requests: Sequence[tuple[str, base.GenerationRequest]], label: str) -> str:
        """One batch holding every request, each under its custom id."""
        with self._client() as client:
            job = client.messages.batches.create(
                requests=[{"custom_id": cid, "params": request_params(req)} for cid, req in requests]  # type: ignore[typeddict-item]
            )
        return job.id

    def find(self, label: str, since: float) -> str | None:
        """None: a message batch carries no label or metadata to tell ours from another by before it ends."""
        return None

    def status(self, job_id: str) -> JobStatus:
        """in_progress / canceling / ended, with the request counts."""
        with self._client() as client:
            job = client.messages.batches.retrieve(job_id)
        counts = job.request_counts
        finished = counts.succeeded + counts.errored + counts.canceled + counts.expired
        ended = job.processing_status == "ended"
        state: JobState = (
            "running" if not ended else "cancelled" if job.cancel_initiated_at and not counts.succeeded else "ended"
        )
        return JobStatus(
            state, job.processing_status, total=finished + counts.processing, done=finished,
            failed=counts.errored + counts.expired + counts.canceled,
        )  # fmt: skip

    def results(self, job_id: str) -> Iterator[BatchItem]:
        """Every request's result from the results file."""
        with self._client() as client:
            for line in client.messages.batches.results(job_id):
                yield _item(line)

    def cancel(self, job_id: str) -> None:
        """Ask Anthropic to cancel: requests not yet run end as canceled."""
        with self._client() as client:
            client.messages.batches.cancel(job_id)


def _item(line: Any) -> BatchItem:
    result = line.result
    kind = result.type
    if kind == "expired":
        return BatchItem(
            line.custom_id, error="The batch's 24-hour window closed before this request ran.", expired=True
        )
    if kind == "canceled":
        return BatchItem(line.custom_id, error="Cancelled before it ran.", cancelled=True)
    if kind == "errored":
        error = getattr(getattr(result, "error", None), "error", None)
        message = getattr(error, "message", None) or str(result.error)
        return BatchItem(line.custom_id, error=f"{getattr(error, 'type', 'error')}: {message}")
    message = result.message
    text = "".join(b.text for b in message.content if b.type == "text")
    thinking = "".join(b.thinking for b in message.content if b.type == "thinking")
    usage = message.usage
    read = usage.cache_read_input_tokens or 0
    written = usage.cache_creation_input_tokens or 0
    details = getattr(usage, "output_tokens_details", None)
    reported = getattr(details, "thinking_tokens", None) if details is not None else None
    total = usage.output_tokens or 0
    if reported is not None:
        output, thought = total - reported, reported
    else:  # no breakdown: split the inclusive total by the share of thinking characters, as streams do
        output, thought = split_output_tokens(total, len(thinking), len(text))
    item = BatchItem(line.custom_id, text=text, reasoning=thinking)
    item.usage = base.Usage(usage.input_tokens + read + written, output, thought, read, written)
    if message.stop_reason:
        item.raw_finish = str(message.stop_reason)
        item.finish = normalise_finish(item.raw_finish)
    return item
