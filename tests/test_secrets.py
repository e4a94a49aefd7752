"""API keys never reach stdout, stderr, logs or the database, whatever an SDK puts in its errors."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from canvasbench.redact import install, redact
from tests.fakes import FakeServer, fixtures

PROJECT = Path(__file__).resolve().parent.parent
CLI = "from canvasbench.cli import main; main()"
KEY = "sk-live-CANVASBENCH-test-0123456789abcdefXYZ"

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env


def test_a_key_echoed_in_a_malformed_200_response_reaches_no_output_and_no_database(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "secrets.db"
    env = {**os.environ, **fake_env.env(key=KEY), "CANVASBENCH_DB": str(db)}
    models = [a for p in ("gemini", "openai", "anthropic") for a in ("--model", f"{p}:fake;fault=leak:3")]
    result = subprocess.run(
        [sys.executable, "-c", CLI, "run", "--prompt", "x", "--no-check", *models],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "gemini:fake;fault=leak:3" in result.stdout  # the runs ran and were summarised
    # Gemini's SDK raises a validation error that quotes the bad field, the key, in full.
    assert "ValidationError" in result.stderr and "***" in result.stderr
    assert KEY not in result.stdout and KEY not in result.stderr
    files = [p for p in tmp_path.iterdir() if p.name.startswith("secrets.db")]
    assert files and all(KEY.encode() not in p.read_bytes() for p in files)
    assert len(fake_env.requests) == 3 and all(r.key == KEY for r in fake_env.requests)  # the key was sent


def test_log_records_and_their_tracebacks_are_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    install()
    logger = logging.getLogger("canvasbench.test-secrets")
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"the SDK said: bad key {KEY}")
        except RuntimeError:
            logger.exception("call with %s failed", KEY)
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert "RuntimeError: the SDK said: bad key ***" in err and "call with *** failed" in err
    assert KEY not in err
    assert redact(f"x{KEY}y") == "x***y"
