"""SQLite storage: the schema migrations and the run store."""

from canvasbench.store.migrations import migrations
from canvasbench.store.run_store import RunStore, utc_now

__all__ = ["RunStore", "migrations", "utc_now"]
