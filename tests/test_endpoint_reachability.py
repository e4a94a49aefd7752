"""Keyless local endpoints are probed, not assumed up; every connectivity error names the URL it tried."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from canvasbench.providers.reachability import Reach, ReachWatch, probe, shared_watch
from canvasbench.redact import redact_url
from tests.browser_helpers import free_port
from tests.fakes import fixtures
from tests.test_app_pages import APP, open_page, texts

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


@pytest.fixture
def listening() -> Iterator[int]:
    """A port a server listens on (a TCP listener is all the probe asks of it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_probe_tells_a_running_server_from_none(listening: int) -> None:
    closed = free_port()
    up = probe(f"http://127.0.0.1:{listening}/v1")
    down = probe(f"http://user:secret-password@127.0.0.1:{closed}/v1?key=abc123")
    assert up.reachable and up.url == f"http://127.0.0.1:{listening}/v1"
    assert not down.reachable and down.reason == "connection refused"
    assert "secret-password" not in down.url and "abc123" not in down.url and f":{closed}/v1" in down.url


def test_the_watch_probes_in_the_background_and_remembers_briefly() -> None:
    now = [100.0]
    calls: list[str] = []

    def prober(url: str) -> Reach:
        calls.append(url)
        return Reach(url, False, "connection refused")

    watch = ReachWatch(fresh_s=10.0, clock=lambda: now[0], prober=prober)
    assert watch.get("http://x:1") is None  # never waits: the first answer is "not known yet"
    assert watch.wait("http://x:1", 5.0) == Reach("http://x:1", False, "connection refused", 100.0)
    now[0] = 105.0
    assert watch.get("http://x:1") is not None and calls == ["http://x:1"]  # fresh: not probed again
    now[0] = 111.0
    watch.wait("http://x:1", 5.0)
    assert calls == ["http://x:1", "http://x:1"]  # stale: probed again


def test_the_models_page_says_whether_a_keyless_server_answers_and_where(listening: int, tmp_path: Path) -> None:
    closed = free_port()
    down, up = f"http://127.0.0.1:{closed}/v1", f"http://127.0.0.1:{listening}/v1"
    (tmp_path / "endpoints.toml").write_text(
        f'[endpoints.ollama]\nbase_url = "{down}"\n[endpoints.vllm]\nbase_url = "{up}"\n'
    )
    at = open_page("pages/models_page.py")
    # Never a green "no key needed" for a server nobody has looked at: green only once one has answered.
    for text in (str(m.value) for m in at.markdown):
        if ":green[:material/check_circle:] no key needed" in text:
            assert f"a server answers at {up}" in text.replace("\\", ""), text
    for url in (down, up):
        shared_watch().wait(url, 10.0)
    at.run()
    shown = texts(at).replace("\\", "")
    assert f"not reachable at {down} (connection refused)" in shown
    assert f"a server answers at {up}" in shown
    sidebar = " ".join(str(m.value) for m in at.sidebar.markdown)
    assert "**ollama** — :gray[:material/radio_button_unchecked:] not reachable" in sidebar
    assert "**vllm** — :green[:material/check_circle:] answering" in sidebar

    # The connectivity check names the URL it tried.
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["conn-model"] = "ollama:qwen3-coder"  # typed in the model box: not in the catalogue
    at.query_params["check"] = "true"  # the connectivity check opened
    at.run().switch_page("pages/models_page.py").run()
    at.button(key="conn-check").click().run()
    errors = " ".join(str(e.value) for e in at.error).replace("\\", "")
    assert f"could not reach the provider at {down}/chat/completions" in errors, errors


@pytest.mark.parametrize("provider", ["gemini", "openai", "anthropic"])
def test_every_provider_names_the_url_it_could_not_reach(
    provider: str, fake_env_vars: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from canvasbench.providers.base import GenerationRequest
    from canvasbench.providers.generate import StreamSettings, generate

    closed = f"http://127.0.0.1:{free_port()}"
    variable = {"gemini": "GOOGLE_GEMINI_BASE_URL", "openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}
    monkeypatch.setenv(variable[provider], closed + ("/v1" if provider == "openai" else ""))
    request = GenerationRequest(model="fake", prompt="x")
    result = asyncio.run(generate(f"{provider}:fake", request, settings=StreamSettings(max_attempts=1)))
    assert result.error and f"could not reach the provider at {closed}/" in result.error, result.error
    assert fake_env_vars[next(k for k in fake_env_vars if k.endswith("KEY"))] not in result.error
    assert redact_url(closed) == closed
