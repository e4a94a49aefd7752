"""One masking of every configured API key, in every spelling, for all text that logs, stores or shows.

A provider or gateway that echoes a key rarely echoes it verbatim: an error body quotes the request's
`Authorization: Basic base64(user:key)`, a URL with the key percent-encoded, a JSON string with `\\u`
escapes, or a model repeats it reversed or in hex. `key_forms` lists every spelling we mask; `redact`
replaces each with ***, and `settled` does the same for text that is still arriving, holding back a tail
that might be the start of a key so a stored piece never holds part of one.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, NamedTuple

MASK = "***"
_MIN_KEY_CHARS = 4  # shorter values would mask ordinary words
_MIN_FORM_CHARS = 8  # an encoded spelling shorter than this could be anything (a 4-char key's base64 core)
_installed = False
_install_guard = threading.Lock()


def _named_like_keys() -> tuple[str, ...]:
    """Until the provider layer hands over its key variables: every variable named like an API key."""
    return tuple(name for name in os.environ if name.endswith("_API_KEY"))


# Which environment variables hold keys. The provider registry hands over its own list (every provider's and
# endpoint's variables) when it loads, so this module never reaches up into the providers to ask.
_key_variables: Callable[[], Iterable[str]] = _named_like_keys


def use_key_variables(source: Callable[[], Iterable[str]]) -> None:
    """Mask the values of the variables `source()` names (called on each use: endpoints and plugins may add)."""
    global _key_variables
    _key_variables = source


def key_values() -> dict[str, list[str]]:
    """Each configured key value -> the variables that hold it (every provider's and endpoint's)."""
    values: dict[str, list[str]] = {}
    for name in dict.fromkeys([*_key_variables(), *_named_like_keys()]):
        value = os.environ.get(name, "").strip()
        if len(value) >= _MIN_KEY_CHARS:
            values.setdefault(value, []).append(name)
    return values


def configured_keys() -> list[str]:
    """The values of every key variable any registered provider or endpoint reads, longest first."""
    return sorted(key_values(), key=len, reverse=True)


def _base64_forms(raw: bytes) -> list[str]:
    """The key alone (padded or not), and the part fixed by the key when it sits inside longer base64.

    Inside `base64(prefix + key + suffix)` the key's characters depend on len(prefix) % 3: for each of
    the three alignments, the characters whose six bits all come from the key are always the same.
    """
    import base64  # here, not at the top: every command imports this module, few ever mask a key

    whole = base64.b64encode(raw).decode("ascii")
    forms = [whole, whole.rstrip("=")]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        first = -(-8 * offset // 6)  # the first character with no bits of the prefix
        end = 8 * (offset + len(raw)) // 6  # past the last character with no bits of the suffix
        forms.append(encoded[first:end])
    return forms + [f.replace("+", "-").replace("/", "_") for f in forms]


def key_forms(key: str) -> list[str]:
    """Every spelling of `key` that is masked: as is, reversed, base64, percent, JSON or HTML escaped, hex."""
    import html  # here, not at the top: every command imports this module, few ever mask a key

    raw = key.encode("utf-8")
    escaped = [
        "".join(f"%{b:02X}" for b in raw),
        "".join(f"%{b:02x}" for b in raw),
        "".join(f"\\u{b:04x}" for b in raw),
        "".join(f"\\u{b:04X}" for b in raw),
        "".join(f"\\x{b:02x}" for b in raw),
        "".join(f"&#{b};" for b in raw),
        "".join(f"&#x{b:x};" for b in raw),
        re.sub(r"[^A-Za-z0-9_.~-]", lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), key),  # quote()
        re.sub(r"[^A-Za-z0-9_.~-]", lambda m: "".join(f"%{b:02x}" for b in m.group().encode()), key),
        key.replace("/", "\\/"),  # JSON encoders that escape the slash
        html.escape(key),  # as a page or a highlighted code view holds it
        html.escape(key, quote=False),
        raw.hex(),
        raw.hex().upper(),
    ]
    # The escaped spellings again as Python's repr() writes them (an SDK error quoting the parsed body).
    escaped += [form.replace("\\", "\\\\") for form in escaped if "\\" in form]
    forms = [key, key[::-1], *escaped, *_base64_forms(raw)]
    keep = [f for f in forms if f == key or len(f) >= _MIN_FORM_CHARS]
    return list(dict.fromkeys(keep))


class _Masker(NamedTuple):
    pattern: re.Pattern[str] | None  # every form, longest first: the longest match wins at each place
    starts: frozenset[str]  # every proper prefix of a form: what text still arriving may be in the middle of
    longest: int


@functools.lru_cache(maxsize=8)
def _masker(keys: tuple[str, ...]) -> _Masker:
    forms = sorted({f for key in keys for f in key_forms(key)}, key=len, reverse=True)
    if not forms:
        return _Masker(None, frozenset(), 0)
    starts = frozenset(f[:i] for f in forms for i in range(1, len(f)))
    return _Masker(re.compile("|".join(re.escape(f) for f in forms)), starts, len(forms[0]))


def _current(extra_env_vars: Iterable[str] = ()) -> _Masker:
    keys = set(configured_keys())
    keys.update(v for name in extra_env_vars if len(v := os.environ.get(name, "").strip()) >= _MIN_KEY_CHARS)
    return _masker(tuple(sorted(keys)))


def redact(text: str, extra_env_vars: Iterable[str] = ()) -> str:
    """`text` with every spelling of every configured key (and of those in `extra_env_vars`) replaced by ***."""
    pattern = _current(extra_env_vars).pattern
    return pattern.sub(MASK, text) if pattern is not None and text else text


def redact_url(url: str) -> str:
    """A URL fit to show in a message: its credentials and query values as ***, and any configured key masked."""
    from urllib.parse import urlsplit, urlunsplit  # here: only messages about a URL need it

    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # not a URL we can take apart: mask what we can
        return redact(url)
    netloc = (f"{MASK}@" if parts.username or parts.password else "") + (f"[{host}]" if ":" in host else host)
    netloc += f":{port}" if port is not None else ""
    # A key may sit in the query (`?key=...`) under any name, and need not be a configured one.
    query = "&".join(f"{pair.partition('=')[0]}={MASK}" if "=" in pair else pair for pair in parts.query.split("&"))
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query if parts.query else "", "")))


def redactor() -> Callable[[str], str]:
    """`redact` bound to the keys configured now: for masking many texts in a row (an export's cells)."""
    pattern = _current().pattern
    if pattern is None:
        return lambda text: text
    return lambda text: pattern.sub(MASK, text) if text else text


def settled(text: str, start: int = 0) -> tuple[str, int]:
    """(masked text[start:end], end) for text still arriving: `end` stops before anything that may be a key.

    The tail held back is the shortest one that could still grow into one of the forms; a later call with
    the longer text and start=end continues exactly where this one stopped, so the pieces joined equal
    `redact` of the whole text and no piece ever holds part of a key.
    """
    masker = _current()
    if masker.pattern is None:
        return text[start:], len(text)
    hold = len(text)
    for at in range(max(start, len(text) - masker.longest + 1), len(text)):
        if text[at:] in masker.starts:
            hold = at
            break
    pieces: list[str] = []
    at = start
    for match in masker.pattern.finditer(text, start):
        if match.start() >= hold:
            break
        if match.end() > hold:  # complete, but it may yet turn out to be the start of a longer form
            hold = match.start()
            break
        pieces += [text[at : match.start()], MASK]
        at = match.end()
    pieces.append(text[at:hold])
    return "".join(pieces), hold


def keys_named_in(text: str) -> list[str]:
    """The variables whose key appears in `text`, in any masked spelling."""
    return [name for key, names in key_values().items() for name in names if redact_one(text, key) != text]


def redact_one(text: str, key: str) -> str:
    """`text` with every spelling of this one key masked."""
    pattern = _masker((key,)).pattern
    return pattern.sub(MASK, text) if pattern is not None else text


def prompt_key_warning(text: str) -> str | None:
    """The warning shown when a prompt about to be saved holds a configured key; None when it holds none."""
    names = keys_named_in(text)
    if not names:
        return None
    return (
        f"Warning: this prompt contains the API key set in {', '.join(names)}. Prompts are kept as written: "
        "the key will be stored with the prompt and sent to every model. Remove it unless you mean that."
    )


def format_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """A traceback as Python prints it, with keys masked."""
    return redact("".join(traceback.format_exception(exc_type, exc, tb)))


def install() -> None:
    """Mask keys in every log record (message, traceback, stack) and in uncaught exceptions; idempotent."""
    global _installed
    with _install_guard:
        if _installed:
            return
        _installed = True
        make_record = logging.getLogRecordFactory()

        def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            try:
                record.msg, record.args = redact(record.getMessage()), None
                if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
                    # Handlers reuse exc_text when set, so no handler ever formats the raw traceback.
                    record.exc_text = format_exception(*record.exc_info).rstrip("\n")
                if record.stack_info:
                    record.stack_info = redact(record.stack_info)
            except Exception:  # a record that cannot be formatted is left to logging's own error report
                pass
            return record

        logging.setLogRecordFactory(scrubbed_record)

        def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
            sys.stderr.write(format_exception(exc_type, exc, tb))

        def thread_excepthook(args: threading.ExceptHookArgs) -> None:
            if args.exc_type is SystemExit:
                return
            name = args.thread.name if args.thread is not None else "?"
            sys.stderr.write(f"Exception in thread {name}:\n")
            if args.exc_value is not None:
                sys.stderr.write(format_exception(args.exc_type, args.exc_value, args.exc_traceback))

        sys.excepthook = excepthook
        threading.excepthook = thread_excepthook
