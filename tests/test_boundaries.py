"""Architecture rules a user relies on: the core is UI-free, every CLI command explains itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner


def test_importing_the_core_does_not_import_streamlit() -> None:
    code = (
        "import sys, pkgutil, importlib, canvasbench\n"
        "for m in pkgutil.walk_packages(canvasbench.__path__, 'canvasbench.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_cli_command_has_help() -> None:
    from canvasbench.cli import main

    ctx = click.Context(main)

    def walk(group: click.Group, prefix: list[str]) -> list[list[str]]:
        found = [prefix]
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            if isinstance(cmd, click.Group):
                found += walk(cmd, [*prefix, name])
            else:
                found.append([*prefix, name])
        return found

    paths = walk(main, [])
    assert len(paths) > 1
    for path in paths:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        cmd: click.Command | None = main
        for part in path:
            assert isinstance(cmd, click.Group)
            cmd = cmd.get_command(ctx, part)
        assert cmd is not None
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"


def test_only_the_store_speaks_sql() -> None:
    """Every read and write goes through canvasbench/store/, so a query is found (and fixed) in one place."""
    root = Path(__file__).resolve().parent.parent
    sql = re.compile(
        r"\b(SELECT\s+\S|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|PRAGMA\s)"
        r"|\.(execute|executemany|executescript|query)\(|\.db\.|\bstore\.db\b|\bdb\.table\("
    )
    files = [*(root / "canvasbench").rglob("*.py"), *(root / "ui").rglob("*.py"), *(root / "pages").rglob("*.py")]
    found = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for path in [*files, root / "app.py"]
        if "store" not in path.relative_to(root).parts[:2]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if sql.search(line)
    ]
    assert found == []
