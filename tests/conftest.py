"""Every test gets its own database, price file and endpoint file under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

KEY_VARS = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENROUTER_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
)


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
