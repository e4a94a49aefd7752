"""The command table: `canvasbench --help` without importing commands, and each command importing only what it uses."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from canvasbench.cli import COMMANDS, main
from tests.fakes import FakeServer, fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars

HEAVY = ("openai", "anthropic", "google.genai", "sqlite_utils", "pandas", "numpy", "playwright", "pygments")


def test_the_table_matches_every_command() -> None:
    ctx = click.Context(main)
    for name, entry in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert (command.help or "").splitlines()[0] == entry.short_help


def imported_by(args: list[str], env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run `canvasbench ARGS` in a fresh interpreter; its exit status and which heavy modules it imported."""
    script = (
        "import json, sys\n"
        "from canvasbench.cli import main\n"
        "try:\n"
        f"    main.main({args!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code or 0\n"
        f"print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    return code, modules


@pytest.mark.parametrize("args", [["--help"], ["models"], ["prompts"], ["run", "--help"]])
def test_listing_commands_import_no_sdk_store_or_browser(args: list[str]) -> None:
    assert imported_by(args) == (0, [])


def test_a_run_imports_only_its_providers_sdk(fake_env_vars: dict[str, str], tmp_path: str) -> None:
    import os

    env = {**os.environ, **fake_env_vars}
    code, modules = imported_by(["run", "--prompt", "Draw.", "--model", "openai:fake;chunks=3", "--no-check"], env)
    assert code == 0
    assert "openai" in modules
    assert not {"anthropic", "google.genai", "playwright"} & set(modules)


def test_fake_server_sees_the_run(fake_env: FakeServer) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["run", "--prompt", "Draw.", "--model", "anthropic:fake;chunks=2", "--no-check"])
    assert result.exit_code == 0, result.output
    assert [r.protocol for r in fake_env.requests] == ["anthropic"]
