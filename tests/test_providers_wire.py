"""What goes on the wire: output limits, thinking settings, usage options and OpenAI-compatible endpoints."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from canvasbench.errors import UsageError
from canvasbench.providers import (
    GenerationRequest,
    GenerationResult,
    StreamSettings,
    generate,
    known_models,
    provider_names,
)
from tests.fakes import FakeServer, RecordedRequest, fixtures

FAST = StreamSettings(idle_timeout_s=5.0, max_attempts=2, backoff_base_s=0.01)

fake_server = fixtures.fake_server  # shared fixtures: the fake server and SDK env pointing at it
fake_env = fixtures.fake_env


def run(model_id: str, **kwargs: Any) -> GenerationResult:
    request = GenerationRequest(model="", prompt="Draw something on a canvas.", **kwargs)
    return asyncio.run(generate(model_id, request, settings=FAST))


def sent(server: FakeServer) -> RecordedRequest:
    (request,) = server.requests
    return request


def max_tokens_on_wire(request: RecordedRequest) -> int | None:
    body = request.body
    if request.protocol == "gemini":
        return body["generationConfig"].get("maxOutputTokens")
    if request.protocol == "anthropic":
        return body.get("max_tokens")
    return body.get("max_completion_tokens", body.get("max_tokens"))


def thinking_config(request: RecordedRequest) -> dict[str, Any]:
    """Gemini's thinkingConfig with keys normalised to snake_case (the SDK may send either)."""
    raw = request.body["generationConfig"].get("thinkingConfig", {})
    snake = {"includeThoughts": "include_thoughts", "thinkingLevel": "thinking_level",
             "thinkingBudget": "thinking_budget"}
    return {snake.get(k, k): v for k, v in raw.items()}


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("gemini:gemini-3-pro-preview", 65_536),
        ("gemini:gemini-3-flash-preview", 65_536),
        ("gemini:gemini-2.5-flash", 65_536),
        ("gemini:some-future-gemini", 65_536),
        ("openai:gpt-5.2", 128_000),
        ("openai:some-future-gpt", None),
        ("anthropic:claude-opus-4-6", 128_000),
        ("anthropic:claude-sonnet-4-6", 128_000),
        ("anthropic:claude-haiku-4-5", 64_000),
        ("anthropic:some-future-claude", 32_000),
    ],
)
def test_the_models_maximum_output_is_sent_by_default(
    model_id: str, expected: int | None, fake_env: FakeServer
) -> None:
    assert run(model_id).status == "done"
    assert max_tokens_on_wire(sent(fake_env)) == expected


@pytest.mark.parametrize("provider", ["gemini", "openai", "anthropic"])
def test_a_user_limit_replaces_the_maximum(provider: str, fake_env: FakeServer) -> None:
    assert run(f"{provider}:fake", max_output_tokens=1234).status == "done"
    assert max_tokens_on_wire(sent(fake_env)) == 1234


@pytest.mark.parametrize(
    ("model", "level", "expected"),
    [
        ("gemini-3-pro-preview", "high", {"thinking_level": "HIGH", "include_thoughts": True}),
        ("gemini-3-flash-preview", "low", {"thinking_level": "LOW", "include_thoughts": True}),
        ("gemini-3-flash-preview", "off", {"thinking_level": "MINIMAL", "include_thoughts": False}),
        ("gemini-2.5-flash", "off", {"thinking_budget": 0, "include_thoughts": False}),
        ("gemini-2.5-pro", "off", {"thinking_budget": 128, "include_thoughts": False}),
        ("gemini-2.5-flash", "medium", {"thinking_budget": 8192, "include_thoughts": True}),
        ("gemini-3-pro-preview", "default", {"include_thoughts": True}),
    ],
)
def test_gemini_thinking_setting_on_the_wire(
    model: str, level: str, expected: dict[str, Any], fake_env: FakeServer
) -> None:
    assert run(f"gemini:{model}", thinking=level).status == "done"
    assert thinking_config(sent(fake_env)) == expected


@pytest.mark.parametrize(("level", "expected"), [("off", "none"), ("low", "low"), ("medium", "medium"),
                                                 ("high", "high"), ("default", None)])
def test_openai_reasoning_effort_on_the_wire(level: str, expected: str | None, fake_env: FakeServer) -> None:
    assert run("openai:gpt-5.2", thinking=level).status == "done"
    assert sent(fake_env).body.get("reasoning_effort") == expected


@pytest.mark.parametrize(
    ("level", "max_out", "expected"),
    [
        ("off", None, {"type": "disabled"}),
        ("low", None, {"type": "enabled", "budget_tokens": 4096}),
        ("high", None, {"type": "enabled", "budget_tokens": 32768}),
        ("high", 8000, {"type": "enabled", "budget_tokens": 4000}),  # capped so the answer still fits
        ("default", None, None),
    ],
)
def test_anthropic_thinking_on_the_wire(level: str, max_out: int | None, expected: Any, fake_env: FakeServer) -> None:
    assert run("anthropic:claude-sonnet-4-6", thinking=level, max_output_tokens=max_out).status == "done"
    assert sent(fake_env).body.get("thinking") == expected


def test_openai_asks_for_usage_in_the_stream(fake_env: FakeServer) -> None:
    assert run("openai:fake").status == "done"
    body = sent(fake_env).body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("provider", ["gemini", "openai", "anthropic"])
def test_temperature_and_prompt_are_sent(provider: str, fake_env: FakeServer) -> None:
    assert run(f"{provider}:fake", temperature=0.25).status == "done"
    request = sent(fake_env)
    body = request.body
    temperature = body["generationConfig"]["temperature"] if provider == "gemini" else body["temperature"]
    assert temperature == 0.25
    assert "Draw something on a canvas." in str(body)
    assert request.had_key
    assert not {"authorization", "x-api-key", "x-goog-api-key"} & set(request.headers)


REFUSE_TEMPERATURE = ["openai:gpt-5.2", "anthropic:claude-opus-4-6", "anthropic:claude-sonnet-4-6",
                      "anthropic:claude-haiku-4-5"]


@pytest.mark.parametrize("model_id", REFUSE_TEMPERATURE)
def test_a_temperature_the_model_refuses_is_never_sent(model_id: str, fake_env: FakeServer) -> None:
    assert run(model_id, temperature=0.25).status == "done"
    body = sent(fake_env).body
    assert "temperature" not in body
    assert "Draw something on a canvas." in str(body)  # the request itself went out


def test_catalogued_models_that_refuse_a_temperature_are_the_ones_tested() -> None:
    refusing = {m.model_id for m in known_models() if not m.supports_temperature}
    assert refusing == set(REFUSE_TEMPERATURE)


@pytest.mark.parametrize("model_id", ["gemini:gemini-3-flash-preview", "gemini:gemini-2.5-pro"])
def test_a_temperature_the_model_accepts_is_sent(model_id: str, fake_env: FakeServer) -> None:
    assert run(model_id, temperature=0.25).status == "done"
    assert sent(fake_env).body["generationConfig"]["temperature"] == 0.25


def test_gemini_uses_v1beta_with_a_custom_base_url(fake_env: FakeServer) -> None:
    assert run("gemini:gemini-3-flash-preview").status == "done"
    assert sent(fake_env).path.startswith("/v1beta/models/gemini-3-flash-preview:streamGenerateContent")


# -- OpenAI-compatible endpoints -----------------------------------------------------------------------


def write_endpoints(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "endpoints.toml"  # where the autouse fixture points CANVASBENCH_ENDPOINTS
    path.write_text(text, encoding="utf-8")
    return path


def test_a_configured_endpoint_streams_with_its_own_key(
    fake_env: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_endpoints(tmp_path, f'[endpoints.local]\nbase_url = "{fake_env.openai_base_url}"\nkey_env = "LOCAL_KEY"\n')
    monkeypatch.setenv("LOCAL_KEY", "local-secret")
    fake_env.required_key = "local-secret"
    result = run("local:fake;thinking=1")
    assert result.status == "done", result.error
    assert result.reasoning and result.usage.thinking_tokens
    assert "local" in provider_names()
    request = sent(fake_env)
    assert request.protocol == "openai" and "max_tokens" not in request.body


def test_an_endpoint_without_its_key_says_which_variable(fake_env: FakeServer, tmp_path: Path) -> None:
    write_endpoints(tmp_path, f'[endpoints.local]\nbase_url = "{fake_env.openai_base_url}"\nkey_env = "LOCAL_KEY"\n')
    result = run("local:fake")
    assert result.status == "failed" and "LOCAL_KEY" in (result.error or "")
    assert fake_env.requests == []


def test_a_keyless_endpoint_like_ollama_needs_no_key(
    fake_env: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    write_endpoints(tmp_path, f'[endpoints.ollama]\nbase_url = "{fake_env.openai_base_url}"\nmax_output_tokens = 900\n')
    result = run("ollama:fake")
    assert result.status == "done", result.error
    assert sent(fake_env).body["max_tokens"] == 900


def test_a_malformed_endpoints_file_names_file_and_entry(tmp_path: Path, fake_env: FakeServer) -> None:
    path = write_endpoints(tmp_path, '[endpoints.broken]\nbase_url = "localhost:1234"\n')
    result = run("broken:model")
    assert result.status == "failed"
    assert str(path) in (result.error or "") and "[endpoints.broken]" in (result.error or "")
    with pytest.raises(UsageError, match=r"endpoints\.broken"):
        provider_names()
    assert run("gemini:fake").status == "done"  # built-in providers do not depend on the endpoints file


def test_an_endpoints_file_that_is_not_toml_is_reported(tmp_path: Path) -> None:
    path = write_endpoints(tmp_path, "[endpoints.x\nbase_url = 1\n")
    with pytest.raises(UsageError, match="cannot be read") as info:
        provider_names()
    assert str(path) in str(info.value)
