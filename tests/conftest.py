"""Every test gets its own database, price file and endpoint file under tmp_path."""

from __future__ import annotations

import signal
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
    monkeypatch.delenv("CANVASBENCH_DEMO", raising=False)  # stand-ins are refused unless a test starts the demo
    monkeypatch.setenv("CANVASBENCH_DEMO_DB", str(tmp_path / "demo.db"))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    yield tmp_path


@pytest.fixture(autouse=True)
def sigint_left_alone() -> Iterator[None]:
    """Fail the test that leaves this process's Ctrl-C handling changed: every later child CLI would inherit it."""
    handler = signal.getsignal(signal.SIGINT)
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    yield
    now_handler = signal.getsignal(signal.SIGINT)
    now_blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    if (now_handler, now_blocked) != (handler, blocked):
        signal.signal(signal.SIGINT, handler)  # type: ignore[arg-type]
        signal.pthread_sigmask(signal.SIG_BLOCK if blocked else signal.SIG_UNBLOCK, [signal.SIGINT])
        pytest.fail(f"SIGINT left changed: handler {handler!r} -> {now_handler!r}, blocked {blocked} -> {now_blocked}")


def pytest_report_header() -> str | None:
    """Say when this process ignores Ctrl-C: it was started that way (a background job of a shell without job
    control), and every child inherits it unless started as a terminal would (tests/cli_process.py)."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        return "SIGINT is ignored in this process (started as a background job): children inherit it"
    return None
