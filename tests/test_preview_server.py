"""The preview mirror server answers every request target cleanly: a path that cannot name a file is a 400 or 404."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from canvasbench.sandbox.preview_server import PreviewServer


@pytest.fixture
def server() -> Iterator[PreviewServer]:
    running = PreviewServer()
    yield running
    running.stop()


def _status(server: PreviewServer, target: bytes) -> int | None:
    """Send one raw GET and return the status code, or None when the server dropped the connection."""
    host, port = server.origin.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    if not received:
        return None
    return int(received.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "target",
    [
        b"/cdn/unpkg.com/three@0.160.0/build/three%00.min.js",  # NUL: the file system raises, not a miss
        b"/cdn/unpkg.com/three@0.160.0/%00",
        b"/cdn/unpkg.com/three@0.160.0/build/x.js?module%00",
        b"/cdn/unpkg.com/three@0.160.0/%zz.js",  # not a percent escape
        b"/cdn/unpkg.com/three@0.160.0/%4",
        b"/cdn/unpkg.com/three@0.160.0/%ff%fe.js",  # percent-encoded bytes that are not UTF-8
        b"/cdn/unpkg.com/three@0.160.0/\xff\xfe.js",  # raw bytes that are not ASCII
        b"/cdn/unpkg.com/three@0.160.0/a%0d%0aSet-Cookie:x",  # a decoded control character
        b"/cdn/unpkg.com/three@0.160.0/" + b"a" * 5000,  # overlong
    ],
)
def test_a_path_that_cannot_name_a_file_is_a_bad_request(
    server: PreviewServer, target: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _status(server, target) == 400
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "target",
    [
        b"/cdn/unpkg.com/three@0.160.0/" + b"a" * 1000 + b".js",  # a file name too long for the file system
        b"/cdn/unpkg.com/three@0.160.0/" + b"/".join([b"b" * 255] * 12),
        b"/cdn/unpkg.com/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        b"/cdn/evil.example/x.js",
        b"/elsewhere",
    ],
)
def test_a_well_formed_path_outside_the_mirror_is_not_found(
    server: PreviewServer, target: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _status(server, target) == 404
    assert "Traceback" not in capsys.readouterr().err


def test_the_server_keeps_answering_after_bad_requests(server: PreviewServer) -> None:
    for _ in range(3):
        assert _status(server, b"/cdn/unpkg.com/x%00") == 400
    assert _status(server, b"/cdn/evil.example/x.js") == 404
