"""`canvasbench inspect PATH [--json]`: the contract a user and scripts rely on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from tests.responses import HERE, threejs_page

CANVASBENCH = Path(sys.executable).parent / "canvasbench"


def run_real(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [str(CANVASBENCH), *args], capture_output=True, text=True, input=stdin, timeout=60, check=False
    )


def test_json_is_exactly_one_object_with_the_metrics() -> None:
    done = run_real("inspect", str(HERE / "split_files.md"), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # the whole of stdout is one JSON document
    assert data == {
        "kind": "html",
        "truncated": False,
        "lines": 25,
        "code_lines": 23,
        "chars": data["chars"],
        "response_lines": 38,
    }
    assert data["chars"] > 500


def test_missing_file_is_a_clear_error_with_exit_code_2(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "response.txt"
    done = run_real("inspect", str(missing))
    assert done.returncode == 2
    assert str(missing) in done.stderr
    assert "does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_table_shows_every_metric(tmp_path: Path) -> None:
    page, code_lines = threejs_page(1500)
    saved = tmp_path / "gemini-3-flash.txt"
    saved.write_text(f"Here is the simulation:\n\n```html\n{page}\n```\n\nDrag to orbit.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(saved)])
    assert result.exit_code == 0, result.output
    rows = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in result.stdout.splitlines())
    assert rows == {
        "kind": "html",
        "lines": f"{len(page.splitlines()):,}",
        "code lines": f"{code_lines:,}",
        "chars": f"{len(page):,}",
        "truncated": "no",
        "response lines": f"{len(page.splitlines()) + 6:,}",
    }


def test_cut_off_response_is_reported_as_truncated(tmp_path: Path) -> None:
    page, _ = threejs_page(300)
    saved = tmp_path / "cut.txt"
    saved.write_text("```html\n" + page[: len(page) // 2], encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(saved), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["truncated"] is True
    table = CliRunner().invoke(main, ["inspect", str(saved)])
    assert "cut off" in table.stderr


def test_response_without_artifact(tmp_path: Path) -> None:
    saved = tmp_path / "refusal.txt"
    saved.write_text("I can't write that program, but here is an outline.\n1. Scene\n2. Physics\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(saved), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "kind": "none",
        "truncated": False,
        "lines": 0,
        "code_lines": 0,
        "chars": 0,
        "response_lines": 3,
    }


def test_reads_standard_input() -> None:
    result = CliRunner().invoke(main, ["inspect", "-", "--json"], input="<svg viewBox='0 0 1 1'>\n<rect/>\n</svg>")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["kind"] == "svg"


def test_code_prints_the_assembled_artifact() -> None:
    result = CliRunner().invoke(main, ["inspect", str(HERE / "split_files.md"), "--code"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "// game loop" in result.stdout


def test_binary_garbage_is_measured_not_a_crash(tmp_path: Path) -> None:
    saved = tmp_path / "garbage.bin"
    saved.write_bytes(b"\xff\xfe\x00<html>\x80\x81 ```")
    result = CliRunner().invoke(main, ["inspect", str(saved), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["kind"] in ("html", "none")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inspect"], "Missing argument 'PATH'"),
        (["inspect", "{dir}"], "is a directory"),
        (["inspect", "{file}", "--json", "--code"], "either --json or --code"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    saved = tmp_path / "r.txt"
    saved.write_text("hello", encoding="utf-8")
    args = [a.format(dir=tmp_path, file=saved) for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_help() -> None:
    result = CliRunner().invoke(main, ["inspect", "--help"])
    assert result.exit_code == 0
    assert "--json" in result.stdout
    assert "code lines" in result.stdout.lower() or "Code lines" in result.stdout
