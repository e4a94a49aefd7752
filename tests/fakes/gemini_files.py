"""Gemini's Files API as google-genai calls it, and batch jobs made from an uploaded file (part of BatchDesk).

The resumable upload (`POST /upload/v1beta/files` with `X-Goog-Upload-Protocol: resumable` and
`X-Goog-Upload-Command: start`, answered with an `X-Goog-Upload-URL`; then the bytes in chunks, the last
one `upload, finalize`, answered with `X-Goog-Upload-Status: final` and the file), `files.get` and
`files.download` (`GET /v1beta/files/NAME:download?alt=media`). A job made from a file answers its results
as a file of `{"key", "response"}` lines (or per-request errors), made once so reading it again gives the
same lines.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tests.fakes.behaviour import BehaviourError, FakeBehaviour, parse_model_name

if TYPE_CHECKING:
    from tests.fakes.batches import Answer, FakeJob

GeminiAnswer = tuple[int, Any, str, dict[str, str]]  # status, body, content type and response headers


class GeminiFiles:
    """The Gemini file half of BatchDesk: it keeps the uploads, file resources and file-made jobs."""

    # BatchDesk's own, shared with the other protocols (as are its _new_job, _outcomes and _gemini_batch)
    jobs: dict[str, FakeJob]
    files: dict[str, bytes]
    _ids: Iterator[int]

    def _init_gemini_files(self) -> None:
        self.gemini_files: dict[str, dict[str, Any]] = {}  # Gemini file resources by name ("files/...")
        self.gemini_file_jobs: dict[str, str | None] = {}  # a job made from a file -> its results file, once made
        self._uploads: dict[str, tuple[dict[str, Any], bytearray]] = {}  # resumable upload sessions by id

    def _reset_gemini_files(self) -> None:
        self.gemini_files.clear()
        self.gemini_file_jobs.clear()
        self._uploads.clear()

    def _gemini_files(
        self, method: str, path: str, raw: bytes, headers: dict[str, str], query: str
    ) -> GeminiAnswer | None:
        """google-genai's files.upload (start, then upload + finalize), files.get and files.download."""
        if method == "POST" and path in ("/upload/v1beta/files", "/upload/v1/files"):
            command = headers.get("x-goog-upload-command", "")
            if command == "start" and headers.get("x-goog-upload-protocol") == "resumable":
                upload_id = f"upload-{next(self._ids):06d}"
                sent = json.loads(raw or b"{}").get("file") or {}  # the SDK writes snake_case; the API reads both
                meta = {
                    "displayName": sent.get("display_name", sent.get("displayName", "")),
                    "mimeType": headers.get("x-goog-upload-header-content-type", "application/octet-stream"),
                }
                self._uploads[upload_id] = (meta, bytearray())
                url = f"http://{headers.get('host', '127.0.0.1')}{path}?upload_id={upload_id}&upload_protocol=resumable"
                return 200, {}, "application/json", {"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"}
            session = self._uploads.get(dict(p.partition("=")[::2] for p in query.split("&")).get("upload_id", ""))
            if session is None or not command.startswith("upload"):
                return 400, _gemini_error(400, "No such upload session.", "INVALID_ARGUMENT"), "application/json", {
                    "X-Goog-Upload-Status": "final"}  # fmt: skip
            meta, data = session
            if int(headers.get("x-goog-upload-offset", "0")) != len(data):
                return 400, _gemini_error(400, "Upload offset mismatch.", "INVALID_ARGUMENT"), "application/json", {
                    "X-Goog-Upload-Status": "final"}  # fmt: skip
            data += raw
            if "finalize" not in command:
                return 200, {}, "application/json", {"X-Goog-Upload-Status": "active"}
            name = f"files/{next(self._ids):06d}in"
            self._gemini_put(name, bytes(data), meta | {"source": "UPLOADED"})
            return 200, {"file": self.gemini_files[name]}, "application/json", {"X-Goog-Upload-Status": "final"}
        for prefix in ("/v1beta/files/", "/v1/files/", "/download/v1beta/files/", "/download/v1/files/"):
            if method == "GET" and path.startswith(prefix):
                name, _, action = path.removeprefix(prefix).partition(":")
                resource = self.gemini_files.get(f"files/{name}")
                if resource is None:
                    return 404, _gemini_error(404, f"File files/{name} not found.", "NOT_FOUND"), "application/json", {}
                if action != "download":
                    return 200, resource, "application/json", {}
                content = self.files[resource["name"]]
                job = next((self.jobs[j] for j, f in self.gemini_file_jobs.items() if f == resource["name"]), None)
                if job is not None and job.cut_results:  # a download that dies part way: a line, then the cut
                    job.cut_results = False
                    return 200, content.split(b"\n")[0] + b"\n", f"application/jsonl; cut-from={len(content)}", {}
                return 200, content, "application/jsonl", {}
        return None

    def _gemini_put(self, name: str, content: bytes, meta: dict[str, Any]) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.files[name] = content
        self.gemini_files[name] = meta | {
            "name": name, "sizeBytes": str(len(content)), "createTime": stamp, "updateTime": stamp,
            "expirationTime": stamp, "sha256Hash": base64.b64encode(hashlib.sha256(content).digest()).decode(),
            "uri": f"https://generativelanguage.googleapis.com/v1beta/{name}", "state": "ACTIVE",
        }  # fmt: skip

    def _gemini_file_job(self, model: str, file_name: str) -> Answer:
        if file_name not in self.gemini_files:
            return 400, _gemini_error(400, f"File {file_name} not found.", "INVALID_ARGUMENT"), "application/json"
        lines = [json.loads(line) for line in self.files[file_name].splitlines() if line.strip()]
        job = self._new_job("gemini", "batches/", [(str(r["key"]), model, r["request"]) for r in lines])
        self.gemini_file_jobs[job.id] = None
        return 200, self._gemini_batch(job, model), "application/json"

    def _gemini_results_file(self, job: FakeJob) -> str:
        """The job's results file, made once (re-reading it gives the same lines), in no particular order.

        Each line is `{"key", "response"}` or a per-request error: `{"key", "error"}` for a status fault,
        `{"key", "status"}` (a google.rpc.Status) for `batch=error_first`; `batch=broken_first` cuts the
        first request's line in half and `batch=cut_results` cuts the first download short.
        """
        made = self.gemini_file_jobs[job.id]
        if made is not None:
            return made
        behaviour = _job_behaviour(job)
        lines = []
        for index, (cid, kind, answer, error) in enumerate(self._outcomes(job)):
            if index == 0 and behaviour.batch == "error_first":
                record: dict[str, Any] = {"key": cid, "status": {"code": 13, "message": "Internal error (fake)."}}
            elif kind == "ok":
                record = {"key": cid, "response": answer}
            else:
                expired = {"code": 4, "message": "Deadline expired before the request ran."}
                detail = (error or {}).get("error") or expired
                record = {"key": cid, "error": {k: detail.get(k) for k in ("code", "message", "status")}}
            line = json.dumps(record)
            lines.append(line[: len(line) // 2] if index == 0 and behaviour.batch == "broken_first" else line)
        name = f"files/batch-{job.id.removeprefix('batches/')}-results"
        self._gemini_put(name, ("\n".join(reversed(lines)) + "\n").encode(),
                         {"mimeType": "application/jsonl", "source": "GENERATED", "downloadUri": name})  # fmt: skip
        self.gemini_file_jobs[job.id] = name
        return name


def _gemini_error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def _job_behaviour(job: FakeJob) -> FakeBehaviour:
    """What the job's model name asks for (a Gemini job runs one model)."""
    try:
        return parse_model_name(job.requests[0][1]) if job.requests else FakeBehaviour()
    except BehaviourError:
        return FakeBehaviour()
