"""One object per process per database file (the store, the runner, the render pool): made on first use, then shared."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from canvasbench.paths import db_path

T = TypeVar("T")


class PerDatabase(Generic[T]):
    """`get(db)` gives this process's one object for a database file, made by `make(path)` the first time.

    An object `usable` rejects (a runner that was shut down) is replaced by a new one; `forget` drops one.
    """

    def __init__(self, make: Callable[[Path], T], *, usable: Callable[[T], bool] | None = None) -> None:
        self._make = make
        self._usable = usable
        self._objects: dict[Path, T] = {}
        self._guard = threading.Lock()

    def get(self, db: str | os.PathLike[str] | None = None) -> T:
        """The object for `db` (default: `CANVASBENCH_DB` or the default database), made on first use."""
        path = db_path(db).resolve()
        with self._guard:
            found = self._objects.get(path)
            if found is None or (self._usable is not None and not self._usable(found)):
                found = self._objects[path] = self._make(path)
            return found

    def forget(self, obj: T) -> None:
        """Drop `obj`: the next `get` for its database makes a new one."""
        with self._guard:
            for path, value in list(self._objects.items()):
                if value is obj:
                    del self._objects[path]
