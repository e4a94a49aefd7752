"""The Gemini API's Batch Mode (client.batches): inline requests, or an uploaded JSONL file past 20 MB."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

from google import genai
from google.genai import types

from canvasbench.errors import MissingKeyError, ProviderError
from canvasbench.providers import base
from canvasbench.providers.batch.job import BatchItem, JobState, JobStatus, item_from_events
from canvasbench.providers.failures import env_key
from canvasbench.providers.gemini_adapter import BASE_URL_ENV, KEY_ENV_VARS, contents, events_of, generation_config

# Google takes inline requests up to 20 MB per batch request; kept under it for the envelope around them.
INLINE_LIMIT_BYTES = 19_500_000
INLINE_LIMIT_ENV = "CANVASBENCH_GEMINI_BATCH_INLINE_BYTES"  # lowered by tests so their files stay small
JSONL_MIME = "application/jsonl"

_STATES: dict[str, JobState] = {
    "JOB_STATE_PENDING": "running", "JOB_STATE_RUNNING": "running", "JOB_STATE_QUEUED": "running",
    "JOB_STATE_SUCCEEDED": "ended", "JOB_STATE_FAILED": "failed", "JOB_STATE_CANCELLED": "cancelled",
    "JOB_STATE_EXPIRED": "expired", "JOB_STATE_CANCELLING": "running",
}  # fmt: skip
# The key of a damaged line, only where a line starts with it: a "key" deeper in a damaged line could name
# another request, whose own result would then be skipped as already read.
_KEY = re.compile(rb'\s*\{\s*"key"\s*:\s*"((?:[^"\\]|\\.)*)"')


class GeminiBatches:
    """Submit, poll, read and cancel Gemini batch jobs (one per model: a job names its model)."""

    name = "gemini"

    def __init__(self, inline_limit: int | None = None) -> None:
        configured = os.environ.get(INLINE_LIMIT_ENV, "").strip()
        self.inline_limit = inline_limit or (int(configured) if configured.isdigit() else INLINE_LIMIT_BYTES)

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
        """One job (the sweep splits by model first): inline requests, or a JSONL file when they pass the limit."""
        models = {req.model for _, req in requests}
        if len(models) != 1:
            raise ValueError("A Gemini batch job runs one model: submit one job per model.")
        model = models.pop()
        # The file is written first, a request at a time, so its size is known without holding every
        # request serialised at once (repair rounds carry a 2,000-line answer and screenshots per request).
        # Unnamed (O_TMPFILE or unlinked at once), 0600, gone when closed.
        with tempfile.TemporaryFile() as spool:
            size = _write_jsonl(spool, requests)
            with self._client() as client:
                if size <= self.inline_limit:
                    inline = [
                        types.InlinedRequest(
                            contents=contents(req), config=generation_config(req), metadata={"key": cid}
                        )
                        for cid, req in requests
                    ]
                    job = client.batches.create(model=model, src=inline, config={"display_name": label})
                else:
                    spool.seek(0)
                    upload = client.files.upload(
                        file=spool, config={"mime_type": JSONL_MIME, "display_name": label[:128]}
                    )
                    assert upload.name is not None
                    job = client.batches.create(model=model, src=upload.name, config={"display_name": label})
        assert job.name is not None
        return job.name

    def find(self, label: str, since: float) -> str | None:
        """None for now: jobs carry the label as display_name, but finding one is not built (see batch_rounds)."""
        return None

    def status(self, job_id: str) -> JobStatus:
        """The job's state (JOB_STATE_*)."""
        with self._client() as client:
            job = client.batches.get(name=job_id)
        raw = str(job.state.value if job.state is not None else "JOB_STATE_UNSPECIFIED")
        error = job.error.message if job.error is not None else None
        return JobStatus(_STATES.get(raw, "running"), raw, error=error)

    def results(self, job_id: str) -> Iterator[BatchItem]:
        """Each response, matched by its key: inline (in request order), or a line of the results file."""
        # A results file can be gigabytes: spooled to an unnamed 0600 temporary file as it arrives and read
        # back a line at a time once the client is closed, so memory holds one result and no connection stays
        # open while each is stored. Downloaded whole on every read, so reading again gives the same items.
        with tempfile.TemporaryFile() as spool:
            with self._client() as client:
                job = client.batches.get(name=job_id)
                file_name = job.dest.file_name if job.dest is not None else None
                if file_name:
                    try:
                        client.files.download(file=file_name, destination=spool)
                    except Exception as exc:  # any failure of the download: nothing of this job is stored yet
                        raise ProviderError(
                            f"the results file of batch job {job_id} could not be downloaded ({exc}); nothing "
                            "was stored from it. Run 'canvasbench batches' again to read it.",
                            provider=self.name, model=(job.model or "").removeprefix("models/"), retryable=True,
                        ) from exc  # fmt: skip
            if file_name:
                spool.seek(0)
                for line in spool:
                    item = _file_item(line) if line.strip() else None
                    if item is not None:
                        yield item
                return
        for response in (job.dest.inlined_responses if job.dest is not None else None) or []:
            custom_id = str((response.metadata or {}).get("key", ""))
            if response.error is not None:
                yield BatchItem(custom_id, error=_message(response.error.code, response.error.message))
            elif response.response is not None:
                yield item_from_events(custom_id, events_of(response.response))

    def cancel(self, job_id: str) -> None:
        """Ask Google to cancel the job."""
        with self._client() as client:
            client.batches.cancel(name=job_id)


def _write_jsonl(spool: IO[bytes], requests: Sequence[tuple[str, base.GenerationRequest]]) -> int:
    """Write one `{"key", "request"}` line per request (Google's batch input file format); the bytes written."""
    size = 0
    for cid, req in requests:
        line = json.dumps({"key": cid, "request": wire_request(req)}, separators=(",", ":")).encode() + b"\n"
        spool.write(line)
        size += len(line)
    spool.flush()
    return size


def wire_request(req: base.GenerationRequest) -> dict[str, Any]:
    """A GenerateContentRequest as the REST API reads it (camelCase, images as base64): what inline sends."""
    return {
        "contents": [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in contents(req)],
        "generationConfig": generation_config(req).model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def _file_item(line: bytes) -> BatchItem | None:
    """One results-file line as its request's result; a line that cannot be read fails its request only."""
    try:
        record = json.loads(line)
        custom_id = str(record["key"])
        if record.get("response") is not None:
            # As the SDK reads a response: fields it does not know yet (Google adds some) are dropped, not refused.
            response = types.GenerateContentResponse._from_response(response=record["response"], kwargs={})
            return item_from_events(custom_id, events_of(response))
        error = record.get("error") or record.get("status") or {}
        return BatchItem(custom_id, error=_message(error.get("code"), error.get("message")) or "no result given")
    except Exception as exc:  # any damage to a line must not lose the results around it
        found = _KEY.match(line)
        if found is None:  # no key to match: its run ends as "ended without a result for this request"
            return None
        custom_id = json.loads(b'"' + found.group(1) + b'"')
        return BatchItem(custom_id, error=f"Google's results file held an unreadable line for this request "
                                          f"({type(exc).__name__}); run it again.")  # fmt: skip


def _message(code: object, message: object) -> str:
    return f"{code or ''} {message or ''}".strip()
