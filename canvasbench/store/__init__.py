"""SQLite storage: the schema migrations, the run store (connections and transactions), every read and write."""

from canvasbench.store import reads, writes
from canvasbench.store.migrations import migrations
from canvasbench.store.run_store import RunStore
from canvasbench.store.writes import utc_now

__all__ = ["RunStore", "migrations", "reads", "utc_now", "writes"]
