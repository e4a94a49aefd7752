"""The one status mapping: every combination of status, finish reason, error kind, truncation and stall."""

from __future__ import annotations

import itertools
import json

import pytest

from canvasbench.present.outcome import STALL_AFTER_S, StallWatch, describe, last_text_change
from canvasbench.status import ACTIVE_STATUSES

STATUSES = ("queued", "running", "done", "failed", "incomplete", "cancelled", "interrupted")
FINISHES = (None, "stop", "length", "safety", "refusal", "error", "incomplete")
ERRORS = {
    "none": None,
    "cut": "openai:gpt-5.2: connection lost mid-stream (RemoteProtocolError: peer closed); the text received so far "
    "is kept.",
    "in_stream": "gemini:x: in-stream provider error: RESOURCE_EXHAUSTED quota; the text received so far is kept.",
    "stall": "openai:gpt-5.2: stalled: no data for 300 s after 12 stream events; the text received so far is kept.",
    "http": "openai:gpt-5.2: rate limit or quota exceeded: wait and retry, or run fewer at once.",
    "cancel": "cancelled by the user; the text received so far is kept.",
}
STALLS = (None, 3.0, 42.0)


@pytest.mark.parametrize(
    ("status", "finish", "error", "truncated", "stalled"),
    list(itertools.product(STATUSES, FINISHES, ERRORS, (False, True), STALLS)),
)
def test_every_combination_says_what_happened_once(
    status: str, finish: str | None, error: str, truncated: bool, stalled: float | None
) -> None:
    state = describe(status, finish, ERRORS[error], truncated, stalled)
    message = state.message or ""
    # One message: no sentence is said twice, and the badge word is not repeated inside it.
    sentences = [s.strip().lower() for s in message.split(". ") if s.strip()]
    assert len(sentences) == len(set(sentences)), message
    assert message.lower().count("kept") <= 1, message
    assert message.lower().count("cancel") <= 1, message
    # The output limit is claimed only for a finished run whose finish reason says so.
    if "output limit" in message or state.key == "output_limit":
        assert status == "done" and finish == "length"
    # Only a clean stop is green.
    if state.tone == "green":
        assert status == "done" and finish not in ("safety", "refusal", "length") and not truncated
    if status == "cancelled":
        assert state.key == "cancelled" and "by you" in message
    if status == "done" and finish in ("safety", "refusal"):
        assert state.key in ("safety", "refused") and state.tone == "red"
    if status == "failed" and error == "cut":
        assert state.key == "cut" and "cut mid-stream" in message
    if status == "failed" and error == "in_stream":
        assert state.key == "provider_error" and "RESOURCE_EXHAUSTED quota" in message
    if status == "failed" and error == "stall":
        assert state.key == "stalled" and "No data for 5 min" in message
    if status == "running":
        assert state.active
        assert (state.key == "stalled") == (stalled is not None and stalled >= STALL_AFTER_S)
        if state.key == "stalled":
            assert "No data for 42 s" in message
    else:
        assert state.key != "running"
    if status in ("failed", "incomplete", "cancelled", "interrupted"):
        assert message, "a run that did not finish must say why"
    assert state.ok == (state.key == "done")
    # Only a queued or streaming run is active: one that failed after a stall shows its message, not a Cancel.
    assert state.active == (status in ACTIVE_STATUSES)


def test_no_detail_repeats_the_message() -> None:
    state = describe("failed", "error", ERRORS["cut"])
    assert state.detail == "RemoteProtocolError: peer closed"
    assert "RemoteProtocolError" not in (state.message or "")


def test_failed_http_error_is_said_as_the_provider_said() -> None:
    state = describe("failed", "error", ERRORS["http"])
    assert state.key == "failed"
    assert state.message == "Rate limit or quota exceeded: wait and retry, or run fewer at once."


def test_truncated_done_is_not_an_output_limit() -> None:
    state = describe("done", "stop", None, True)
    assert state.key == "unfinished_code" and "output limit" not in (state.message or "")


def test_last_text_change_from_timeline() -> None:
    timeline = json.dumps([[0.5, 10, 1], [1.0, 40, 2], [2.0, 80, 3], [9.0, 80, 3], [30.0, 80, 3]])
    changed = last_text_change("2026-11-30T10:00:00.000Z", timeline)
    start = last_text_change("2026-11-30T10:00:00.000Z", None)
    assert changed is not None and start is not None
    assert changed - start == pytest.approx(2.0)


def test_stall_watch_counts_time_without_data() -> None:
    now = [1_000.0]
    watch = StallWatch(clock=lambda: now[0])
    run = {"id": "r1", "status": "running", "chars_so_far": 100, "reasoning_chars": 5, "started_at": None}
    assert watch.stalled_s(run) == 0.0
    now[0] += 42
    stalled = watch.stalled_s(run)
    assert stalled == pytest.approx(42.0)
    assert describe("running", stalled_s=stalled).message == (
        "No data for 42 s: the provider has gone quiet; waiting, the text so far is kept."
    )
    run["reasoning_chars"] = 9  # reasoning grew: data arrived
    assert watch.stalled_s(run) == 0.0
    assert watch.stalled_s({**run, "status": "done"}) is None


def test_waiting_for_the_first_token_is_not_a_stall() -> None:
    now = [0.0]
    watch = StallWatch(clock=lambda: now[0])
    run = {"id": "r2", "status": "running", "chars_so_far": 0, "reasoning_chars": 0, "started_at": None}
    watch.stalled_s(run)
    now[0] += 600
    assert watch.stalled_s(run) is None
