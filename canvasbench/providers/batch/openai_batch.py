"""OpenAI's Batch API: a JSONL file of chat completion requests, uploaded with purpose="batch"."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion

from canvasbench.errors import MissingKeyError
from canvasbench.providers import base
from canvasbench.providers.batch.job import BatchItem, JobState, JobStatus
from canvasbench.providers.failures import env_key
from canvasbench.providers.openai_adapter import (
    BASE_URL_ENV,
    KEY_ENV_VARS,
    OpenAICompatibleProvider,
    normalise_finish,
    usage_of,
)

ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
_STATES: dict[str, JobState] = {
    "validating": "running", "in_progress": "running", "finalizing": "running", "cancelling": "running",
    "completed": "ended", "failed": "failed", "expired": "expired", "cancelled": "cancelled",
}  # fmt: skip
_DEAD = ("failed", "expired", "cancelling", "cancelled")  # a job in these never answers: it is not adopted


class OpenAIBatches:
    """Submit, poll, read and cancel OpenAI batches."""

    name = "openai"

    def _client(self) -> openai.OpenAI:
        key = env_key(KEY_ENV_VARS)
        if not key:
            raise MissingKeyError(self.name, KEY_ENV_VARS)
        return openai.OpenAI(api_key=key, base_url=os.environ.get(BASE_URL_ENV, "").strip() or None, max_retries=3)

    def submit(self, requests: Sequence[tuple[str, base.GenerationRequest]], label: str) -> str:
        """Upload the requests as one JSONL file and start a batch on it."""
        adapter = OpenAICompatibleProvider()
        lines = [
            json.dumps({"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": adapter.request_params(req)})
            for cid, req in requests
        ]
        with self._client() as client:
            upload = client.files.create(file=("batch.jsonl", "\n".join(lines).encode()), purpose="batch")
            job = client.batches.create(
                input_file_id=upload.id, endpoint=ENDPOINT, completion_window="24h", metadata={"canvasbench": label}
            )
        return job.id

    def find(self, label: str, since: float) -> str | None:
        """A batch carrying this label in its metadata, created since then and not ended in failure (newest first)."""
        with self._client() as client:
            for job in client.batches.list(limit=100):
                if job.created_at < since:
                    return None
                if (job.metadata or {}).get("canvasbench") == label and job.status not in _DEAD:
                    return job.id
        return None

    def status(self, job_id: str) -> JobStatus:
        """The batch's status and request counts."""
        with self._client() as client:
            job = client.batches.retrieve(job_id)
        counts = job.request_counts
        errors = "; ".join(e.message or e.code or "" for e in (job.errors.data or [])) if job.errors else None
        return JobStatus(
            _STATES.get(job.status, "running"), job.status,
            total=counts.total if counts else None,
            done=(counts.completed + counts.failed) if counts else None,
            failed=counts.failed if counts else None,
            error=errors or None,
        )  # fmt: skip

    def results(self, job_id: str) -> Iterator[BatchItem]:
        """Every line of the output file, then of the error file (per-request failures and expiries)."""
        with self._client() as client:
            job = client.batches.retrieve(job_id)
            for file_id in (job.output_file_id, job.error_file_id):
                if file_id:
                    # A job's file can be gigabytes: spooled to an unnamed 0600 temporary file as it arrives
                    # and read back a line at a time, so memory holds one result and the connection is not
                    # kept open while each result is stored. Lines end at b"\n" only, as JSONL's do.
                    with tempfile.TemporaryFile() as spool:
                        with client.files.with_streaming_response.content(file_id) as response:
                            for chunk in response.iter_bytes():
                                spool.write(chunk)
                        spool.seek(0)
                        for line in spool:
                            if line.strip():
                                yield _item(json.loads(line))

    def cancel(self, job_id: str) -> None:
        """Ask OpenAI to cancel the batch (requests already done keep their results)."""
        with self._client() as client:
            client.batches.cancel(job_id)


def _item(line: dict[str, Any]) -> BatchItem:
    custom_id = str(line.get("custom_id"))
    error = line.get("error")
    response = line.get("response") or {}
    body = response.get("body") or {}
    if error or response.get("status_code") != 200:
        detail = error or body.get("error") or {}
        code = str(detail.get("code") or "")
        message = str(detail.get("message") or f"HTTP {response.get('status_code')}")
        status = response.get("status_code")
        return BatchItem(
            custom_id, error=f"{status} {message}" if status else message,
            expired=code == "batch_expired", cancelled=code == "batch_cancelled",
        )  # fmt: skip
    completion = ChatCompletion.model_validate(body)
    choice = completion.choices[0] if completion.choices else None
    text = (choice.message.content or choice.message.refusal or "") if choice else ""
    extra = (choice.message.model_extra or {}) if choice else {}
    reasoning = str(extra.get("reasoning_content") or extra.get("reasoning") or "")
    item = BatchItem(custom_id, text=text, reasoning=reasoning)
    if completion.usage is not None:
        item.usage = usage_of(completion.usage, len(reasoning), len(text))
    if choice is not None and choice.finish_reason:
        item.raw_finish = str(choice.finish_reason)
        item.finish = "refusal" if choice.message.refusal else normalise_finish(item.raw_finish)
    return item
