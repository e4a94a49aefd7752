"""Architecture rules a user relies on: the core is UI-free, every CLI command explains itself."""

from __future__ import annotations

import ast
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


# Modules that read another tool's database (read-only), never ours.
FOREIGN_SQL = {"canvasbench/imports/llm_logs.py"}


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
        if "store" not in path.relative_to(root).parts[:2] and path.relative_to(root).as_posix() not in FOREIGN_SQL
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if sql.search(line)
    ]
    assert found == []


# --- the layout: stages of a run's journey, each importing only the stages below it ----------------------

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top. "" is the package root's few modules that every stage uses (errors, paths, ids, redact,
# status, liveness); `canvasbench/__init__.py`, the public face for scripts, sits above them all.
STAGES = [
    "", "providers", "store", "measure", "sandbox", "render", "run", "imports", "judge", "arena", "present", "cli"
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "canvasbench").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:`."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return found


def _imports() -> dict[str, set[str]]:
    """Module -> the canvasbench modules it imports anywhere in it (not the type-only ones, which never run)."""
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: list[str] = []
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
                targets += submodules if len(submodules) == len(node.names) else [*submodules, base]
        graph[name] = {t for t in map(resolve, (t for t in targets if t.startswith("canvasbench"))) if t and t != name}
    return graph


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES) else ""


def test_every_module_belongs_to_a_stage_and_the_root_stays_small() -> None:
    modules = [m for m in _modules() if m != "canvasbench"]
    assert sorted({_stage(m) for m in modules} - set(STAGES)) == []
    root_modules = sorted(m for m in modules if _stage(m) == "")
    # The root holds only what every stage shares: errors, ids, paths, files, the words for a run (status) and for
    # who competes (contestants), key masking, process liveness. A ninth module needed a reason; a tenth too.
    assert len(root_modules) <= 9, root_modules
    packages = sorted(p.name for p in (ROOT / "canvasbench").iterdir() if (p / "__init__.py").exists())
    assert packages == sorted(s for s in STAGES if s)


def test_no_stage_imports_a_stage_above_it() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in _imports().items()
        if module != "canvasbench"
        for target in targets
        if target != "canvasbench" and STAGES.index(_stage(target)) > STAGES.index(_stage(module))
    ]
    assert upward == []


def test_no_import_circles() -> None:
    graph = _imports()
    circles = []
    for start in graph:
        # Depth-first search for a path from one of start's imports back to start.
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert circles == []


def test_no_module_is_over_450_lines() -> None:
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450}
    assert long == {}
