"""Conversations through the adapters: each protocol's native multi-turn form, prompt caching priced as
cached, and the fakes' "answers badly, then fixes on round k" grammar, all through the real SDKs."""

from __future__ import annotations

import asyncio
import json

import pytest

from canvasbench.measure.analysis import analyse_response
from canvasbench.providers import GenerationRequest, GenerationResult, StreamSettings, generate
from canvasbench.providers.base import EMPTY_ANSWER, ImagePart, Turn
from canvasbench.run.final_row import final_row
from canvasbench.store import RunStore, reads, utc_now, writes
from tests.fakes import FakeBehaviour, FakeServer, fixtures
from tests.fakes.behaviour import CANVAS_PAGE, THINKING_TEXT
from tests.fakes.conversation import cache_usage

FAST = StreamSettings(idle_timeout_s=5.0, max_attempts=2, backoff_base_s=0.01)
PROTOCOLS = ["gemini", "openai", "anthropic"]
PNG = b"\x89PNG\r\n\x1a\nthe first screenshot"
JPEG = b"\xff\xd8\xffthe second screenshot"
PROMPTS = ["Draw a solar system on a canvas.", "The planets' labels overlap: fix that.", "Add a pause button."]

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env


def ask(model_id: str, request: GenerationRequest) -> GenerationResult:
    return asyncio.run(generate(model_id, request, settings=FAST))


def converse(model_id: str, prompts: list[str], images: dict[int, ImagePart]) -> list[GenerationResult]:
    """Send prompts[0], then each next prompt as a follow-up to the model's answer; images on the turns given."""
    request = GenerationRequest(model="", prompt=prompts[0], images=(images[0],) if 0 in images else ())
    results = [ask(model_id, request)]
    for i, text in enumerate(prompts[1:], start=1):
        request = request.follow_up(results[-1], text, images=(images[i],) if i in images else ())
        results.append(ask(model_id, request))
    return results


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_conversation_arrives_in_the_protocols_own_multi_turn_form(protocol: str, fake_env: FakeServer) -> None:
    images = {0: ImagePart(PNG), 1: ImagePart(JPEG, "image/jpeg")}
    results = converse(f"{protocol}:fake;thinking=2", PROMPTS, images)
    assert [r.status for r in results] == ["done"] * 3
    assert THINKING_TEXT in results[0].reasoning  # the model did think: there was thinking to send back

    last = fake_env.requests[-1]
    turns = last.turns
    assert [t.role for t in turns] == ["user", "model", "user", "model", "user"]
    assert [t.text for t in turns] == [PROMPTS[0], results[0].text, PROMPTS[1], results[1].text, PROMPTS[2]]
    assert [t.images for t in turns] == [[("image/png", PNG)], [], [("image/jpeg", JPEG)], [], []]
    # Earlier thinking is not sent back: no thought parts, thinking blocks or reasoning fields, anywhere.
    assert all(not t.thinking for t in turns)
    assert THINKING_TEXT.strip() not in json.dumps(last.body)
    # In the protocol's own words: Gemini contents with user/model roles, messages with user/assistant.
    if protocol == "gemini":
        assert [c["role"] for c in last.body["contents"]] == ["user", "model", "user", "model", "user"]
    else:
        assert [m["role"] for m in last.body["messages"]] == ["user", "assistant", "user", "assistant", "user"]
    assert [r.round for r in fake_env.requests] == [0, 1, 2]


def test_anthropic_marks_the_earlier_turns_for_caching_and_a_first_prompt_not_at_all(fake_env: FakeServer) -> None:
    converse("anthropic:fake", PROMPTS, {})
    marked = [[i for i, t in enumerate(r.turns) if t.cache_marked] for r in fake_env.requests]
    assert marked == [[], [1], [3]]  # the last turn before the new one: the whole repeated prefix


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_empty_earlier_answer_is_sent_as_no_answer(protocol: str, fake_env: FakeServer) -> None:
    first = GenerationRequest(model="", prompt=PROMPTS[0])
    empty = GenerationResult(status="done", text="", reasoning="all thinking, no answer")
    assert ask(f"{protocol}:fake", first.follow_up(empty, PROMPTS[1])).status == "done"
    turns = fake_env.requests[-1].turns
    assert [(t.role, t.text) for t in turns] == [("user", PROMPTS[0]), ("model", EMPTY_ANSWER), ("user", PROMPTS[1])]


# The prices of the provider-facts brief and the pricing pages: input, output, cache read, cache write.
PRICED = {
    "gemini": ("gemini-3-flash-preview", 0.50, 3.00, 0.05, None),
    "openai": ("gpt-5.2", 1.75, 14.00, 0.175, None),
    "anthropic": ("claude-sonnet-4-6", 3.00, 15.00, 0.30, 3.75),
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_cached_input_is_stored_exported_and_priced_at_the_cached_rate(protocol: str, fake_env: FakeServer) -> None:
    model, inp, out, cached_rate, write_rate = PRICED[protocol]
    fake_env.add_preset(model, FakeBehaviour(cache="prefix"))  # reports the earlier turns as cached
    model_id = f"{protocol}:{model}"
    result = converse(model_id, PROMPTS, {})[-1]
    read, written = cache_usage(protocol, fake_env.requests[-1].turns)  # what the fake reported
    assert read > 0 and result.usage.cached_tokens == read
    assert (result.usage.cache_write_tokens or 0) == written
    assert (written > 0) == (protocol == "anthropic")  # only Anthropic bills writing the cache

    store = RunStore()
    prompt = {"id": "custom-conv", "title": "Solar system", "category": "sim", "kind": "html", "text": PROMPTS[0]}
    comparison_id, (run_id,) = writes.create_comparison(store, prompt=prompt, model_ids=[model_id])
    row = final_row(model_id, result, analyse_response(result.text), timeline=[], finished_at=utc_now())
    writes.set_run_columns(store, run_id, row)

    (stored,) = reads.runs_of(store, comparison_id)
    usage = result.usage
    assert usage.input_tokens is not None and usage.output_tokens is not None
    assert (stored["cached_tokens"], stored["cache_write_tokens"] or 0) == (read, written)
    fresh = usage.input_tokens - read - written
    billed_out = usage.output_tokens + (usage.thinking_tokens or 0)
    expected = (fresh * inp + read * cached_rate + written * (write_rate or inp) + billed_out * out) / 1e6
    assert stored["cost_usd"] == pytest.approx(expected)
    all_as_input = (usage.input_tokens * inp + billed_out * out) / 1e6
    assert stored["cost_usd"] != pytest.approx(all_as_input)
    (exported,) = reads.export_rows(store, comparison_id=comparison_id)
    assert (exported["cached_tokens"], exported["cache_write_tokens"] or 0) == (read, written)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_fake_answers_badly_then_fixes_on_round_k(protocol: str, fake_env: FakeServer) -> None:
    prompts = [PROMPTS[0]] + ["That did not work: send the complete corrected file."] * 4
    results = converse(f"{protocol}:fake;rounds=throws,blank,cut,good", prompts, {})
    throws, blank, cut, good, later = results
    assert "drawScene(ctx);" in throws.text and throws.status == "done"  # an uncaught ReferenceError
    assert "never draws" in blank.text and "fillRect" not in blank.text
    assert cut.finish_reason == "length" and "</html>" not in cut.text and "<canvas" in cut.text
    assert CANVAS_PAGE in good.text and good.finish_reason == "stop"
    assert later.text == good.text  # the last entry holds for every later round
    assert [r.round for r in fake_env.requests] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_fake_can_fail_at_the_provider_on_one_round(protocol: str, fake_env: FakeServer) -> None:
    failed, fixed = converse(f"{protocol}:fake;rounds=fail,good", PROMPTS[:2], {})
    assert failed.status == "failed" and failed.text and failed.error  # partial text kept, reason given
    assert fixed.status == "done" and CANVAS_PAGE in fixed.text


def test_an_unknown_round_is_refused_by_name(fake_env: FakeServer) -> None:
    result = ask("openai:fake;rounds=throws,oops", GenerationRequest(model="", prompt="p"))
    assert result.status == "failed" and "oops" in (result.error or "")


def test_a_history_must_alternate_and_end_with_the_models_answer() -> None:
    with pytest.raises(ValueError, match="alternate"):
        GenerationRequest(model="m", prompt="p", history=(Turn.model("a"), Turn.user("q")))
    with pytest.raises(ValueError, match="end with the model"):
        GenerationRequest(model="m", prompt="p", history=(Turn.user("q"),))
    with pytest.raises(ValueError, match="only user turns"):
        Turn("model", "a", (ImagePart(PNG),))


def test_a_follow_up_keeps_the_settings_and_leaves_the_reasoning_out() -> None:
    first = GenerationRequest(model="m", prompt="p", thinking="high", max_output_tokens=999, images=(ImagePart(PNG),))
    answer = GenerationResult(status="done", text="<html></html>", reasoning="secret plan")
    second = first.follow_up(answer, "fix it")
    assert second.turns() == (Turn.user("p", (ImagePart(PNG),)), Turn.model("<html></html>"), Turn.user("fix it"))
    assert (second.thinking, second.max_output_tokens, second.round) == ("high", 999, 1)
    assert "secret plan" not in repr(second)
