"""generate(): one model, one prompt — our only retry policy, the idle timeout, the timings, and never losing text."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from canvasbench.errors import CanvasBenchError, ProviderError
from canvasbench.providers import base
from canvasbench.providers.activity import Activity, current_activity
from canvasbench.providers.catalogue import accepted_request, default_max_output_tokens
from canvasbench.providers.registry import ensure_ready, get_provider, parse_model_id
from canvasbench.redact import install as install_redaction
from canvasbench.redact import redact

log = logging.getLogger("canvasbench.providers")
install_redaction()  # whatever streams may log or raise an SDK error carrying a key: mask it everywhere


# Below this much waiting for bytes after the first ones, an answer arrived at once: no tokens/s for it.
MIN_STREAM_WAIT_S = 0.05


@dataclass(frozen=True)
class StreamSettings:
    """Retry, backoff, idle-timeout and deadline knobs (seconds).

    The idle timeout ends a stream that brings no new answer or thinking text for that long (keep-alive
    pings keep the connection, not the run). The deadline, off by default, bounds the whole generation,
    retries included: long generations are the point of the tool, so only those who want one set it.
    """

    idle_timeout_s: float = 300.0
    deadline_s: float | None = None
    max_attempts: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    retry_after_cap_s: float = 120.0
    progress_interval_s: float = 0.5


def backoff_delay(attempt: int, retry_after_s: float | None, settings: StreamSettings) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None if the provider asks for more than the cap.

    Retry-After is honoured as given; otherwise exponential backoff with "equal jitter" (half fixed,
    half random) so parallel runs hitting the same limit do not retry in lockstep.
    """
    if retry_after_s is not None:
        return None if retry_after_s > settings.retry_after_cap_s else retry_after_s
    ceiling = min(settings.backoff_max_s, settings.backoff_base_s * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


class _Attempt:
    """What one attempt received; the last attempt becomes the result."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.first_chunk: float | None = None
        self.first_text: float | None = None
        self.usage: base.Usage | None = None
        self.finish: base.Finish | None = None
        self.chunks = 0
        self.ended: float | None = None  # when the stream ended or broke (before closing the client)
        self.activity = Activity()
        self.on_text: Callable[[str], None] | None = None  # told of every piece of answer text as it arrives

    @property
    def has_content(self) -> bool:
        return bool(self.text or self.reasoning)


async def generate(
    model_id: str,
    request: base.GenerationRequest,
    *,
    settings: StreamSettings | None = None,
    on_progress: Callable[[base.Progress], None] | None = None,
    on_text: Callable[[int, str], None] | None = None,
) -> base.GenerationResult:
    """Stream one generation to the end; never raises for provider, network or key failures.

    `on_text(attempt, piece)` hears every piece of answer text as it arrives (a retry's attempt number
    starts its text afresh); it must be cheap: it runs between the chunks of every stream on the loop.
    """
    settings = settings or StreamSettings()
    try:
        ensure_ready(model_id)
        provider_name, model = parse_model_id(model_id)
        provider = get_provider(provider_name)
    except CanvasBenchError as exc:
        return base.GenerationResult(status="failed", finish_reason="error", error=str(exc))
    max_out = request.max_output_tokens or default_max_output_tokens(provider_name, model)
    # The one place options a model refuses are dropped, so no adapter ever sends them.
    request = accepted_request(f"{provider_name}:{model}", replace(request, model=model, max_output_tokens=max_out))
    loop = asyncio.get_running_loop()
    attempt_no = 0
    current = _Attempt(time.monotonic())
    deadline = None if settings.deadline_s is None else current.started + settings.deadline_s
    last_progress = 0.0

    def progress(now: float) -> None:
        nonlocal last_progress
        if on_progress is None or now - last_progress < settings.progress_interval_s:
            return
        last_progress = now
        snapshot = base.Progress(
            elapsed_s=now - current.started,
            text="".join(current.text),
            reasoning="".join(current.reasoning),
            first_chunk_s=_rel(current.first_chunk, current.started),
            ttft_s=_rel(current.first_text, current.started),
            attempts=attempt_no,
        )
        try:
            on_progress(snapshot)
        except Exception:  # a broken progress display must not end the generation
            log.exception("progress callback failed for %s", model_id)

    try:
        while True:
            attempt_no += 1
            current = _Attempt(time.monotonic())
            if on_text is not None:
                current.on_text = functools.partial(on_text, attempt_no)
            try:
                await _consume(provider.stream(request), current, settings, loop, progress, deadline)
            except ProviderError as exc:
                delay = None
                if exc.retryable and not current.has_content and attempt_no < settings.max_attempts:
                    delay = backoff_delay(attempt_no, exc.retry_after_s, settings)
                if delay is None:
                    message = str(exc)
                    if exc.retryable and not current.has_content:
                        message += _gave_up(attempt_no, exc.retry_after_s, settings)
                    return _failed(current, attempt_no, time.monotonic(), _clean(message), exc.status)
                if deadline is not None and time.monotonic() + delay >= deadline:
                    message = f"{exc} Not retried: the {settings.deadline_s:g} s deadline would pass first."
                    return _failed(current, attempt_no, time.monotonic(), _clean(message), exc.status)
                log.info("%s: attempt %d failed (HTTP %s), retrying in %.2fs", model_id, attempt_no, exc.status, delay)
                await asyncio.sleep(delay)
                continue
            except _Stalled as stall:
                if stall.deadline:
                    result = _result(current, attempt_no, time.monotonic(), "incomplete")
                    result.finish_reason = "incomplete"
                    result.error = stall.message(model_id, settings)
                    return result
                return _failed(current, attempt_no, time.monotonic(), stall.message(model_id, settings), None)
            except CanvasBenchError as exc:  # e.g. a key removed between ensure_ready and the request
                return _failed(current, attempt_no, time.monotonic(), _clean(str(exc)), None)
            except Exception as exc:  # an SDK surprise: keep the text and say what happened
                log.exception("unexpected error from %s", model_id)
                message = f"{model_id}: unexpected {type(exc).__name__}: {exc}"
                return _failed(current, attempt_no, time.monotonic(), _clean(message), None)
            return _finished(current, attempt_no, time.monotonic())
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()  # we answer the cancel with a result instead of propagating it
        result = _result(current, attempt_no, time.monotonic(), "cancelled")
        result.error = "cancelled by the user; the text received so far is kept."
        return result


class _Stalled(Exception):
    def __init__(self, attempt: _Attempt, *, deadline: bool) -> None:
        self.attempt = attempt
        self.deadline = deadline  # the overall deadline passed (else: no progress for the idle time)

    def message(self, model_id: str, settings: StreamSettings) -> str:
        if self.deadline:
            return (
                f"{model_id}: stopped at the {settings.deadline_s:g} s deadline before the answer was complete; "
                "the text received so far is kept."
            )
        pings = " (only keep-alives arrived)" if self.attempt.activity.received is not None else ""
        if self.attempt.first_text is None and not self.attempt.reasoning:
            return f"{model_id}: stalled: no text for {settings.idle_timeout_s:g} s after the request was sent{pings}."
        return (
            f"{model_id}: stalled: no new text for {settings.idle_timeout_s:g} s after {self.attempt.chunks} "
            f"stream events{pings}; the text received so far is kept."
        )


async def _consume(
    events: AsyncIterator[base.StreamEvent],
    attempt: _Attempt,
    settings: StreamSettings,
    loop: asyncio.AbstractEventLoop,
    progress: Callable[[float], None],
    deadline: float | None = None,
) -> None:
    """Read events into `attempt`, failing as stalled when no new text arrives for the idle time (keep-alives
    do not count) or the overall deadline passes."""
    iterator = aiter(events)
    activity = attempt.activity
    token = current_activity.set(activity)  # the adapters' HTTP transport stamps it (see http.py)
    watchdog = _Watchdog(activity, settings.idle_timeout_s, loop, deadline)
    try:
        async for event in iterator:
            activity.touch()
            now = time.monotonic()
            if isinstance(event, base.RequestSent):
                if attempt.first_chunk is None:
                    attempt.started = now
                continue
            # When the bytes behind this event arrived, not when the busy loop got round to it.
            at = activity.received if activity.received is not None else now
            attempt.chunks += 1
            if attempt.first_chunk is None:
                if activity.sent is not None:
                    attempt.started = activity.sent  # the request left; the SDK's own set-up is not provider time
                attempt.first_chunk = at
            if isinstance(event, base.TextDelta):
                if event.text:
                    activity.progressed()
                    attempt.text.append(event.text)
                    if attempt.on_text is not None:
                        attempt.on_text(event.text)
                    if attempt.first_text is None:
                        attempt.first_text = at
                    progress(now)
            elif isinstance(event, base.ThinkingDelta):
                if event.text:
                    activity.progressed()
                    attempt.reasoning.append(event.text)
                    progress(now)
            elif isinstance(event, base.UsageReport):
                attempt.usage = event.usage
            elif isinstance(event, base.Finish):
                attempt.finish = event
        attempt.ended = activity.received if activity.received is not None else time.monotonic()
    except BaseException:
        attempt.ended = time.monotonic()
        task = asyncio.current_task()
        # After our watchdog's cancel, whatever the SDK raised is a stall; a cancel from anyone else
        # (the user) is still pending in the count and goes on up.
        if watchdog.fired and task is not None and task.uncancel() == 0:
            raise _Stalled(attempt, deadline=watchdog.deadline_passed) from None
        raise
    finally:
        watchdog.stop()
        current_activity.reset(token)
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(closer(), 5)


class _Watchdog:
    """Cancels the current task once no new text has arrived for `idle_s` seconds, or at the deadline.

    One timer per attempt, re-armed only when it fires: the per-event cost is nil, where a timeout
    around each read would cost a task and a timer per chunk on the loop every stream shares.
    """

    def __init__(
        self, activity: Activity, idle_s: float, loop: asyncio.AbstractEventLoop, deadline: float | None = None
    ) -> None:
        self.fired = False
        self.deadline_passed = False
        self._activity = activity
        self._idle_s = idle_s
        self._deadline = deadline
        self._loop = loop
        self._task = asyncio.current_task()
        self._handle = loop.call_later(self._remaining(), self._check)

    def _remaining(self) -> float:
        # call_later, not call_at: activity times are time.monotonic(), which need not be the loop's clock.
        due = self._activity.progress + self._idle_s
        if self._deadline is not None:
            due = min(due, self._deadline)
        return due - time.monotonic()

    def _check(self) -> None:
        remaining = self._remaining()
        if remaining > 0:
            self._handle = self._loop.call_later(remaining, self._check)
        elif self._task is not None:
            self.fired = True
            self.deadline_passed = self._deadline is not None and time.monotonic() >= self._deadline
            self._task.cancel()

    def stop(self) -> None:
        """Disarm (the attempt is over)."""
        self._handle.cancel()


def _gave_up(attempts: int, retry_after_s: float | None, settings: StreamSettings) -> str:
    """Why a retryable failure was not retried (again)."""
    if retry_after_s is not None and retry_after_s > settings.retry_after_cap_s and attempts < settings.max_attempts:
        return (
            f" The provider asked to wait {retry_after_s:g} s before retrying, more than the "
            f"{settings.retry_after_cap_s:g} s we wait: try again later."
        )
    return f" (gave up after {attempts} attempt{'s' if attempts != 1 else ''})"


def _rel(moment: float | None, start: float) -> float | None:
    return None if moment is None else moment - start


def _clean(message: str) -> str:
    return redact(message)


def _result(attempt: _Attempt, attempts: int, now: float, status: str) -> base.GenerationResult:
    end = attempt.ended if attempt.ended is not None else now
    usage = attempt.usage or base.Usage()
    tokens_per_s = None
    first = attempt.first_chunk
    if attempt.usage is not None and first is not None and end > first and _streamed(attempt):
        billed = (usage.output_tokens or 0) + (usage.thinking_tokens or 0)
        tokens_per_s = billed / (end - first) if billed else None
    return base.GenerationResult(
        status=status,  # type: ignore[arg-type]
        text="".join(attempt.text),
        reasoning="".join(attempt.reasoning),
        finish_reason=attempt.finish.reason if attempt.finish else None,
        raw_finish_reason=attempt.finish.raw_reason if attempt.finish else None,
        attempts=attempts,
        first_chunk_s=_rel(attempt.first_chunk, attempt.started),
        ttft_s=_rel(attempt.first_text, attempt.started),
        latency_s=end - attempt.started,
        tokens_per_s=tokens_per_s,
        usage=usage,
    )


def _streamed(attempt: _Attempt) -> bool:
    """Whether the answer came over time: one that was all there at once has no rate (it would read as
    millions of tokens a second). Adapters that do not use our transport are taken at their word."""
    activity = attempt.activity
    return activity.received is None or activity.waited_after_first >= MIN_STREAM_WAIT_S


def _failed(attempt: _Attempt, attempts: int, end: float, error: str, status: int | None) -> base.GenerationResult:
    result = _result(attempt, attempts, end, "failed")
    result.finish_reason = "error"
    result.error = error
    result.http_status = status
    return result


def _finished(attempt: _Attempt, attempts: int, end: float) -> base.GenerationResult:
    """A clean end of stream: done only with both a finish reason and a usage report."""
    if attempt.finish is None:
        result = _result(attempt, attempts, end, "incomplete")
        result.finish_reason = "incomplete"
        result.error = "the stream ended without a finish reason: the answer may be cut short."
        return result
    if attempt.usage is None:
        result = _result(attempt, attempts, end, "incomplete")
        result.error = "the stream ended without a usage report: token counts and cost are unknown."
        return result
    if attempt.finish.reason == "error":
        result = _result(attempt, attempts, end, "failed")
        result.error = f"the provider ended the answer with reason {attempt.finish.raw_reason}."
        return result
    if attempt.finish.reason == "incomplete":
        result = _result(attempt, attempts, end, "incomplete")
        result.error = f"the provider paused the answer ({attempt.finish.raw_reason}) before it was complete."
        return result
    return _result(attempt, attempts, end, "done")
