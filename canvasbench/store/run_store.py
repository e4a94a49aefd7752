"""RunStore: the SQLite database behind everything: connections, transactions, clear errors."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database
from sqlite_utils.db import Table

from canvasbench.errors import StoreError
from canvasbench.paths import db_path
from canvasbench.private_files import create_private_file
from canvasbench.store.interruptible import Connection
from canvasbench.store.migrations import migrations
from canvasbench.store.reads import owners

_PROGRAMMING_ERRORS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)

# One write lock per database file per process: writers in this process queue here instead of
# spinning on SQLite's busy handler, so many concurrent runs never see "database is locked".
_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def read_only_message(path: os.PathLike[str] | str) -> str:
    """What a write to a read-only database says."""
    return (
        f"Database {path} is read-only: reading and exporting work, but new runs need a writable file "
        "(fix its permissions, or choose another path with --db or CANVASBENCH_DB)."
    )


def damaged_message(path: os.PathLike[str] | str, reason: str) -> str:
    """What a database with damaged pages says, whoever finds them (SQLite, or the check before writing)."""
    return (
        f"Database {path} is damaged ({reason}): restore a backup, or rescue what is left with "
        f"'sqlite3 {path} .recover', and point --db or CANVASBENCH_DB at the result."
    )


def store_error(path: os.PathLike[str] | str, exc: sqlite3.Error) -> StoreError:
    """A SQLite failure as one clear StoreError that keeps the real reason."""
    reason = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    lowered = reason.lower()
    if "not a database" in lowered:
        message = (
            f"{path} is not a SQLite database: point --db or CANVASBENCH_DB at a new "
            "or existing CanvasBench database file."
        )
    elif "malformed" in lowered or code == sqlite3.SQLITE_CORRUPT:
        message = damaged_message(path, reason)
    elif "readonly" in lowered or "read-only" in lowered or code == sqlite3.SQLITE_READONLY or _unwritable(path):
        message = read_only_message(path)
    elif "full" in lowered or code == sqlite3.SQLITE_FULL:
        message = f"The disk holding database {path} is full ({reason}): free some space and try again."
    elif "unable to open" in lowered or code == sqlite3.SQLITE_CANTOPEN:
        message = f"Cannot open database {path} ({reason}): check that its folder exists and is writable."
    elif "locked" in lowered or "busy" in lowered:
        message = f"Database {path} is locked by another process ({reason}); try again when it is done."
    else:
        message = f"Database {path} could not be used: {reason}."
    error = StoreError(message)
    error.read_only = message == read_only_message(path)
    error.transient = "locked" in lowered or "busy" in lowered
    return error


def _unwritable(path: os.PathLike[str] | str) -> bool:
    """An existing database SQLite cannot write: the file, or its folder (the WAL and -shm live there)."""
    folder = os.path.dirname(os.fspath(path)) or "."
    return os.path.exists(path) and not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))


class RunStore:
    """The database: one connection per thread, write transactions, schema checks; safe to share between threads.

What is read and written is in `reads` and `writes`: functions that take the store first, the one way to call them.

    The database file is only ever touched through SQLite: POSIX locks belong to the process, so closing
    any other descriptor of the file would drop SQLite's own locks, and another process closing its
    connection would then delete the write-ahead log this process is still committing into.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False, recover: bool = True
    ) -> None:
        """Open (or create) the database; `recover` marks runs a dead process left active as interrupted.

        Recovery is a write, done where a store is opened to write: a read path (export, a re-run's lookup,
        the leaderboard) opens with recover=False and still sees such runs as interrupted (reads.owners).
        """
        self.path = db_path(path).resolve()
        self.read_only = read_only
        self._local = threading.local()
        key = str(self.path)
        with _write_locks_guard:
            self._write_lock = _write_locks.setdefault(key, threading.RLock())
        self._check_path()
        if not read_only:
            try:
                self._prepare()
            except StoreError as exc:
                if not exc.read_only or not self.path.exists():
                    raise
                # A read-only file still serves every read (export, the gallery); writes say why they fail.
                self.close()
                self.read_only = True
        self._check_schema()
        if recover and not self.read_only:
            from canvasbench.store.writes import recover_interrupted  # writes build on the store, not it on them

            recover_interrupted(self)

    # --- connections -------------------------------------------------------------------------

    def _check_path(self) -> None:
        # No open() of an existing file here, ever: see the class docstring. SQLite itself reports a file
        # that is not a database when the first connection reads its header.
        if self.path.is_dir():
            raise StoreError(f"Database path {self.path} is a directory: give a file path (--db or CANVASBENCH_DB).")
        if self.path.exists():
            return
        if self.read_only:
            raise StoreError(f"No database at {self.path}: check the path given with --db or CANVASBENCH_DB.")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the folder for database {self.path}: {exc.strerror}. "
                "Choose a writable path with --db or CANVASBENCH_DB."
            ) from exc
        # Created here, 0600, before SQLite creates it 0644: it will hold model output, and SQLite gives the
        # -wal and -shm files the database's own mode. Closing this descriptor cannot drop a SQLite lock: the
        # file did not exist, so no connection has it open (another store creating it waits on this lock).
        with self._write_lock:
            try:
                create_private_file(self.path)
            except OSError as exc:
                raise StoreError(
                    f"Cannot open database {self.path}: creating it failed ({exc.strerror}). "
                    "Choose a writable path with --db or CANVASBENCH_DB."
                ) from exc

    def _prepare(self) -> None:
        """WAL mode and the schema migrations (a writable database only)."""
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self._refuse_newer()
            with self.write():
                migrations.apply(self.db)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc

    def _check_schema(self) -> None:
        """Refuse a schema this version does not know, and (read-only) one it would have to upgrade."""
        try:
            self._refuse_newer()
            if self.read_only and migrations.pending(self.db):
                raise StoreError(
                    f"Database {self.path} is read-only and was made by an older CanvasBench: open it once "
                    "where it is writable to upgrade it, or export it with that version."
                )
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc

    def _refuse_newer(self) -> None:
        ours = {m.name for m in migrations._migrations}  # sqlite-utils has no public list of a set's names
        unknown = [m.name for m in migrations.applied(self.db) if m.name not in ours]
        if unknown:
            raise StoreError(
                f"Database {self.path} was written by a newer CanvasBench (schema {unknown[-1]}): upgrade "
                "CanvasBench to use it, or point --db or CANVASBENCH_DB at another file."
            )

    @property
    def db(self) -> Database:
        """This thread's own connection (sqlite3 connections must not cross threads)."""
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            try:
                if self.read_only:
                    conn = self._connect_read_only()
                else:
                    conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, factory=Connection)
                owners.register(conn)  # every read maps runs whose process died: see reads.owners
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                raise store_error(self.path, exc) from exc
            db = Database(conn)
            self._local.db = db
        return db

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = f"{self.path.as_uri()}?mode=ro"
        try:
            conn = sqlite3.connect(uri, timeout=30, isolation_level=None, uri=True, factory=Connection)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            # A WAL database in a folder nobody may write (a read-only mount) cannot get its -shm file;
            # with no -wal file beside it the database file holds everything and cannot change.
            if os.path.exists(f"{self.path}-wal") or not _unwritable(self.path):
                raise
        return sqlite3.connect(uri + "&immutable=1", timeout=30, isolation_level=None, uri=True, factory=Connection)

    def table(self, name: str) -> Table:
        """A table on this thread's connection."""
        table = self.db.table(name)
        assert isinstance(table, Table)
        return table

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction, taken immediately so it never upgrades into a lock error.

        SQLite failures come out as StoreError with the real reason (disk full, I/O error, read-only);
        a failed transaction is rolled back only when one is still open, so the rollback never hides it.
        """
        if self.read_only:
            raise StoreError(read_only_message(self.path))
        with self._write_lock:
            db = self.db
            conn = db.conn
            if conn.in_transaction:  # nested use inside an outer write: join it
                yield db
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise store_error(self.path, exc) from exc
            try:
                yield db
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                # A broken constraint is our own bug and stays as it is; the rest is the database's state.
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, _PROGRAMMING_ERRORS):
                    raise store_error(self.path, exc) from exc
                raise

    def close(self) -> None:
        """Close this thread's connection."""
        db: Database | None = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None
