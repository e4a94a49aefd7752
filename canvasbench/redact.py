"""One scrubbing of every configured API key, applied to every log record, traceback and printed error."""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

MASK = "***"
_MIN_KEY_CHARS = 4  # shorter values would mask ordinary words
_installed = False
_install_guard = threading.Lock()


def configured_keys() -> list[str]:
    """The values of every key variable any registered provider or endpoint reads, longest first."""
    from canvasbench.providers.registry import all_key_env_vars  # the registry imports adapters lazily

    values = {os.environ.get(name, "").strip() for name in all_key_env_vars()}
    return sorted((v for v in values if len(v) >= _MIN_KEY_CHARS), key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every configured key replaced by ***."""
    for key in configured_keys():
        if key in text:
            text = text.replace(key, MASK)
    return text


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
