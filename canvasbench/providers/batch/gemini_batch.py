"""The Gemini API's Batch Mode (client.batches): inline requests, results inline in request order."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from google import genai
from google.genai import types

from canvasbench.errors import MissingKeyError
from canvasbench.providers import base
from canvasbench.providers.batch.job import BatchItem, JobState, JobStatus, item_from_events
from canvasbench.providers.failures import env_key
from canvasbench.providers.gemini_adapter import BASE_URL_ENV, KEY_ENV_VARS, contents, events_of, generation_config

_STATES: dict[str, JobState] = {
    "JOB_STATE_PENDING": "running", "JOB_STATE_RUNNING": "running", "JOB_STATE_QUEUED": "running",
    "JOB_STATE_SUCCEEDED": "ended", "JOB_STATE_FAILED": "failed", "JOB_STATE_CANCELLED": "cancelled",
    "JOB_STATE_EXPIRED": "expired", "JOB_STATE_CANCELLING": "running",
}  # fmt: skip


class GeminiBatches:
    """Submit, poll, read and cancel Gemini batch jobs (one per model: a job names its model)."""

    name = "gemini"

    def _client(self) -> genai.Client:
        key = env_key(KEY_ENV_VARS)
        if not key:
            raise MissingKeyError(self.name, KEY_ENV_VARS)
        options = types.HttpOptions(
            base_url=os.environ.get(BASE_URL_ENV, "").strip() or None,
            api_version=os.environ.get("GOOGLE_GENAI_API_VERSION") or "v1beta",
        )
        return genai.Client(api_key=key, http_options=options)

    def submit(self, requests: Sequence[tuple[str, base.GenerationRequest]], label: str) -> str:
        """One job of inline requests (the sweep splits by model first); each keeps its custom id as metadata."""
        models = {req.model for _, req in requests}
        if len(models) != 1:
            raise ValueError("A Gemini batch job runs one model: submit one job per model.")
        inline = [
            types.InlinedRequest(contents=contents(req), config=generation_config(req), metadata={"key": cid})
            for cid, req in requests
        ]
        with self._client() as client:
            job = client.batches.create(model=models.pop(), src=inline, config={"display_name": label})
        assert job.name is not None
        return job.name

    def status(self, job_id: str) -> JobStatus:
        """The job's state (JOB_STATE_*)."""
        with self._client() as client:
            job = client.batches.get(name=job_id)
        raw = str(job.state.value if job.state is not None else "JOB_STATE_UNSPECIFIED")
        error = job.error.message if job.error is not None else None
        return JobStatus(_STATES.get(raw, "running"), raw, error=error)

    def results(self, job_id: str) -> Iterator[BatchItem]:
        """Each inline response, matched by its metadata key (the request order is kept too)."""
        with self._client() as client:
            job = client.batches.get(name=job_id)
        responses = (job.dest.inlined_responses if job.dest is not None else None) or []
        for response in responses:
            custom_id = str((response.metadata or {}).get("key", ""))
            if response.error is not None:
                yield BatchItem(custom_id, error=f"{response.error.code or ''} {response.error.message or ''}".strip())
            elif response.response is not None:
                yield item_from_events(custom_id, events_of(response.response))

    def cancel(self, job_id: str) -> None:
        """Ask Google to cancel the job."""
        with self._client() as client:
            client.batches.cancel(name=job_id)
