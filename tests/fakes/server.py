"""A small asyncio HTTP/1.1 server speaking the Gemini, OpenAI and Anthropic streaming protocols on one port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from tests.fakes.batches import BatchDesk
from tests.fakes.behaviour import BehaviourError, FakeBehaviour, parse_model_name
from tests.fakes.conversation import ReceivedTurn, cache_usage, model_turns, received_turns
from tests.fakes.echoes import echo_text
from tests.fakes.judge import judge_answer, request_images, request_text
from tests.fakes.plans import DESIGN_TEXT, asks_for_a_design
from tests.fakes.protocols import StreamPlan, complete_json, error_body

# Headers that carry keys: never recorded.
SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization"}
STREAM_SUFFIX = ":streamGenerateContent"
PLAIN_SUFFIX = ":generateContent"


@dataclass
class RecordedRequest:
    """One request as it arrived (keys removed), for tests to read what went on the wire."""

    protocol: str  # gemini | openai | anthropic | other
    method: str
    path: str
    model: str | None
    headers: dict[str, str]
    body: Any
    key: str | None = field(repr=False, default=None)  # kept only to check required_key; never printed
    received_at: float = field(default_factory=time.monotonic)
    answered_at: float | None = None  # time.monotonic() when the answer's last byte was handed to the socket

    @property
    def had_key(self) -> bool:
        """Whether the request carried any key at all."""
        return bool(self.key)

    @property
    def text(self) -> str:
        """The text parts of the request's messages, joined."""
        return request_text(self.protocol, self.body)

    @property
    def images(self) -> list[tuple[str, bytes]]:
        """(MIME type, bytes) of each image the request carried, decoded from the protocol's own encoding."""
        return request_images(self.protocol, self.body)

    @property
    def turns(self) -> list[ReceivedTurn]:
        """The conversation the request carried, oldest first, parsed from the protocol's own form."""
        return received_turns(self.protocol, self.body)

    @property
    def round(self) -> int:
        """How many model answers the conversation held: 0 for a first prompt, 1 for the first follow-up."""
        return model_turns(self.turns)


class ScheduleClock:
    """A clock that moves only by the gaps the fake's schedule puts between chunks, never by how busy the
    machine is: inject it where a test must tell "sent at once" from "sent over time" on any machine."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()

    def advance(self, seconds: float) -> None:
        """The schedule moved on by this much."""
        with self._lock:
            self._now += seconds

    def now(self) -> float:
        """Seconds of schedule so far."""
        with self._lock:
            return self._now


class FakeServer:
    """All three provider protocols on one loopback port; start() runs it on a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, required_key: str | None = None) -> None:
        self.host = host
        self.port = port
        self.required_key = required_key  # when set, any other key gets a 401
        self.presets: dict[str, FakeBehaviour] = {}
        self._requests: list[RecordedRequest] = []
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self.schedule_clock = ScheduleClock()
        self.batches = BatchDesk()  # the three batch APIs (batches.py)

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        """Start on a background thread and return once the port is listening."""
        self._thread = threading.Thread(target=self._run, name="fake-llm-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake server did not start")
        return self

    def stop(self) -> None:
        """Stop the server, dropping any open streams."""
        if self._loop and self._stopping:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.run(self.serve())

    async def serve(self) -> None:
        """Serve until stop() (or until the task is cancelled, when run in the caller's loop)."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, self.host, self.port, limit=2**20, backlog=128)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    # -- where clients point -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """http://host:port (Gemini and Anthropic base URL)."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """The OpenAI base URL, with /v1."""
        return self.base_url + "/v1"

    def env(self, key: str = "fake-key") -> dict[str, str]:
        """Environment variables that point all three SDKs (and canvasbench) at this server."""
        from canvasbench.providers.builtins import PROVIDERS

        urls = {p.base_url_env: self.openai_base_url if p.name == "openai" else self.base_url for p in PROVIDERS}
        return {**urls, **{p.key_env_vars[0]: key for p in PROVIDERS}}

    # -- what tests read ---------------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, model: str) -> list[RecordedRequest]:
        """Requests whose model name is exactly `model`."""
        return [r for r in self.requests if r.model == model]

    def reset(self) -> None:
        """Forget recorded requests and first-N fault counters."""
        with self._lock:
            self._requests.clear()
            self._counts.clear()
        self.batches.reset()

    def add_preset(self, name: str, behaviour: FakeBehaviour) -> None:
        """Model name `name` (and `name?...`) starts from this behaviour instead of the defaults."""
        self.presets[name] = behaviour

    # -- HTTP --------------------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A stream's schedule counts from the connection, as the client's clock does: not from when this
        # loop, busy with other requests arriving together, got round to parsing this one.
        accepted = asyncio.get_running_loop().time()
        try:
            await self._handle_one(reader, writer, accepted)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, accepted: float) -> None:
        line = await reader.readline()
        if not line:
            return
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body_bytes = await _read_body(reader, headers)
        try:
            body = json.loads(body_bytes) if body_bytes else None
        except ValueError:
            body = body_bytes.decode("utf-8", "replace")
        protocol, model, stream = _route(method, target, body)
        key = _key_of(headers)
        record = RecordedRequest(
            protocol=protocol,
            method=method,
            path=target,
            model=model,
            headers={k: v for k, v in headers.items() if k not in SECRET_HEADERS},
            body=body,
            key=key,
        )
        with self._lock:
            self._requests.append(record)
        path, _, query = target.partition("?")
        hold = self.batches.take_hold(method, unquote(path))
        if hold is not None:  # a test lets another reader run first (waited for off the loop, which keeps serving)
            await asyncio.get_running_loop().run_in_executor(None, hold.wait, 60)
        batch = self.batches.handle(method, unquote(path), body, body_bytes, headers, query=query)
        if batch is not None:
            status, payload, content_type, *extra = batch  # extra: response headers (Gemini's upload URL)
            if self.required_key is not None and key != self.required_key:
                status, payload, content_type, extra = 401, error_body(protocol, 401, "batch"), "application/json", []
            await _send_body(writer, status, payload, content_type, *extra)
            record.answered_at = time.monotonic()
            return
        try:
            await self._answer(reader, writer, record, method, target, protocol, model, stream, body, key, accepted)
        finally:
            record.answered_at = time.monotonic()

    async def _answer(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        record: RecordedRequest,
        method: str,
        target: str,
        protocol: str,
        model: str | None,
        stream: bool,
        body: Any,
        key: str | None,
        accepted: float,
    ) -> None:
        if method == "GET" and target.rstrip("/") in ("", "/health"):
            await _send_json(writer, 200, {"ok": True, "protocols": ["gemini", "openai", "anthropic"]})
            return
        if protocol == "other" or model is None:
            await _send_json(writer, 404, {"error": {"message": f"fake server: no route for {method} {target}"}})
            return
        if self.required_key is not None and key != self.required_key:
            await _send_json(writer, 401, error_body(protocol, 401, model))
            return
        try:
            behaviour = parse_model_name(model, self.presets)
        except BehaviourError as exc:
            await _send_json(writer, 400, _with_message(error_body(protocol, 400, model), str(exc)))
            return
        # A conversation's round picks the answer (`rounds=`), and its earlier turns are its cached prefix.
        behaviour = behaviour.for_round(record.round)
        turns = record.turns
        if turns and turns[-1].role == "user" and asks_for_a_design(turns[-1].text):
            behaviour = replace(behaviour, text=DESIGN_TEXT, fence=False)  # a recipe's planner: a design, no code
        if behaviour.cache == "prefix":
            read, written = cache_usage(protocol, record.turns)
            behaviour = replace(behaviour, cached_tokens=read, cache_write_tokens=written)
        if behaviour.judge is not None:
            with self._lock:
                self._counts[("judge", model)] += 1
                first = self._counts[("judge", model)] == 1
            answer = judge_answer(behaviour.judge, record.text, first_request=first)
            finish = "refusal" if behaviour.judge == "refusal" else behaviour.finish
            behaviour = replace(behaviour, text=answer, fence=False, finish=finish)
        if behaviour.echo is not None:
            behaviour = replace(behaviour, echoed=echo_text(key or "", behaviour.echo))
        status_fault = behaviour.status_fault()
        if status_fault:
            status, first_n = status_fault
            with self._lock:
                self._counts[(protocol, model)] += 1
                seen = self._counts[(protocol, model)]
            if first_n is None or seen <= first_n:
                extra = {}
                if behaviour.retry_after is not None:
                    extra["retry-after"] = _fmt_seconds(behaviour.retry_after)
                error = error_body(protocol, status, model)
                if behaviour.echoed:  # as a gateway that quotes the request back in its error
                    error = _with_message(error, f"{error['error']['message']} {behaviour.echoed}")
                await _send_json(writer, status, error, extra)
                return
        if not stream:
            await _send_json(writer, 200, complete_json(protocol, model, behaviour, body or {}))
            return
        await self._stream(writer, reader, protocol, model, behaviour, body or {}, accepted, key or "")

    async def _stream(
        self,
        writer: asyncio.StreamWriter,
        reader: asyncio.StreamReader,
        protocol: str,
        model: str,
        behaviour: FakeBehaviour,
        body: dict[str, Any],
        accepted: float,
        key: str = "",
    ) -> None:
        """Send the stream on an absolute schedule: the first event at accepted + first_delay, chunk i
        interval * i after it. A late fake (a busy machine) never drifts further behind: chunks already
        due go out together in one write, as a real server's TCP stack would coalesce them."""
        plan = StreamPlan(protocol, model, behaviour, body)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        content = plan.content()
        loop = asyncio.get_running_loop()
        first = accepted + behaviour.first_delay_ms / 1000
        if loop.time() < first:
            await asyncio.sleep(first - loop.time())
        pending: list[bytes] = list(plan.opening())
        fault = behaviour.stream_fault()
        ping = plan.ping()
        for index, (_kind, frames) in enumerate(content):
            if fault and index == fault[1]:
                break
            due = first + index * behaviour.interval_ms / 1000
            if index and behaviour.interval_ms:
                self.schedule_clock.advance(behaviour.interval_ms / 1000)
                if loop.time() < due:
                    await _send_chunks(writer, pending)
                    await asyncio.sleep(due - loop.time())
            pending.extend(frames if isinstance(frames, list) else [frames])
            if ping is not None and (index + 1) % 5 == 0:
                pending.append(ping)
        if not fault:
            # The rest of the answer, its closing events and the end of the body leave in the same write as
            # whatever was still pending: an answer with no gaps is really all there at once.
            pending.extend(plan.closing())
            await _send_chunks(writer, pending, end=True)
            return
        await _send_chunks(writer, pending)
        if fault:
            kind = fault[0]
            if kind == "cut":
                # A real cut: close the socket without the terminating zero-length chunk, once what was
                # sent has left (abort() drops anything still buffered).
                await writer.drain()
                while writer.transport.get_write_buffer_size():
                    await asyncio.sleep(0.001)
                writer.transport.abort()
                return
            if kind == "end":
                await _end_chunks(writer)
                return
            if kind == "error":
                await _send_chunk(writer, plan.in_stream_error())
                await _end_chunks(writer)
                return
            if kind == "leak":
                await _send_chunks(writer, [plan.leak(key), *plan.closing()])
                await _end_chunks(writer)
                return
            if kind == "stall":
                await self._stall(reader, writer, behaviour, plan.keep_alive())
                writer.transport.abort()
                return

    async def _stall(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        behaviour: FakeBehaviour,
        keep_alive: bytes | None,
    ) -> None:
        """Keep the connection open (and silent, or only pinging) until the client leaves, stop() or stall_s."""
        assert self._stopping is not None
        waiters = {
            asyncio.ensure_future(reader.read(1)),
            asyncio.ensure_future(self._stopping.wait()),
        }
        deadline = time.monotonic() + behaviour.stall_s
        step = behaviour.ping_ms / 1000 if behaviour.ping_ms and keep_alive else None
        try:
            while (left := deadline - time.monotonic()) > 0:
                done, _ = await asyncio.wait(
                    waiters, timeout=min(left, step) if step else left, return_when=asyncio.FIRST_COMPLETED
                )
                if done:
                    return
                if step and keep_alive:
                    await _send_chunk(writer, keep_alive)
        finally:
            for task in waiters:
                task.cancel()


def _route(method: str, target: str, body: Any) -> tuple[str, str | None, bool]:
    """(protocol, model name, streamed?) for a request."""
    path = target.partition("?")[0]
    if method == "POST" and target.startswith(("/v1beta/models/", "/v1/models/", "/v1alpha/models/")):
        # The model name may itself contain '?', so find the method suffix in the raw target.
        for suffix, stream in ((STREAM_SUFFIX, True), (PLAIN_SUFFIX, False)):
            at = target.rfind(suffix)
            if at != -1:
                prefix = target.split("/models/", 1)[0] + "/models/"
                return "gemini", unquote(target[len(prefix) : at]), stream
        return "gemini", None, False
    model = body.get("model") if isinstance(body, dict) else None
    stream = bool(body.get("stream")) if isinstance(body, dict) else False
    if method == "POST" and path.rstrip("/") == "/v1/chat/completions":
        return "openai", model, stream
    if method == "POST" and path.rstrip("/") == "/v1/messages":
        return "anthropic", model, stream
    return "other", None, False


def _key_of(headers: dict[str, str]) -> str | None:
    for name in ("x-goog-api-key", "x-api-key", "api-key"):
        if headers.get(name):
            return headers[name]
    auth = headers.get("authorization", "")
    return auth.removeprefix("Bearer ").strip() or None


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readline()).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readline()
    length = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(length) if length else b""


async def _send_chunks(writer: asyncio.StreamWriter, frames: list[bytes], *, end: bool = False) -> None:
    """Send the frames (one HTTP chunk each) in one write, and empty the list; `end` adds the last chunk."""
    if frames or end:
        body = b"".join(f"{len(data):x}\r\n".encode() + data + b"\r\n" for data in frames)
        writer.write(body + (b"0\r\n\r\n" if end else b""))
        frames.clear()
        await writer.drain()


async def _send_chunk(writer: asyncio.StreamWriter, data: bytes) -> None:
    await _send_chunks(writer, [data])


async def _end_chunks(writer: asyncio.StreamWriter) -> None:
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def _send_json(
    writer: asyncio.StreamWriter, status: int, payload: Any, extra: dict[str, str] | None = None
) -> None:
    data = json.dumps(payload).encode()
    head = [f"HTTP/1.1 {status} {_reason(status)}", "Content-Type: application/json",
            f"Content-Length: {len(data)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (extra or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()


async def _send_body(
    writer: asyncio.StreamWriter, status: int, payload: Any, content_type: str, extra: dict[str, str] | None = None
) -> None:
    """A whole answer: JSON, or bytes as they are (a file's content, a JSONL results stream)."""
    if not isinstance(payload, bytes):
        await _send_json(writer, status, payload, extra)
        return
    content_type, _, cut = content_type.partition("; cut-from=")
    # A cut body promises its whole length, sends less and closes: the client's read fails part way.
    length = int(cut) if cut else len(payload)
    head = [f"HTTP/1.1 {status} {_reason(status)}", f"Content-Type: {content_type}",
            f"Content-Length: {length}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (extra or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
    await writer.drain()


def _reason(status: int) -> str:
    return {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            408: "Request Timeout", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 529: "Overloaded"}.get(
        status, "Error")


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _with_message(body: dict[str, Any], message: str) -> dict[str, Any]:
    body["error"]["message"] = message
    return body
