"""SQLite storage: the schema migrations, the run store (connections and transactions), every read and write."""

import os
import sys


def _import_sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils without letting it import pandas and numpy (0.8-2 s), unless they are loaded already.

    sqlite-utils imports them, when installed, only to map their column types; the store never writes a
    pandas or numpy value, and a CLI command that only reads or writes runs should not pay for them.
    """
    if "sqlite_utils.db" in sys.modules or "pandas" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


_import_sqlite_utils_without_pandas()

from canvasbench.store import reads, writes  # noqa: E402
from canvasbench.store.migrations import migrations  # noqa: E402
from canvasbench.store.per_database import PerDatabase  # noqa: E402
from canvasbench.store.run_store import RunStore  # noqa: E402
from canvasbench.store.writes import utc_now  # noqa: E402

__all__ = ["RunStore", "migrations", "reads", "shared_store", "utc_now", "writes"]

_stores: PerDatabase[RunStore] = PerDatabase(RunStore)


def shared_store(db: str | os.PathLike[str] | None = None) -> RunStore:
    """The process's one RunStore for a database (its connections are per thread, so one serves every thread)."""
    return _stores.get(db)
