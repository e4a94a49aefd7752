"""Ctrl-C (or SIGTERM) that lands inside one of our SQL functions still stops the program as Ctrl-C.

Python runs a signal's handler at the next Python line, and while SQLite steps a query the only Python lines
are our SQL functions (reads.owners). sqlite3 turns anything they raise into "user-defined function raised
exception" and drops the exception, so a Ctrl-C there surfaced as a broken database instead of a cancel.
`sql_function` records what it raised and the connection's cursors raise that again where the query ran.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

_raised = threading.local()  # per thread: a signal is only ever delivered to the main thread's query


def sql_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` for create_function: an interrupt it raises is kept for the query to raise again."""

    def cell(*args: Any) -> Any:
        try:
            return func(*args)
        except BaseException as exc:
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not the function's failure
                _raised.exc = exc
            raise

    return cell


def _raise_kept() -> None:
    """Raise the interrupt an SQL function of this thread was stopped by, if any."""
    exc: BaseException | None = getattr(_raised, "exc", None)
    if exc is not None:
        _raised.exc = None
        raise exc


class Cursor(sqlite3.Cursor):
    """A cursor whose failures caused by an interrupt raise the interrupt itself."""

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        """Run one statement."""
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error:
            _raise_kept()
            raise

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Cursor:
        """Run one statement for each set of parameters."""
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error:
            _raise_kept()
            raise

    def executescript(self, sql_script: str, /) -> Cursor:
        """Run a script of statements."""
        try:
            super().executescript(sql_script)
            return self
        except sqlite3.Error:
            _raise_kept()
            raise

    def __next__(self) -> Any:
        """The next row: each one steps the query, which may call our SQL functions."""
        try:
            return super().__next__()
        except sqlite3.Error:
            _raise_kept()
            raise

    def fetchone(self) -> Any:
        """The next row, or None."""
        try:
            return super().fetchone()
        except sqlite3.Error:
            _raise_kept()
            raise

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next `size` rows."""
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.Error:
            _raise_kept()
            raise

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        try:
            return super().fetchall()
        except sqlite3.Error:
            _raise_kept()
            raise


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
