"""Pytest fixtures around the fake server; import them into a test module (`from tests.fakes.fixtures import ...`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.server import FakeServer


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeServer]:
    """One fake server for the whole session (reset before each test by `fake_env`)."""
    server = FakeServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_env(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """Point all three SDKs at the fake with dummy keys; forget earlier requests and fault counters."""
    fake_server.reset()
    fake_server.required_key = None
    fake_server.presets.clear()
    for name, value in fake_server.env().items():
        monkeypatch.setenv(name, value)
    return fake_server


@pytest.fixture
def fake_env_vars(fake_env: FakeServer) -> dict[str, str]:
    """The same set-up as `fake_env`, as the variables a subprocess needs (base URLs and dummy keys)."""
    return fake_env.env()
