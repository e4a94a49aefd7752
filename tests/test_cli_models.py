"""`canvasbench models`: known models, whether each key is set (never the key), and prices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.providers.catalogue import known_models

SECRET = "sk-test-DO-NOT-PRINT-1234567890"


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["models", *args])


def test_json_lists_every_known_model_with_key_status_and_price(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    result = cli("--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["model_id"] for r in rows] == [m.model_id for m in known_models()]
    by_id = {r["model_id"]: r for r in rows}
    gpt = by_id["openai:gpt-5.2"]
    assert gpt["key_set"] is True and gpt["key_env_vars"] == ["OPENAI_API_KEY"]
    assert gpt["price"]["input_per_m"] == 1.75 and gpt["price"]["output_per_m"] == 14.0
    assert gpt["max_output_tokens"] == 128_000
    opus = by_id["anthropic:claude-opus-4-6"]
    assert opus["key_set"] is False and "ANTHROPIC_API_KEY" in opus["key_env_vars"]
    assert SECRET not in result.output


def test_table_says_which_key_is_missing_and_never_prints_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", SECRET)
    result = cli()
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["model", "provider"]
    flash = next(line for line in lines if line.startswith("gemini:gemini-3-flash-preview"))
    assert " set " in flash and "$0.50 / $3.00 per 1M" in flash
    haiku = next(line for line in lines if line.startswith("anthropic:claude-haiku-4-5"))
    assert "missing (ANTHROPIC_API_KEY)" in haiku
    assert SECRET not in result.output


def test_the_users_price_file_overrides_the_shipped_price(isolated_paths: Path) -> None:
    (isolated_paths / "prices.toml").write_text('[models."claude-haiku-4-5"]\ninput_per_m = 9.0\noutput_per_m = 99.0\n')
    rows = {r["model_id"]: r for r in json.loads(cli("--json").stdout)}
    assert rows["anthropic:claude-haiku-4-5"]["price"]["output_per_m"] == 99.0
    assert rows["anthropic:claude-sonnet-4-6"]["price"]["output_per_m"] == 15.0


def test_a_broken_user_price_file_is_a_warning_not_a_crash(isolated_paths: Path) -> None:
    (isolated_paths / "prices.toml").write_text("this is [not toml")
    result = cli()
    assert result.exit_code == 0
    assert "prices.toml" in result.stderr and "Traceback" not in result.output
    assert "gemini:gemini-3-flash-preview" in result.stdout
