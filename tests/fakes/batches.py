"""The three providers' batch APIs as their SDKs call them: create, poll, cancel, results, OpenAI's files.

A job ends after the largest `batch_polls` of its requests' model names (polls, not seconds: deterministic
on any machine). Each request is answered as the same model name answers a plain request (`rounds=` by
the round its conversation is): a status fault becomes that request's own error, `batch=expire` expires
it, `batch=fail_job` fails the whole job (`batch=fail_followup`: only a job of later rounds). `jobs` keeps
every request body as received.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.behaviour import BehaviourError, FakeBehaviour, parse_model_name
from tests.fakes.conversation import model_turns, received_turns
from tests.fakes.gemini_files import GeminiAnswer, GeminiFiles
from tests.fakes.protocols import complete_json, error_body

Answer = tuple[int, Any, str]  # status, body (JSON-able or bytes), content type


@dataclass
class FakeJob:
    """One batch job and what it holds."""

    protocol: str
    id: str
    requests: list[tuple[str, str, dict[str, Any]]]  # (custom id, model, request body)
    polls_left: int
    fail_job: bool
    created: int = field(default_factory=lambda: int(time.time()))
    cancelled: bool = False
    polls: int = 0
    cut_results: bool = False  # the first results download stops after one line (then the connection drops)
    metadata: dict[str, Any] | None = None  # OpenAI's, as created (the batch list shows it)

    @property
    def ended(self) -> bool:
        return self.cancelled or self.polls_left <= 0


class BatchDesk(GeminiFiles):
    """Every batch job of one fake server (the server's lock guards it)."""

    def __init__(self) -> None:
        self.jobs: dict[str, FakeJob] = {}
        self.files: dict[str, bytes] = {}
        self._init_gemini_files()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        # A test arms `hold_download`: the next OpenAI file download waits for it (off the server's loop) after
        # setting `download_held`, so another reader can run meanwhile (two processes reading one job).
        self.hold_download: threading.Event | None = None
        self.download_held = threading.Event()
        # `hold_create` likewise holds the next OpenAI batch creation (a submit that is slow to answer).
        self.hold_create: threading.Event | None = None
        self.create_held = threading.Event()

    def reset(self) -> None:
        """Forget every job and file."""
        with self._lock:
            self.jobs.clear()
            self.files.clear()
            self.hold_download = None
            self.download_held.clear()
            self.hold_create = None
            self.create_held.clear()
            self._reset_gemini_files()

    def handle(
        self, method: str, path: str, body: Any, raw: bytes, headers: dict[str, str], query: str = ""
    ) -> Answer | GeminiAnswer | None:
        """The answer to a batch call, or None when the request is not one."""
        with self._lock:
            return (
                self._openai(method, path, body, raw, headers)
                or self._anthropic(method, path, body)
                or self._gemini_files(method, path, raw, headers, query)
                or self._gemini(method, path, body)
            )

    def take_hold(self, method: str, path: str) -> threading.Event | None:
        """The armed hold, once, for an OpenAI file download (its content) or batch creation, else None."""
        with self._lock:
            if self.hold_create is not None and method == "POST" and path == "/v1/batches":
                hold, self.hold_create = self.hold_create, None
                self.create_held.set()
                return hold
            if self.hold_download is None or method != "GET" or not path.endswith("/content"):
                return None
            hold, self.hold_download = self.hold_download, None
            self.download_held.set()
            return hold

    # --- shared -------------------------------------------------------------------------------------
    def _new_job(self, protocol: str, prefix: str, requests: list[tuple[str, str, dict[str, Any]]]) -> FakeJob:
        behaviours = [_behaviour(model) for _, model, _ in requests]
        follow_up = any(model_turns(received_turns(protocol, body)) for _, _, body in requests)
        job = FakeJob(
            protocol, f"{prefix}{next(self._ids):06d}", requests,
            polls_left=max((b.batch_polls for b in behaviours), default=1),
            fail_job=any(b.batch == "fail_job" or (b.batch == "fail_followup" and follow_up) for b in behaviours),
            cut_results=any(b.batch == "cut_results" for b in behaviours),
        )  # fmt: skip
        self.jobs[job.id] = job
        return job

    def _poll(self, job: FakeJob) -> None:
        job.polls += 1
        if not job.ended:
            job.polls_left -= 1

    def _outcomes(self, job: FakeJob) -> list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]]:
        """(custom id, kind, answer body, error body) per request: kind ok / error / expired / cancelled."""
        out: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]] = []
        for custom_id, model, request in job.requests:
            # A conversation's round picks the answer (`rounds=`), as for a streamed request.
            behaviour = _behaviour(model).for_round(model_turns(received_turns(job.protocol, request)))
            status = behaviour.status_fault()
            if job.cancelled:
                out.append((custom_id, "cancelled", None, None))
            elif behaviour.batch == "expire":
                out.append((custom_id, "expired", None, None))
            elif status is not None:
                out.append(
                    (custom_id, "error", None, error_body(job.protocol, status[0], model) | {"status": status[0]})
                )
            else:
                out.append((custom_id, "ok", complete_json(job.protocol, model, behaviour, request), None))
        return out

    # --- OpenAI: files + batches ----------------------------------------------------------------------
    def _openai(self, method: str, path: str, body: Any, raw: bytes, headers: dict[str, str]) -> Answer | None:
        if method == "POST" and path == "/v1/files":
            content = _multipart_file(raw, headers.get("content-type", ""))
            file_id = f"file-{next(self._ids):06d}"
            self.files[file_id] = content
            return (
                200,
                {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(content),
                    "created_at": int(time.time()),
                    "filename": "batch.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                },
                "application/json",
            )
        if method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
            file_id = path.split("/")[3]
            if file_id not in self.files:
                return (
                    404,
                    {"error": {"message": f"No such file {file_id}", "type": "invalid_request_error"}},
                    "application/json",
                )
            return 200, self.files[file_id], "application/octet-stream"
        if method == "POST" and path == "/v1/batches":
            lines = [
                json.loads(line) for line in self.files.get(body["input_file_id"], b"").splitlines() if line.strip()
            ]
            job = self._new_job("openai", "batch_", [(r["custom_id"], r["body"]["model"], r["body"]) for r in lines])
            job.metadata = body.get("metadata")
            return 200, self._openai_batch(job, body), "application/json"
        if method == "GET" and path == "/v1/batches":  # newest first, one page
            listed = [self._openai_batch(j, {}) for j in reversed(self.jobs.values()) if j.protocol == "openai"]
            first, last = (listed[0]["id"], listed[-1]["id"]) if listed else (None, None)
            page = {"object": "list", "data": listed, "first_id": first, "last_id": last, "has_more": False}
            return 200, page, "application/json"
        if path.startswith("/v1/batches/"):
            parts = path.split("/")
            job = self.jobs.get(parts[3])
            if job is None:
                return 404, {"error": {"message": "No such batch", "type": "invalid_request_error"}}, "application/json"
            if method == "POST" and parts[-1] == "cancel":
                job.cancelled = True
            elif method == "GET":
                self._poll(job)
            return 200, self._openai_batch(job, {}), "application/json"
        return None

    def _openai_batch(self, job: FakeJob, body: dict[str, Any]) -> dict[str, Any]:
        status = "in_progress"
        output_id = error_id = None
        outcomes = self._outcomes(job) if job.ended else []
        if job.ended and job.fail_job:
            status = "failed"
        elif job.ended:
            status = "cancelled" if job.cancelled else "completed"
            ok = [json.dumps({"id": f"batch_req_{cid}", "custom_id": cid, "error": None,
                              "response": {"status_code": 200, "request_id": f"req_{cid}", "body": answer}})
                  for cid, kind, answer, _ in outcomes if kind == "ok"]  # fmt: skip
            bad = []
            for cid, kind, _, error in outcomes:
                if kind == "error" and error is not None:
                    code = error.pop("status")
                    bad.append(
                        {
                            "id": f"batch_req_{cid}",
                            "custom_id": cid,
                            "error": None,
                            "response": {"status_code": code, "request_id": f"req_{cid}", "body": error},
                        }
                    )
                elif kind in ("expired", "cancelled"):
                    code = "batch_expired" if kind == "expired" else "batch_cancelled"
                    message = (
                        "This request could not be executed before the completion window expired."
                        if kind == "expired"
                        else "This request was cancelled."
                    )
                    bad.append(
                        {
                            "id": f"batch_req_{cid}",
                            "custom_id": cid,
                            "response": None,
                            "error": {"code": code, "message": message},
                        }
                    )
            if ok:
                output_id = f"file-out-{job.id}"
                self.files[output_id] = "\n".join(ok).encode() + b"\n"
            if bad:
                error_id = f"file-err-{job.id}"
                self.files[error_id] = "\n".join(json.dumps(b) for b in bad).encode() + b"\n"
        failed = sum(kind != "ok" for _, kind, _, _ in outcomes)
        return {
            "id": job.id, "object": "batch", "endpoint": "/v1/chat/completions",
            "errors": {"object": "list", "data": [{"code": "server_error", "message": "The batch failed (fake)."}]}
            if status == "failed" else None,
            "input_file_id": body.get("input_file_id", "file-in"), "completion_window": "24h", "status": status,
            "output_file_id": output_id, "error_file_id": error_id, "created_at": job.created,
            "request_counts": {"total": len(job.requests), "completed": len(outcomes) - failed, "failed": failed},
            "metadata": job.metadata,
        }  # fmt: skip

    # --- Anthropic: message batches -------------------------------------------------------------------
    def _anthropic(self, method: str, path: str, body: Any) -> Answer | None:
        if not path.startswith("/v1/messages/batches"):
            return None
        if method == "POST" and path.rstrip("/") == "/v1/messages/batches":
            job = self._new_job("anthropic", "msgbatch_", [(r["custom_id"], r["params"]["model"], r["params"])
                                                         for r in body["requests"]])  # fmt: skip
            return 200, self._anthropic_batch(job), "application/json"
        parts = path.split("/")
        job = self.jobs.get(parts[4]) if len(parts) > 4 else None
        if job is None:
            return (
                404,
                {"type": "error", "error": {"type": "not_found_error", "message": "No such batch"}},
                "application/json",
            )
        if method == "POST" and parts[-1] == "cancel":
            job.cancelled = True
            return 200, self._anthropic_batch(job), "application/json"
        if method == "GET" and parts[-1] == "results":
            lines: list[str] = []
            for cid, kind, answer, error in reversed(self._outcomes(job)):  # unordered, as documented
                if kind == "ok":
                    result: dict[str, Any] = {"type": "succeeded", "message": answer}
                elif kind == "error" and error is not None:
                    error.pop("status")
                    result = {"type": "errored", "error": error}
                else:
                    result = {"type": "expired" if kind == "expired" else "canceled"}
                lines.append(json.dumps({"custom_id": cid, "result": result}))
            body = ("\n".join(lines) + "\n").encode()
            if job.cut_results:  # a reader that dies part way through: one line arrives, then nothing
                job.cut_results = False
                return 200, (lines[0] + "\n").encode(), f"application/x-jsonl; cut-from={len(body)}"
            return 200, body, "application/x-jsonl"
        self._poll(job)
        return 200, self._anthropic_batch(job), "application/json"

    def _anthropic_batch(self, job: FakeJob) -> dict[str, Any]:
        outcomes = self._outcomes(job) if job.ended else []
        count = {k: sum(kind == k for _, kind, _, _ in outcomes) for k in ("ok", "error", "expired", "cancelled")}
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(job.created))
        return {
            "id": job.id, "type": "message_batch",
            "processing_status": "ended" if job.ended else "in_progress",
            "request_counts": {"processing": 0 if job.ended else len(job.requests), "succeeded": count["ok"],
                               "errored": count["error"], "canceled": count["cancelled"], "expired": count["expired"]},
            "ended_at": stamp if job.ended else None, "created_at": stamp, "expires_at": stamp,
            "archived_at": None, "cancel_initiated_at": stamp if job.cancelled else None,
            "results_url": f"/v1/messages/batches/{job.id}/results" if job.ended else None,
        }  # fmt: skip

    # --- Gemini: batchGenerateContent ---------------------------------------------------------------------
    def _gemini(self, method: str, path: str, body: Any) -> Answer | None:
        if method == "POST" and path.endswith(":batchGenerateContent"):
            model = path.split("/models/", 1)[1].removesuffix(":batchGenerateContent")
            source = body["batch"]["inputConfig"]
            if "fileName" in source:  # an uploaded JSONL file of {"key", "request"} lines: results come as a file
                return self._gemini_file_job(model, source["fileName"])
            requests = source["requests"]["requests"]
            job = self._new_job("gemini", "batches/", [(str((r.get("metadata") or {}).get("key", i)), model,
                                                        r["request"]) for i, r in enumerate(requests)])  # fmt: skip
            return 200, self._gemini_batch(job, model), "application/json"
        for prefix in ("/v1beta/batches/", "/v1/batches/"):
            if path.startswith(prefix):
                name, _, action = path.removeprefix(prefix).partition(":")
                job = self.jobs.get(f"batches/{name}")
                if job is None:
                    return (
                        404,
                        {"error": {"code": 404, "message": "No such batch", "status": "NOT_FOUND"}},
                        "application/json",
                    )
                if method == "POST" and action == "cancel":
                    job.cancelled = True
                    return 200, {}, "application/json"
                self._poll(job)
                return 200, self._gemini_batch(job, job.requests[0][1] if job.requests else ""), "application/json"
        return None

    def _gemini_batch(self, job: FakeJob, model: str) -> dict[str, Any]:
        state = "BATCH_STATE_RUNNING"
        metadata: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "model": f"models/{model}",
            "displayName": "canvasbench",
        }
        if job.ended:
            state = (
                "BATCH_STATE_CANCELLED"
                if job.cancelled
                else "BATCH_STATE_FAILED"
                if job.fail_job
                else "BATCH_STATE_SUCCEEDED"
            )
            if state == "BATCH_STATE_SUCCEEDED" and job.id in self.gemini_file_jobs:
                metadata["output"] = {"responsesFile": self._gemini_results_file(job)}
            elif state == "BATCH_STATE_SUCCEEDED":
                responses = []
                for cid, kind, answer, error in self._outcomes(job):
                    if kind == "ok":
                        responses.append({"response": answer, "metadata": {"key": cid}})
                    else:
                        detail = (error or {}).get("error") or {
                            "code": 4,
                            "message": "Deadline expired before the request ran.",
                        }
                        responses.append(
                            {
                                "error": {"code": detail.get("code"), "message": detail.get("message")},
                                "metadata": {"key": cid},
                            }
                        )
                metadata["output"] = {"inlinedResponses": {"inlinedResponses": responses}}
        metadata["state"] = state
        return {"name": job.id, "metadata": metadata, "done": job.ended}


def _behaviour(model: str) -> FakeBehaviour:
    try:
        return parse_model_name(model)
    except BehaviourError:
        return FakeBehaviour()


def _multipart_file(raw: bytes, content_type: str) -> bytes:
    """The `file` part of a multipart/form-data upload."""
    boundary = content_type.partition("boundary=")[2].strip('"').encode()
    for part in raw.split(b"--" + boundary):
        head, _, content = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return content.removesuffix(b"\r\n")
    return b""
