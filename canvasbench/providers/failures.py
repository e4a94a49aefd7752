"""Turning provider refusals and broken streams into ProviderErrors that say what to do."""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Iterable, Mapping

from canvasbench.errors import ProviderError
from canvasbench.redact import redact, redact_url

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})
_DETAIL_LIMIT = 300


def env_key(env_vars: Iterable[str]) -> str | None:
    """The first non-empty key among the named environment variables."""
    for name in env_vars:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def scrub(text: str, env_vars: Iterable[str]) -> str:
    """Mask every spelling of the key in the named variables, and of every other configured key, as '***'."""
    return redact(text, env_vars)


def _short(detail: str | None, env_vars: Iterable[str]) -> str:
    # Masked before it is cut short: a key cut in half would no longer be recognised, and half is still a leak.
    detail = " ".join(scrub(detail or "", env_vars).split())
    return detail if len(detail) <= _DETAIL_LIMIT else detail[: _DETAIL_LIMIT - 1] + "…"


def http_error(
    provider: str,
    model: str,
    status: int | None,
    detail: str | None,
    *,
    key_env_vars: tuple[str, ...],
    retry_after_s: float | None = None,
) -> ProviderError:
    """The ProviderError for an HTTP error status returned before the stream started."""
    said = f" The provider said: {_short(detail, key_env_vars)}" if detail else ""
    keys = " or ".join(key_env_vars) or "the endpoint's key variable"
    if status in (401, 403):
        what = "rejected the API key" if status == 401 else "refused access with this API key"
        message = f"{provider} {what}: check {keys} (is it the right key, active, allowed this model?).{said}"
    elif status == 404:
        message = (
            f"model id '{model}' is unknown to provider '{provider}' (404): check the spelling, or run "
            f"'canvasbench models' for known ids.{said}"
        )
    elif status == 429:
        message = f"rate limit or quota exceeded: wait and retry, or run fewer at once.{said}"
    elif status == 400:
        message = f"the request was rejected as invalid (e.g. too high a max output tokens setting).{said}"
    elif status is not None and status in RETRYABLE_STATUSES:
        kind = "is overloaded" if status == 529 else "had a server error"
        message = f"the provider {kind}: try again later.{said}"
    else:
        message = f"the request failed.{said}"
    return ProviderError(
        scrub(message, key_env_vars),
        provider=provider,
        model=model,
        status=status,
        retryable=status in RETRYABLE_STATUSES,
        retry_after_s=retry_after_s,
    )


def connection_error(
    provider: str, model: str, exc: BaseException, *, started: bool, key_env_vars: tuple[str, ...]
) -> ProviderError:
    """A transport failure: could not connect (before the stream) or connection lost (during it)."""
    cause = _short(str(exc), key_env_vars) or type(exc).__name__
    url = tried_url(exc)
    at = f" at {url}" if url else ""
    if started:
        message = f"connection lost mid-stream ({type(exc).__name__}: {cause}){at}; the text received so far is kept."
    else:
        message = (
            f"could not reach the provider{at} ({type(exc).__name__}: {cause}): check the network and base URL."
        )
    return ProviderError(scrub(message, key_env_vars), provider=provider, model=model, retryable=True)


def tried_url(exc: BaseException) -> str | None:
    """The URL a failed request went to (credentials and query values masked), from the SDK's or httpx's error."""
    seen: BaseException | None = exc
    for _ in range(4):  # the error, then what it wraps: SDKs wrap the transport's error
        if seen is None:
            break
        try:
            url = getattr(getattr(seen, "request", None), "url", None)
        except RuntimeError:  # httpx: an error raised before its request was attached
            url = None
        if url is not None:
            return redact_url(str(url))
        seen = seen.__cause__ or seen.__context__
    return None


def stream_error(
    provider: str, model: str, detail: str | None, *, status: int | None, retryable: bool, key_env_vars: tuple[str, ...]
) -> ProviderError:
    """An error event the provider sent inside an already open stream."""
    said = _short(detail, key_env_vars) or "unknown error"
    message = f"in-stream provider error: {said}; the text received so far is kept."
    return ProviderError(
        scrub(message, key_env_vars), provider=provider, model=model, status=status, retryable=retryable
    )


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date), if present."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())
