"""Registry, model ids, keys, catalogue and the backoff rule — no network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from canvasbench.errors import MissingKeyError, UsageError
from canvasbench.providers import (
    GenerationRequest,
    StreamSettings,
    ensure_ready,
    generate,
    get_provider,
    key_status,
    known_models,
    model_info,
    parse_model_id,
    provider_names,
    register_provider,
)
from canvasbench.providers.base import Finish, Heartbeat, Provider, StreamEvent, TextDelta, Usage, UsageReport
from canvasbench.providers.generate import backoff_delay


def test_model_ids_split_on_the_first_colon() -> None:
    assert parse_model_id("gemini:gemini-3-pro-preview") == ("gemini", "gemini-3-pro-preview")
    assert parse_model_id("openrouter:anthropic/claude-opus-4-6") == ("openrouter", "anthropic/claude-opus-4-6")
    assert parse_model_id("openai:fake;fault=cut:3") == ("openai", "fake;fault=cut:3")


@pytest.mark.parametrize("bad", ["", "gemini", "gemini:", ":gpt-5.2", "   "])
def test_a_malformed_model_id_says_how_it_should_look(bad: str) -> None:
    with pytest.raises(UsageError, match="provider:model"):
        parse_model_id(bad)


def test_built_in_providers_and_default_endpoints_are_listed() -> None:
    names = provider_names()
    assert names[:3] == ["gemini", "openai", "anthropic"]
    assert {"openrouter", "ollama", "vllm"} <= set(names)


def test_an_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"Unknown provider 'nope'.*gemini.*endpoints\.nope"):
        get_provider("nope")
    with pytest.raises(UsageError):
        ensure_ready("nope:model")


def test_missing_keys_name_every_variable_that_would_do(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingKeyError, match="GEMINI_API_KEY or GOOGLE_API_KEY"):
        ensure_ready("gemini:gemini-3-pro-preview")
    with pytest.raises(MissingKeyError, match="OPENROUTER_API_KEY"):
        ensure_ready("openrouter:some/model")
    ensure_ready("ollama:llama3")  # no key needed
    ensure_ready("vllm:my-model")  # key optional
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-value")
    ensure_ready("anthropic:claude-opus-4-6")


def test_key_status_reports_presence_never_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    assert key_status("openai").is_set is False
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-123")
    status = key_status("openai")
    assert status.is_set and status.needs_key and status.env_vars == ("OPENAI_API_KEY",)
    assert "sk-very-secret" not in repr(status)
    assert key_status("ollama").needs_key is False


class EchoProvider:
    """A third-party adapter with no SDK: answers with the model name."""

    name = "echo"

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        yield Heartbeat()
        yield TextDelta(f"<p>{request.model}</p>")
        yield UsageReport(Usage(input_tokens=3, output_tokens=4, thinking_tokens=0))
        yield Finish("stop", "done")


def test_a_third_party_provider_registers_like_the_built_ins() -> None:
    def factory() -> Provider:
        return EchoProvider()

    register_provider("echo", factory, key_env_vars=(), needs_key=False)
    assert "echo" in provider_names()
    result = asyncio.run(generate("echo:hello", GenerationRequest(model="", prompt="p")))
    assert result.status == "done" and result.text == "<p>hello</p>"
    assert result.usage.output_tokens == 4 and result.tokens_per_s is not None


class SilentProvider:
    """Sends one chunk, then nothing."""

    name = "silent"

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        yield TextDelta("<html>")
        await asyncio.sleep(3600)


def test_the_idle_timeout_ends_a_silent_stream_and_keeps_its_text() -> None:
    register_provider("silent", SilentProvider, key_env_vars=(), needs_key=False)
    settings = StreamSettings(idle_timeout_s=0.2)
    result = asyncio.run(generate("silent:x", GenerationRequest(model="", prompt="p"), settings=settings))
    assert result.status == "failed" and "stalled" in (result.error or "")
    assert result.text == "<html>" and result.attempts == 1


def test_the_catalogue_knows_every_model_in_the_price_table() -> None:
    expected = {
        "gemini:gemini-3-pro-preview": 65_536,
        "gemini:gemini-3.1-pro-preview": 65_536,
        "gemini:gemini-3-flash-preview": 65_536,
        "gemini:gemini-2.5-pro": 65_536,
        "gemini:gemini-2.5-flash": 65_536,
        "gemini:gemini-2.5-flash-lite": 65_536,
        "openai:gpt-5.2": 128_000,
        "anthropic:claude-opus-4-6": 128_000,
        "anthropic:claude-sonnet-4-6": 128_000,
        "anthropic:claude-haiku-4-5": 64_000,
    }
    assert {m.model_id: m.max_output_tokens for m in known_models()} == expected
    info = model_info("openai:gpt-5.2")
    assert info is not None and info.display_name == "GPT-5.2" and info.provider == "openai"
    assert model_info("openai:not-a-model") is None


def test_backoff_honours_retry_after_up_to_the_cap() -> None:
    settings = StreamSettings(backoff_base_s=1.0, backoff_max_s=8.0, retry_after_cap_s=30.0)
    assert backoff_delay(1, 12.0, settings) == 12.0
    assert backoff_delay(1, 31.0, settings) is None  # asked to wait longer than we will: give up now
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delay = backoff_delay(attempt, None, settings)
        assert delay is not None and ceiling / 2 <= delay <= ceiling


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ('[endpoints.openai]\nbase_url = "http://x/v1"\n', "built-in provider"),
        ('[endpoints.mine]\nbase_url = "http://x/v1"\nkey_env = "sk-abc-123"\n', "NAME of an environment variable"),
        ('[endpoints.mine]\nbase_url = "http://x/v1"\napi_key = "x"\n', "unknown settings ['api_key']"),
        ('[endpoints.mine]\nbase_url = "http://x/v1"\nmax_output_tokens = -5\n', "positive whole number"),
        ('[endpoints.mine]\nkey_env = "K"\n', "base_url must be a URL"),
        ('[providers.mine]\nbase_url = "http://x/v1"\n', "[endpoints.NAME]"),
    ],
)
def test_endpoint_entries_are_checked_with_a_message_naming_the_entry(
    entry: str, words: str, isolated_paths: Path
) -> None:
    path = isolated_paths / "endpoints.toml"
    path.write_text(entry, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        provider_names()
    assert words in str(info.value) and str(path) in str(info.value)


def test_an_endpoint_with_an_optional_key(isolated_paths: Path) -> None:
    (isolated_paths / "endpoints.toml").write_text(
        '[endpoints.lab]\nbase_url = "http://lab:8000/v1"\nkey_env = "LAB_KEY"\nkey_optional = true\n', encoding="utf-8"
    )
    status = key_status("lab")
    assert (status.env_vars, status.needs_key, status.is_set) == (("LAB_KEY",), False, False)
    ensure_ready("lab:some-model")


PLUGIN = '''
from canvasbench.providers.base import Finish, TextDelta, Usage, UsageReport


class EchoProvider:
    name = "echo"

    async def stream(self, request):
        yield TextDelta("echo: " + request.prompt)
        yield UsageReport(Usage(input_tokens=1, output_tokens=2, thinking_tokens=0))
        yield Finish("stop", "stop")


def register(register_provider):
    register_provider("echo", EchoProvider, key_env_vars=("ECHO_API_KEY",), needs_key=False)
'''

USE_PLUGIN = '''
import asyncio, json
from canvasbench.providers import GenerationRequest, generate, key_status, provider_names
result = asyncio.run(generate("echo:any", GenerationRequest(model="", prompt="hi")))
print(json.dumps([provider_names(), key_status("echo").env_vars, result.status, result.text]))
'''


def test_an_installed_package_adds_a_provider_through_its_entry_point(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    (tmp_path / "canvasbench_echo.py").write_text(PLUGIN, encoding="utf-8")
    dist = tmp_path / "canvasbench_echo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: canvasbench-echo\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[canvasbench.providers]\necho = canvasbench_echo:register\n",
                                           encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", USE_PLUGIN], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names, key_vars, status, text = json.loads(done.stdout)
    assert names[:3] == ["gemini", "openai", "anthropic"] and "echo" in names
    assert key_vars == ["ECHO_API_KEY"]
    assert (status, text) == ("done", "echo: hi")
