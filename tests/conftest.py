"""Every test gets its own database, price file and endpoint file under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from canvasbench.providers.builtins import environment_variables
from canvasbench.providers.endpoints import BUILTIN_ENDPOINTS

# Every key and base-URL variable a provider reads, from the providers' own tables.
KEY_VARS = (*environment_variables(), *(e.key_env for e in BUILTIN_ENDPOINTS.values() if e.key_env))


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the database and user config at tmp_path and clear provider keys and base URLs."""
    monkeypatch.setenv("CANVASBENCH_DB", str(tmp_path / "canvasbench.db"))
    monkeypatch.setenv("CANVASBENCH_PRICES", str(tmp_path / "prices.toml"))
    monkeypatch.setenv("CANVASBENCH_ENDPOINTS", str(tmp_path / "endpoints.toml"))
    monkeypatch.setenv("CANVASBENCH_RECOVERY_DIR", str(tmp_path / "recovered"))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    yield tmp_path
