"""The fake provider server itself: model-name grammar, real chunked cuts, recorded requests, command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.fakes import BehaviourError, FakeServer, fixtures, parse_model_name
from tests.fakes.behaviour import CANVAS_PAGE

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
ROOT = Path(__file__).resolve().parents[1]


def raw_post(server: FakeServer, path: str, body: dict[str, object], key: str = "secret-key") -> bytes:
    """Send one HTTP/1.1 request on a plain socket and return every byte until the server closes."""
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(head + payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_the_grammar_reads_every_setting() -> None:
    b = parse_model_name("fake;chunks=7;interval_ms=2.5;first_delay_ms=300;thinking=2;fault=cut:4;finish=length")
    assert (b.chunks, b.interval_ms, b.first_delay_ms, b.thinking, b.finish) == (7, 2.5, 300.0, 2, "length")
    assert b.stream_fault() == ("cut", 4) and b.status_fault() is None
    assert parse_model_name("fake?fault=429:2&retry_after=1").status_fault() == (429, 2)
    assert parse_model_name("fake;fault=503").status_fault() == (503, None)
    assert len(parse_model_name("fake;chunks=5").text_chunks()) == 5
    assert CANVAS_PAGE in parse_model_name("fake").answer_text()
    assert parse_model_name("fake;fence=0").answer_text() == CANVAS_PAGE
    assert parse_model_name("fake;text=long;lines=300;fence=0").answer_text().count("\n") >= 300
    assert parse_model_name("fake;text=Hello%20there").answer_text() == "Hello there"


@pytest.mark.parametrize(
    "bad", ["fake;nope=1", "fake;chunks=x", "fake;fault=explode", "fake;fault=418", "fake;fence=2"]
)
def test_the_grammar_rejects_what_it_does_not_know(bad: str) -> None:
    with pytest.raises(BehaviourError):
        parse_model_name(bad)


def test_a_bad_model_name_gets_a_400_naming_the_problem(fake_env: FakeServer) -> None:
    data = raw_post(fake_env, "/v1/chat/completions", {"model": "fake;nope=1", "stream": True, "messages": []})
    assert data.startswith(b"HTTP/1.1 400") and b"nope" in data


def test_a_cut_is_a_real_cut_and_a_clean_end_is_clean(fake_env: FakeServer) -> None:
    body = {"model": "fake;chunks=6;fault=cut:2", "stream": True, "messages": [{"role": "user", "content": "p"}]}
    cut = raw_post(fake_env, "/v1/chat/completions", body)
    assert b"Transfer-Encoding: chunked" in cut and b"HTTP/1.1 200" in cut
    assert not cut.endswith(b"0\r\n\r\n")  # no terminating chunk: the client sees a broken body
    body["model"] = "fake;chunks=6;fault=end:2"
    clean = raw_post(fake_env, "/v1/chat/completions", body)
    assert clean.endswith(b"0\r\n\r\n") and b"finish_reason\":\"stop" not in clean and b"[DONE]" not in clean


def test_recorded_requests_keep_the_body_but_never_the_key(fake_env: FakeServer) -> None:
    body = {"model": "fake", "stream": True, "max_tokens": 77, "messages": [{"role": "user", "content": "p"}]}
    raw_post(fake_env, "/v1/messages", body, key="sk-ant-very-secret")
    (request,) = fake_env.requests
    assert request.protocol == "anthropic" and request.model == "fake" and request.body["max_tokens"] == 77
    assert "authorization" not in request.headers and request.had_key
    assert "sk-ant-very-secret" not in repr(request)


def test_first_n_faults_count_per_model_name(fake_env: FakeServer) -> None:
    body = {"model": "fake;fault=503:1;retry_after=2", "stream": True, "messages": []}
    first = raw_post(fake_env, "/v1/chat/completions", body)
    second = raw_post(fake_env, "/v1/chat/completions", body)
    assert first.startswith(b"HTTP/1.1 503") and b"retry-after: 2" in first.lower()
    assert second.startswith(b"HTTP/1.1 200")


def test_presets_start_from_a_registered_behaviour(fake_env: FakeServer) -> None:
    from tests.fakes import FakeBehaviour

    fake_env.add_preset("mine", FakeBehaviour(text="<svg></svg>", chunks=1))
    body = {"model": "mine", "stream": False, "messages": []}
    data = raw_post(fake_env, "/v1/chat/completions", body)
    assert b"<svg></svg>" in data


def test_the_command_line_server_answers(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert json.load(response)["ok"] is True
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        # The server may answer a moment before it prints: read until the line shows (or the output ends).
        assert proc.stdout is not None
        printed = ""
        while f"OPENAI_BASE_URL=http://127.0.0.1:{port}/v1" not in printed and (line := proc.stdout.readline()):
            printed += line
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert f"OPENAI_BASE_URL=http://127.0.0.1:{port}/v1" in printed
