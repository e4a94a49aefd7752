"""Ctrl-C during render checks, as a terminal sends it: a real `canvasbench check` process and a real signal.

It stops promptly, prints the summary, exits 130, and stores unfinished checks as `not checked` (never
`crashed`), with no traceback from any process (analysis workers included).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from canvasbench.render.processes import chromium_path, descendants
from canvasbench.store import RunStore, writes
from canvasbench.store.reads import latest_check
from tests.cli_process import AS_FROM_A_TERMINAL

PAGES = Path(__file__).parent / "render_pages"
ROOT = Path(__file__).resolve().parent.parent
# Generous: checks should stop within about 2 s; a shared CI machine may be slower, never this much slower.
EXIT_WITHIN_S = 15.0

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


def _renderer_running(pid: int) -> bool:
    for child in descendants(pid):
        try:
            if b"--type=renderer" in Path(f"/proc/{child}/cmdline").read_bytes():
                return True
        except OSError:
            pass
    return False


def _stored_runs(db: Path, count: int) -> list[str]:
    store = RunStore(db)
    page = (PAGES / "three_importmap.html").read_text(encoding="utf-8")
    ids = []
    for _ in range(count):
        prompt = {"id": "p1", "title": "t", "category": "3d", "kind": "html", "text": "draw"}
        _, (run_id,) = writes.create_comparison(store, prompt=prompt, model_ids=["fake:fake"])
        writes.update_run(store, run_id, status="done", artifact=page, artifact_kind="html")
        ids.append(run_id)
    store.close()
    return ids


@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal-group", "process-only"])
def test_ctrl_c_during_checks_stops_prints_the_summary_and_keeps_them_not_checked(
    tmp_path: Path, whole_group: bool
) -> None:
    db = tmp_path / "interrupt.db"
    run_ids = _stored_runs(db, 3)
    env = {**os.environ, "CANVASBENCH_DB": str(db), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_TERMINAL, "check", *run_ids, "--watch", "60"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job has
    )
    try:
        deadline = time.monotonic() + 120
        while not _renderer_running(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()
        time.sleep(2.0)  # well inside the 60 s watching window of the first checks
        sent = time.monotonic()
        if whole_group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    print(f"stopped {took:.2f} s after SIGINT ({'group' if whole_group else 'process'})")
    text_out, text_err = out.decode(), err.decode()
    assert proc.returncode == 130, (text_out, text_err)
    assert took < EXIT_WITHIN_S, f"took {took:.1f} s to stop"
    assert "Traceback" not in text_err and "KeyboardInterrupt" not in text_err, text_err
    for run_id in run_ids:  # the summary names every run
        assert run_id in text_out
    assert "not checked" in text_out
    store = RunStore(db)
    verdicts = {rid: (latest_check(store, rid) or {}).get("verdict") for rid in run_ids}
    assert "crashed" not in verdicts.values(), verdicts
    assert all(v == "not checked" for v in verdicts.values()), verdicts
