"""The package's public face for scripts: a pinned list of names, loaded on first use, and the README's script."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import canvasbench
from tests.fakes import fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars

ROOT = Path(__file__).resolve().parent.parent

PUBLIC = [
    "CanvasBenchError",
    "CheckLimits",
    "GenerationRequest",
    "GenerationResult",
    "MissingKeyError",
    "Provider",
    "ProviderError",
    "RenderCheck",
    "RunOptions",
    "RunStore",
    "Runner",
    "Status",
    "StoreError",
    "UsageError",
    "analyse_response",
    "check_artifact",
    "custom_prompt",
    "generate",
    "load_suite",
    "reads",
    "register_provider",
    "writes",
]


def test_the_public_names_are_pinned() -> None:
    # Adding or removing a public name is a decision: change this list with it, and the README.
    assert canvasbench.__all__ == PUBLIC


def test_every_public_name_is_the_object_its_stage_defines() -> None:
    for name in PUBLIC:
        value = getattr(canvasbench, name)
        source = importlib.import_module(canvasbench._SOURCES[name])
        assert value is getattr(source, name), name
    with pytest.raises(AttributeError):
        _ = canvasbench.no_such_name  # type: ignore[attr-defined]


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, canvasbench\n"
        "heavy = ('sqlite_utils', 'playwright', 'openai', 'anthropic', 'google.genai', 'pygments')\n"
        "print([m for m in sys.modules if m.startswith('canvasbench.') or m in heavy])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.browser
def test_the_readme_script_runs(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Scripting it", 1)[1]
    script = re.search(r"```python\n(.*?)```", section, re.S)
    assert script is not None
    code = script.group(1)
    assert len(code.strip().splitlines()) <= 12
    # The same script against the fake servers and a database of its own.
    code = code.replace('"storage/canvasbench.db"', repr(str(tmp_path / "script.db")))
    code = re.sub(r"models = \[.*\]", 'models = ["gemini:fake", "openai:fake"]', code)
    env = {**os.environ, **fake_env_vars, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split()[:2] for line in lines[:2]] == [["gemini:fake", "done"], ["openai:fake", "done"]]
    assert all(line.split()[-1] == "renders" for line in lines[:2]), lines
    assert int(lines[2]) > 0  # the output tokens of both runs, read back from the store
