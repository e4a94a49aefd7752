"""generate() through the real SDKs against the fake servers: timings, usage, thinking, every fault."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from canvasbench.providers import GenerationRequest, GenerationResult, Progress, StreamSettings, generate, http
from tests.fakes import FakeServer, fixtures, parse_model_name
from tests.fakes.behaviour import THINKING_TEXT
from tests.fakes.protocols import FINISH_RAW

PROVIDERS = ("gemini", "openai", "anthropic")
FAST = StreamSettings(idle_timeout_s=5.0, max_attempts=4, backoff_base_s=0.01, backoff_max_s=0.05,
                      progress_interval_s=0.05)
RAW_STOP = {"gemini": "STOP", "openai": "stop", "anthropic": "end_turn"}

fake_server = fixtures.fake_server  # shared fixtures: the fake server and SDK env pointing at it
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


def run(model_id: str, settings: StreamSettings = FAST, **kwargs: Any) -> GenerationResult:
    """One generation on a fresh event loop, as the runner will do it."""
    request = GenerationRequest(model="", prompt="Draw something on a canvas.", **kwargs)
    return asyncio.run(generate(model_id, request, settings=settings))


def chunks_of(model: str) -> list[str]:
    """The answer chunks the fake streams for this model name."""
    return parse_model_name(model).text_chunks()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_happy_path_streams_the_whole_answer_with_usage(provider: str, fake_env: FakeServer) -> None:
    # 270 ms of gaps: a stream over time (tokens/s known) even when a busy machine delays the fake's timers.
    model = "fake;chunks=10;interval_ms=30"
    result = run(f"{provider}:{model}")
    expected = parse_model_name(model)
    assert result.status == "done", result.error
    assert result.text == expected.answer_text()
    assert result.finish_reason == "stop" and result.raw_finish_reason == RAW_STOP[provider]
    assert result.attempts == 1 and result.error is None
    assert result.usage.output_tokens == expected.reported_output_tokens()
    assert result.usage.thinking_tokens == 0
    assert result.usage.input_tokens and result.usage.input_tokens > 0
    assert result.tokens_per_s and result.tokens_per_s > 0
    assert result.first_chunk_s is not None and result.ttft_s is not None and result.latency_s is not None
    assert result.first_chunk_s <= result.ttft_s <= result.latency_s
    assert len(fake_env.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_ttft_is_measured_against_the_injected_delay(provider: str, fake_env: FakeServer) -> None:
    result = run(f"{provider}:fake;first_delay_ms=300;chunks=5")
    assert result.status == "done", result.error
    assert result.ttft_s is not None and result.first_chunk_s is not None
    # The fake never sends early, so these lower bounds hold on any machine; how close TTFT comes to the
    # injected delay is a figure of benchmarks/runner_overhead.py. The upper bound only catches TTFT taken
    # from somewhere else entirely (the SDK's import or set-up costs seconds).
    assert 0.3 <= result.first_chunk_s <= result.ttft_s <= result.latency_s
    assert result.ttft_s < 0.3 + 2.0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_tokens_per_second_counts_from_the_first_chunk(provider: str, fake_env: FakeServer) -> None:
    # 10 chunks 50 ms apart after a 300 ms delay: 450 ms of streaming for 1000 output + 500 thinking tokens.
    result = run(f"{provider}:fake;first_delay_ms=300;chunks=10;interval_ms=50;output_tokens=1000;thinking_tokens=500")
    assert result.status == "done" and result.tokens_per_s is not None
    assert result.first_chunk_s is not None and result.latency_s is not None
    # The rate runs from the first chunk to the end, so the (at least) 300 ms before it is excluded. Read
    # from the run's own clock, not the fake's schedule: a busy machine may send chunks late or together.
    assert result.first_chunk_s >= 0.3
    assert result.tokens_per_s == pytest.approx(1500 / (result.latency_s - result.first_chunk_s), rel=1e-6)
    assert result.latency_s - result.first_chunk_s >= 0.05  # it streamed: a rate, not "all at once"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_answer_that_arrives_all_at_once_has_no_tokens_per_second(
    provider: str, fake_env: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Waiting is timed on the fake's schedule clock: a machine too busy to run the client at once must not
    # make a burst look streamed. 300 chunks with no gaps go out in one write, as behind a buffering proxy:
    # a rate over the time we took to parse them would read as tens of thousands of tokens a second.
    monkeypatch.setattr(http, "wait_clock", fake_env.schedule_clock.now)
    result = run(f"{provider}:fake;text=long;lines=300;chunks=300;output_tokens=20000")
    assert result.status == "done" and result.usage.output_tokens and result.usage.output_tokens > 10_000
    assert result.tokens_per_s is None
    # The same clock sees a stream with gaps as streamed.
    result = run(f"{provider}:fake;chunks=5;interval_ms=100;output_tokens=1000")
    assert result.status == "done" and result.tokens_per_s is not None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_thinking_delays_ttft_but_not_the_first_chunk(provider: str, fake_env: FakeServer) -> None:
    # 3 thinking chunks 150 ms apart come first: the first chunk is early, the first answer text late.
    result = run(f"{provider}:fake;first_delay_ms=200;thinking=3;interval_ms=150;chunks=3")
    assert result.status == "done", result.error
    assert result.first_chunk_s is not None and result.ttft_s is not None
    # The answer is due 200 + 3 x 150 ms after the connection, thinking from 200 ms: the fake never sends
    # early, and a late one sends what is due together, so only these bounds hold on any machine.
    assert 0.2 <= result.first_chunk_s <= result.ttft_s
    assert result.ttft_s >= 0.2 + 3 * 0.15


@pytest.mark.parametrize("provider", PROVIDERS)
def test_thoughts_are_kept_apart_and_counted(provider: str, fake_env: FakeServer) -> None:
    model = "fake;thinking=2;chunks=4"
    expected = parse_model_name(model)
    result = run(f"{provider}:{model}")
    assert result.status == "done", result.error
    assert result.reasoning == THINKING_TEXT * 2
    assert THINKING_TEXT.strip() not in result.text
    assert result.text == expected.answer_text()
    assert result.usage.thinking_tokens == expected.reported_thinking_tokens() > 0
    assert result.usage.output_tokens == expected.reported_output_tokens()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_hidden_reasoning_tokens_are_split_from_output(provider: str, fake_env: FakeServer) -> None:
    # Reasoning billed but not shown (OpenAI's own models): output = total - reasoning.
    result = run(f"{provider}:fake;thinking_tokens=500;output_tokens=300")
    assert result.status == "done", result.error
    assert (result.usage.output_tokens, result.usage.thinking_tokens) == (300, 500)
    assert result.reasoning == ""


def test_anthropic_without_a_thinking_breakdown_estimates_it_from_characters(fake_env: FakeServer) -> None:
    result = run("anthropic:fake;thinking=4;thinking_tokens=400;output_tokens=600;anthropic_details=0")
    assert result.status == "done", result.error
    usage = result.usage
    assert usage.output_tokens is not None and usage.thinking_tokens is not None
    assert usage.output_tokens + usage.thinking_tokens == 1000  # the billed total stays exact
    share = len(result.reasoning) / (len(result.reasoning) + len(result.text))
    assert usage.thinking_tokens == round(1000 * share)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("fault", "status", "reason_words"),
    [
        ("cut:3", "failed", "connection lost"),
        ("end:3", "incomplete", "without a finish reason"),
        ("error:3", "failed", "in-stream provider error"),
        ("stall:3", "failed", "stalled"),
    ],
)
def test_stream_faults_keep_partial_text_and_never_retry(
    provider: str, fault: str, status: str, reason_words: str, fake_env: FakeServer
) -> None:
    model = f"fake;chunks=10;fault={fault}"
    settings = StreamSettings(idle_timeout_s=0.5, max_attempts=4, backoff_base_s=0.01)
    result = run(f"{provider}:{model}", settings)
    assert result.status == status
    assert result.finish_reason == ("incomplete" if status == "incomplete" else "error")
    assert result.text == "".join(chunks_of(model)[:3])
    assert result.error and reason_words in result.error
    assert result.attempts == 1 and len(fake_env.requests) == 1
    assert result.ttft_s is not None and result.latency_s is not None
    assert result.usage.output_tokens is None  # no usage report arrived: tokens unknown, not zero


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", ["cut:0", "error:0"])
def test_a_stream_that_breaks_before_any_text_is_retried(provider: str, fault: str, fake_env: FakeServer) -> None:
    # Nothing would be lost, so a retryable break before the first text counts like a 5xx.
    settings = StreamSettings(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.02)
    result = run(f"{provider}:fake;fault={fault}", settings)
    assert result.status == "failed" and result.text == ""
    assert result.attempts == 3 and len(fake_env.requests) == 3


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_stream_of_keep_alives_only_stalls_at_the_idle_timeout(provider: str, fake_env: FakeServer) -> None:
    # The fake would ping every 50 ms for 60 s; no text ever comes, so the idle timeout ends it.
    settings = StreamSettings(idle_timeout_s=0.5, max_attempts=1)
    result = run(f"{provider}:fake;fault=stall:0;stall_s=60;ping_ms=50", settings)
    assert result.status == "failed" and result.text == ""
    assert result.error and "stalled: no text for 0.5 s" in result.error and "only keep-alives" in result.error
    assert result.latency_s is not None and result.latency_s < 60


@pytest.mark.parametrize("provider", PROVIDERS)
def test_keep_alives_after_some_text_do_not_hold_the_run_open(provider: str, fake_env: FakeServer) -> None:
    settings = StreamSettings(idle_timeout_s=0.5, max_attempts=1)
    result = run(f"{provider}:fake;chunks=5;fault=stall:2;stall_s=60;ping_ms=50", settings)
    assert result.status == "failed" and result.error and "no new text for 0.5 s" in result.error
    assert result.text == "".join(chunks_of("fake;chunks=5")[:2])  # the text received is kept
    assert result.latency_s is not None and result.latency_s < 60


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_deadline_stops_a_long_stream_and_keeps_its_text(provider: str, fake_env: FakeServer) -> None:
    model = "fake;chunks=200;interval_ms=100"  # 20 s of steady text: never idle
    result = run(f"{provider}:{model}", StreamSettings(idle_timeout_s=5.0, max_attempts=1, deadline_s=1.0))
    assert result.status == "incomplete" and result.finish_reason == "incomplete"
    assert result.error and "1 s deadline" in result.error
    full = parse_model_name(model).answer_text()
    assert len(result.text) < len(full) and full.startswith(result.text)
    assert result.latency_s is not None and result.latency_s < 20


def test_the_deadline_is_not_spent_waiting_to_retry(fake_env: FakeServer) -> None:
    settings = StreamSettings(max_attempts=5, deadline_s=1.0)
    result = run("openai:fake;fault=429;retry_after=30", replace(settings, retry_after_cap_s=60))
    assert result.status == "failed" and result.error and "deadline would pass first" in result.error
    assert result.attempts == 1


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [429, 408, 500, 503, 529])
def test_retryable_statuses_are_retried_before_the_stream(provider: str, status: int, fake_env: FakeServer) -> None:
    result = run(f"{provider}:fake;fault={status}:2")
    assert result.status == "done", result.error
    assert result.attempts == 3
    assert len(fake_env.requests) == 3  # our retries only: the SDKs' own are off


@pytest.mark.parametrize("provider", PROVIDERS)
def test_retry_after_is_honoured(provider: str, fake_env: FakeServer) -> None:
    result = run(f"{provider}:fake;fault=429:1;retry_after=0.4")
    assert result.status == "done", result.error
    assert result.attempts == 2
    first, second = fake_env.requests
    assert second.received_at - first.received_at >= 0.4


@pytest.mark.parametrize("provider", PROVIDERS)
def test_retry_after_beyond_the_cap_fails_at_once(provider: str, fake_env: FakeServer) -> None:
    settings = StreamSettings(max_attempts=4, backoff_base_s=0.01, retry_after_cap_s=1.0)
    result = run(f"{provider}:fake;fault=429;retry_after=30", settings)
    assert result.status == "failed" and result.http_status == 429
    assert result.attempts == 1 and "rate limit" in (result.error or "")
    assert "asked to wait 30 s" in (result.error or "")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_persistent_server_errors_give_up_after_max_attempts(provider: str, fake_env: FakeServer) -> None:
    settings = StreamSettings(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.02)
    result = run(f"{provider}:fake;fault=503", settings)
    assert result.status == "failed" and result.finish_reason == "error"
    assert result.http_status == 503 and result.attempts == 3 and len(fake_env.requests) == 3
    assert result.error and f"{provider}:fake;fault=503" in result.error and "try again later" in result.error
    assert "gave up after 3 attempts" in result.error


@pytest.mark.parametrize("provider", PROVIDERS)
def test_one_attempt_means_exactly_one_request(provider: str, fake_env: FakeServer) -> None:
    result = run(f"{provider}:fake;fault=529", StreamSettings(max_attempts=1))
    assert result.status == "failed" and result.attempts == 1 and len(fake_env.requests) == 1


KEY_VARS = {"gemini": "GEMINI_API_KEY", "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("status", "words"),
    [
        (400, "rejected as invalid"),
        (401, "rejected the API key"),
        (403, "refused access"),
        (404, "is unknown to provider"),
    ],
)
def test_client_errors_are_not_retried_and_say_what_to_do(
    provider: str, status: int, words: str, fake_env: FakeServer
) -> None:
    result = run(f"{provider}:fake;fault={status}")
    assert result.status == "failed" and result.http_status == status
    assert result.attempts == 1 and len(fake_env.requests) == 1
    assert result.error and words in result.error and provider in result.error
    if status in (401, 403):
        assert KEY_VARS[provider] in result.error


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rejected_key_names_the_variable_and_never_shows_the_key(
    provider: str, fake_env: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_env.required_key = "the-right-key"
    monkeypatch.setenv(KEY_VARS[provider], "sk-wrong-key-1234567890")
    result = run(f"{provider}:fake")
    assert result.status == "failed" and result.http_status == 401
    assert KEY_VARS[provider] in (result.error or "")
    assert "sk-wrong-key-1234567890" not in (result.error or "")
    assert fake_env.requests[0].had_key
    assert all("sk-wrong" not in value for value in fake_env.requests[0].headers.values())


@pytest.mark.parametrize("provider", PROVIDERS)
def test_missing_key_fails_before_any_request(
    provider: str, fake_env: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    result = run(f"{provider}:fake")
    assert result.status == "failed" and result.attempts == 0
    assert KEY_VARS[provider] in (result.error or "") and "No API key" in (result.error or "")
    assert fake_env.requests == []


def test_google_api_key_also_works_for_gemini(fake_env: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    assert run("gemini:fake").status == "done"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("finish", "normalised"), [("length", "length"), ("safety", "safety"), ("refusal", "refusal")]
)
def test_finish_reasons_are_normalised_and_raw_kept(
    provider: str, finish: str, normalised: str, fake_env: FakeServer
) -> None:
    result = run(f"{provider}:fake;finish={finish};chunks=3")
    assert result.status == "done"
    # Providers only have the reasons they have: Gemini/OpenAI report a refusal as a safety stop,
    # Anthropic reports a safety stop as a refusal.
    expected = {"gemini": {"refusal": "safety"}, "openai": {"refusal": "safety"}, "anthropic": {"safety": "refusal"}}
    assert result.finish_reason == expected[provider].get(finish, normalised)
    assert result.raw_finish_reason == FINISH_RAW[provider][finish]


def test_a_gemini_prompt_block_is_a_safety_stop(fake_env: FakeServer) -> None:
    result = run("gemini:fake;finish=blocked")
    assert result.status == "done" and result.text == ""
    assert (result.finish_reason, result.raw_finish_reason) == ("safety", "PROHIBITED_CONTENT")
    assert result.usage.input_tokens and result.usage.output_tokens == 0


def test_unknown_raw_finish_reason_is_an_error(fake_env: FakeServer) -> None:
    result = run("gemini:fake;finish=MALFORMED_FUNCTION_CALL;chunks=2")
    assert result.status == "failed" and result.finish_reason == "error"
    assert result.raw_finish_reason == "MALFORMED_FUNCTION_CALL"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unreachable_server_is_retried_then_reported(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    monkeypatch.setenv(KEY_VARS[provider], "k")
    monkeypatch.setenv({"gemini": "GOOGLE_GEMINI_BASE_URL", "openai": "OPENAI_BASE_URL",
                        "anthropic": "ANTHROPIC_BASE_URL"}[provider], dead + ("/v1" if provider == "openai" else ""))
    result = run(f"{provider}:fake", StreamSettings(max_attempts=2, backoff_base_s=0.01))
    assert result.status == "failed" and result.attempts == 2
    assert "could not reach the provider" in (result.error or "")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cancellation_returns_the_partial_text(provider: str, fake_env: FakeServer) -> None:
    model = "fake;chunks=40;interval_ms=50"

    async def scenario() -> GenerationResult:
        some_text = asyncio.Event()
        request = GenerationRequest(model="", prompt="p")
        task = asyncio.create_task(
            generate(f"{provider}:{model}", request, settings=FAST, on_progress=lambda p: some_text.set())
        )
        await asyncio.wait_for(some_text.wait(), 30)
        await asyncio.sleep(0.2)
        task.cancel()
        return await task

    result = asyncio.run(scenario())
    assert result.status == "cancelled"
    full = parse_model_name(model).answer_text()
    assert 0 < len(result.text) < len(full) and full.startswith(result.text)


def test_progress_is_reported_while_streaming(fake_env: FakeServer) -> None:
    seen: list[Progress] = []
    request = GenerationRequest(model="", prompt="p")
    result = asyncio.run(
        generate("openai:fake;chunks=20;interval_ms=25", request, settings=FAST, on_progress=seen.append)
    )
    assert result.status == "done"
    assert len(seen) >= 3
    assert all(len(a.text) <= len(b.text) for a, b in itertools.pairwise(seen))
    assert all(result.text.startswith(p.text) for p in seen)
    gaps = [b.elapsed_s - a.elapsed_s for a, b in itertools.pairwise(seen)]
    assert min(gaps) >= FAST.progress_interval_s * 0.99


def test_sixteen_concurrent_streams(fake_env: FakeServer) -> None:
    async def many() -> list[GenerationResult]:
        request = GenerationRequest(model="", prompt="p")
        ids = [f"{PROVIDERS[i % 3]}:fake;chunks=30;interval_ms=10" for i in range(18)]
        return await asyncio.gather(*(generate(m, request, settings=FAST) for m in ids))

    results = asyncio.run(many())
    assert [r.status for r in results] == ["done"] * 18
    assert len({r.text for r in results}) == 1


FIRST_REQUEST = """
import asyncio, json, sys
from canvasbench.providers import GenerationRequest, generate
from canvasbench.run.warm import warm
warm(("gemini", "openai", "anthropic"))  # what Runner.submit does, off the event loop
before = set(sys.modules)
for name in ("gemini", "openai", "anthropic"):
    result = asyncio.run(generate(f"{name}:fake", GenerationRequest(model="", prompt="x")))
    assert result.status == "done", result.error
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_first_timed_request_of_a_process_imports_no_http_stack(fake_env_vars: dict[str, str]) -> None:
    # httpx loads httpcore, h11 and anyio (66 modules) on its first request: inside the first run's TTFT,
    # on the loop every stream shares (it was 110 ms of a CLI run's 130 ms TTFT).
    done = subprocess.run([sys.executable, "-c", FIRST_REQUEST], env={**os.environ, **fake_env_vars},
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    http_stack = ("httpcore2", "h11", "anyio", "truststore", "httpx2")
    assert [m for m in json.loads(done.stdout) if m.split(".")[0] in http_stack] == []
