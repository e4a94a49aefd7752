"""Ctrl-C (or SIGTERM) that lands inside one of our SQL functions still stops the program as Ctrl-C.

Python runs a signal's handler at the next Python line, and while SQLite steps a query the only Python lines
are our SQL functions (reads.owners). sqlite3 turns anything they raise into "user-defined function raised
exception" and drops the exception, so a Ctrl-C there surfaced as a broken database instead of a cancel.
`sql_function` records what it raised and the connection's cursors raise that again where the query ran.
A handler can also run as a function is entered, before any line of ours can catch it: a function failure
with nothing recorded can only be that, and is raised as the Ctrl-C it was.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

_raised = threading.local()  # per thread: a signal is only ever delivered to the main thread's query
_FUNCTION_FAILED = "user-defined function raised exception"  # sqlite3's words for any of them


def sql_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` for create_function: whatever it raises is kept, so the query can raise an interrupt again."""

    def cell(*args: Any) -> Any:
        try:
            return func(*args)
        except BaseException as exc:
            _raised.exc = exc
            raise

    return cell


def _raise_kept(error: sqlite3.Error) -> None:
    """Raise the interrupt behind `error` when an SQL function of this thread was stopped by one."""
    exc: BaseException | None = getattr(_raised, "exc", None)
    _raised.exc = None
    if exc is not None and not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit
        raise exc
    if exc is None and str(error) == _FUNCTION_FAILED:
        # Failed before its first line: a signal's handler, run as the function was entered.
        raise KeyboardInterrupt from error


def _raising_kept(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` of sqlite3.Cursor, raising the interrupt behind a failure instead of the failure."""

    @functools.wraps(method)
    def wrapper(self: sqlite3.Cursor, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as error:
            _raise_kept(error)
            raise

    return wrapper


class Cursor(sqlite3.Cursor):
    """A cursor whose failures caused by an interrupt raise the interrupt itself.

    Every method that steps a query (so may call our SQL functions) is wrapped; `__next__` too, as each row
    of an iterated cursor is a step.
    """

    execute = _raising_kept(sqlite3.Cursor.execute)
    executemany = _raising_kept(sqlite3.Cursor.executemany)
    executescript = _raising_kept(sqlite3.Cursor.executescript)
    fetchone = _raising_kept(sqlite3.Cursor.fetchone)
    fetchmany = _raising_kept(sqlite3.Cursor.fetchmany)
    fetchall = _raising_kept(sqlite3.Cursor.fetchall)
    __next__ = _raising_kept(sqlite3.Cursor.__next__)


class Connection(sqlite3.Connection):
    """A connection (the `factory` of sqlite3.connect) whose statements all run on `Cursor`."""

    def cursor(self, factory: Any = Cursor) -> Any:
        """A new cursor, ours unless another factory is asked for."""
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        """Run one statement on a new cursor (sqlite3's own would skip `cursor`)."""
        cursor: Cursor = self.cursor()
        return cursor.execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Cursor:
        """Run one statement for each set of parameters on a new cursor."""
        cursor: Cursor = self.cursor()
        return cursor.executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str, /) -> Cursor:
        """Run a script on a new cursor."""
        cursor: Cursor = self.cursor()
        return cursor.executescript(sql_script)
