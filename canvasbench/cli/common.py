"""Shared CLI plumbing: the `--db` option, library errors as clean messages, and SIGTERM as Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
from collections.abc import Callable, Iterator
from functools import wraps
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from canvasbench.errors import CanvasBenchError, MissingKeyError, SourceError, StoreError, UsageError
from canvasbench.paths import db_path
from canvasbench.redact import redact

if TYPE_CHECKING:
    from canvasbench.store import RunStore

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERRUPTED = 130  # the shell's convention for "stopped by Ctrl-C" (128 + SIGINT)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so `kill` also stops cleanly and keeps partial outputs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (a test runner's thread): leave it be
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite database (default: $CANVASBENCH_DB, else storage/canvasbench.db).",
)


def iso_day(value: str | None, flag: str) -> str | None:
    """A --since/--until value as an ISO day (None stays None); exit 2 with one line for anything else."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageFailure(f"{flag} must be a date like 2026-11-30, not {value!r}.") from None


class UsageFailure(click.UsageError):
    """Exit code 2 with our own message."""


class ConfigFailure(click.ClickException):
    """Exit code 2 for a setup problem (the database, a missing key): one line, no usage text."""

    exit_code = 2


def clean_errors(func: F) -> F:
    """Show CanvasBenchError, and any SQLite failure, as one line (exit 1, or 2 for usage and setup errors).

    Every command goes through here, so a damaged, locked or read-only database reads the same in each:
    the message `store_error` gives, exit 2, never a traceback.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UsageError as exc:
            raise UsageFailure(redact(str(exc))) from exc
        except (CanvasBenchError, sqlite3.Error) as exc:
            if os.environ.get("CANVASBENCH_RAISE"):  # tests may want the real exception
                raise
            if isinstance(exc, sqlite3.Error):  # a read, which the store does not wrap as it does writes
                from canvasbench.store.run_store import store_error

                exc = store_error(db_path(kwargs.get("db")).resolve(), exc)
            message = redact(str(exc))
            if isinstance(exc, StoreError | MissingKeyError | SourceError):
                raise ConfigFailure(message) from exc
            raise click.ClickException(message) from exc

    return wrapper  # type: ignore[return-value]


def open_store(db: str | None, *, read_only: bool = False, writes: bool = True) -> RunStore:
    """Open the store named by --db (or the environment); read-only never creates or changes the file.

    A command that `writes` is refused here, before it opens a page in Chromium or pays a model, when the
    file cannot be written or SQLite's quick check finds damaged pages (a write there could be lost, or a
    run reported as saved that cannot be read back).
    """
    from canvasbench.store import RunStore  # sqlite-utils imports pandas: only commands that use the store pay
    from canvasbench.store.reads import integrity_problems
    from canvasbench.store.run_store import damaged_message, read_only_message

    store = RunStore(db, read_only=read_only, recover=writes)  # recovering interrupted runs is a write
    if read_only or not writes:
        return store
    if store.read_only:
        raise StoreError(read_only_message(store.path))
    problems = integrity_problems(store, limit=1)
    if problems:
        first = " ".join(problems[0].replace("*** in database main ***", "").split())  # one line
        raise StoreError(damaged_message(store.path, first))
    return store
