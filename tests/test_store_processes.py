"""Several processes on one database: runs, a sweep, an export loop and readers; nothing may be lost."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakes import fixtures, parse_model_name

PROJECT = Path(__file__).resolve().parent.parent
CLI = "from canvasbench.cli import main; main()"

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars

# About 3 s of streaming each, so every run is in flight while the others open and close the file.
RUN_A = ("openai:fake;chunks=60;interval_ms=50", "anthropic:fake;chunks=60;interval_ms=50;thinking=2")
RUN_B = ("gemini:fake;chunks=60;interval_ms=50", "openai:fake;text=svg;chunks=40;interval_ms=75")
SWEEP = ("anthropic:fake;text=svg;chunks=40;interval_ms=60", "gemini:fake;chunks=50;interval_ms=50")
SWEEP_PROMPTS = ("svg-ui-components", "canvas-boids-ecosystem")

# A reader that opens and closes connections as Datasette, the dashboard or a notebook would, plus the
# sqlite3 shell when the machine has it; it stops when the stop file appears.
READER = """
import os, sqlite3, subprocess, sys, time
db, stop, shell = sys.argv[1], sys.argv[2], sys.argv[3]
n = 0
while not os.path.exists(stop):
    try:
        conn = sqlite3.connect(db, timeout=30)
        conn.execute("SELECT count(*), max(length(response)) FROM runs").fetchone()
        conn.close()
        if shell and n % 5 == 0:
            subprocess.run([shell, db, "SELECT count(*) FROM runs;"], capture_output=True, timeout=30)
    except sqlite3.Error:
        pass  # the schema may not exist yet
    n += 1
    time.sleep(0.02)
"""

EXPORTER = """
import os, subprocess, sys
db, stop = sys.argv[1], sys.argv[2]
while not os.path.exists(stop):
    cli = "from canvasbench.cli import main; main()"
    subprocess.run([sys.executable, "-c", cli, "export", "--db", db, "--format", "jsonl"], capture_output=True)
"""


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        cwd=PROJECT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _helper(script: str, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=PROJECT, env={**os.environ, **env})


def _models(models: tuple[str, ...]) -> list[str]:
    return [a for m in models for a in ("--model", m)]


def _fresh_rows(db: Path) -> dict[str, dict[str, Any]]:
    """Every run as a brand-new process reads the file (no connection of ours is involved)."""
    script = (
        "import json, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1]); c.row_factory = sqlite3.Row\n"
        "print(json.dumps([dict(r) for r in c.execute("
        "'SELECT id, comparison_id, model_id, status, response, lines, output_tokens FROM runs')]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(db)], check=True, capture_output=True, text=True).stdout
    return {row["id"]: row for row in json.loads(out)}


def test_runs_a_sweep_an_export_loop_and_readers_lose_nothing(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    stop = tmp_path / "stop"
    env = {**fake_env_vars, "CANVASBENCH_DB": str(db)}
    # The database exists before anyone streams, as it does on a machine that has been used before.
    create = "from canvasbench.store import RunStore; RunStore()"
    subprocess.run([sys.executable, "-c", create], env={**os.environ, **env}, check=True)
    helpers = [
        _helper(READER, str(db), str(stop), shutil.which("sqlite3") or "", env=env),
        _helper(EXPORTER, str(db), str(stop), env=env),
    ]
    runs = [
        _cli(["run", "--prompt", "Draw a page", "--json", *_models(RUN_A)], env),
        _cli(["run", "--prompt", "Draw a page", "--json", *_models(RUN_B)], env),
    ]
    sweep = _cli(["sweep", "--json", *_models(SWEEP), *[a for p in SWEEP_PROMPTS for a in ("--prompt-id", p)]], env)
    try:
        outputs = [proc.communicate(timeout=300) for proc in (*runs, sweep)]
    finally:
        stop.touch()
        for proc in (*runs, sweep):
            proc.kill()
        for helper in helpers:
            helper.wait(timeout=120)
    for proc, (_out, err) in zip((*runs, sweep), outputs, strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "disk I/O" not in err
    payload_a, payload_b, payload_sweep = (json.loads(out) for out, _err in outputs)
    reported = [
        *(({**r, "comparison_id": payload_a["comparison_id"]}, r["model"]) for r in payload_a["runs"]),
        *(({**r, "comparison_id": payload_b["comparison_id"]}, r["model"]) for r in payload_b["runs"]),
        *(({**r, "comparison_id": c["comparison_id"]}, r["model"]) for c in payload_sweep["comparisons"]
          for r in c["runs"]),
    ]  # fmt: skip
    assert len(reported) == 8

    stored = _fresh_rows(db)
    assert len(stored) == 8
    for run, model in reported:
        row = stored.get(run["run_id"])
        assert row is not None, f"{model}: run missing from the file"
        assert row["comparison_id"] == run["comparison_id"]
        # What the CLI printed is what the file holds.
        for column in ("status", "lines", "output_tokens"):
            assert row[column] == run[column], (model, column)
        assert row["status"] == "done"
        assert row["response"] == parse_model_name(model.split(":", 1)[1]).answer_text(), model
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 4
        checked = conn.execute("SELECT count(*) FROM render_checks").fetchone()[0]
    assert checked == 8  # every run's render check was saved too
