"""Wire-faithful fake Gemini / OpenAI / Anthropic servers: behaviour picked by the model name (see README.md)."""

from __future__ import annotations

from tests.fakes.behaviour import BehaviourError, FakeBehaviour, parse_model_name
from tests.fakes.conversation import ReceivedTurn
from tests.fakes.server import FakeServer, RecordedRequest

__all__ = [
    "BehaviourError",
    "FakeBehaviour",
    "FakeServer",
    "ReceivedTurn",
    "RecordedRequest",
    "parse_model_name",
    "start_fake_server",
]


def start_fake_server(port: int = 0, *, required_key: str | None = None) -> FakeServer:
    """Start a fake server on a free loopback port (or `port`) in a background thread; call .stop() when done."""
    return FakeServer(port=port, required_key=required_key).start()
