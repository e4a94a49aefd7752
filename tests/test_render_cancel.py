"""A render check cancelled in the middle of a browser call prints nothing on the user's terminal.

A real `canvasbench check` process gets Ctrl-C (or SIGTERM) right after its n-th browser call has started,
for calls spread over the whole check: launch, navigation, the looks (a page evaluation and a screenshot
gathered together), the player's input, the last look, closing the page. The moment is driven by the
calls themselves (Playwright's own `DEBUG=pw:api` log of each call, read from the process's stderr), never
by sleeps. The page takes about 0.5 s per frame, so a call waiting for a frame is still in flight when the
signal lands, however fast or loaded the machine is.
"""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from canvasbench.render.processes import chromium_path
from canvasbench.store import RunStore, writes
from canvasbench.store.reads import latest_check
from tests.cli_process import AS_FROM_A_TERMINAL

ROOT = Path(__file__).resolve().parent.parent
STARTED = re.compile(r"^pw:api => (\S+) started")
DRIVER_LOG = re.compile(r"^(\S+Z )?pw:")  # Playwright's own debug lines (client and driver), not ours
STRAY = ("Traceback", "exception was never retrieved", "Task was destroyed", "Exception ignored", "Error")

# Each frame keeps the page's main thread busy for 0.5 s: screenshots and input wait for frames, so each
# gathered call is mid-flight for that long. It draws, moves and beats between frames (not hung).
SLOW_FRAMES = """<!doctype html><html><body style="margin:0"><canvas id="c" width="400" height="300"></canvas>
<script>
const ctx = document.getElementById('c').getContext('2d');
let n = 0;
function frame() {
  const until = performance.now() + 500;
  while (performance.now() < until) {}
  n += 1;
  ctx.fillStyle = `hsl(${(n * 40) % 360}, 80%, 50%)`;
  ctx.fillRect(0, 0, 400, 300);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
</script></body></html>"""

# (the browser call, which one of its kind): a spread over one check, each point where a check can be stopped.
POINTS = [
    ("Browser.new_context", 1),
    ("Page.goto", 1),
    ("CDPSession.send", 1),  # the first look: its page evaluation and screenshot gathered
    ("CDPSession.send", 8),  # the player's input, sent without waiting, gathered at the end
    ("Frame.evaluate", 1),  # a script in the page (the probe beside a look, or the ready check)
]

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


def _stored_runs(db: Path, count: int) -> list[str]:
    store = RunStore(db)
    prompt = {"id": "p1", "title": "t", "category": "animation", "kind": "html", "text": "draw"}
    _, run_ids = writes.create_comparison(store, prompt=prompt, model_ids=["fake:fake"] * count)
    for run_id in run_ids:
        writes.update_run(store, run_id, status="done", artifact=SLOW_FRAMES, artifact_kind="html")
    store.close()
    return list(run_ids)


@pytest.mark.parametrize(("call", "nth"), POINTS, ids=[f"{call}-{nth}" for call, nth in POINTS])
def test_a_check_stopped_during_any_browser_call_prints_no_traceback(tmp_path: Path, call: str, nth: int) -> None:
    db = tmp_path / "cancel.db"
    # Two checks one after the other: a point late in the first one still stops the process in the second.
    first, second = _stored_runs(db, 2)
    stop_with = signal.SIGTERM if POINTS.index((call, nth)) % 2 else signal.SIGINT  # `kill` is Ctrl-C too
    env = {**os.environ, "CANVASBENCH_DB": str(db), "PYTHONUNBUFFERED": "1", "DEBUG": "pw:api"}
    proc = subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_TERMINAL, "check", first, second, "--watch", "0.5", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    sent = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        seen = 0
        for raw in proc.stderr:
            line = raw.decode(errors="replace")
            lines.append(line)
            started = STARTED.match(line)
            if started and started.group(1) == call and not sent.is_set():
                seen += 1
                if seen == nth:
                    proc.send_signal(stop_with)  # the call is in flight now
                    sent.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert proc.stdout is not None
        out = proc.stdout.read()  # stderr is the reader's alone
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    reader.join(timeout=10)
    ours = "".join(line for line in lines if not DRIVER_LOG.match(line))
    assert sent.is_set(), f"the check ended before {call} #{nth} started:\n{''.join(lines)[-3000:]}"
    assert proc.returncode == 130, (out.decode(), ours)
    for stray in STRAY:
        assert stray not in ours, ours
    assert "Interrupted" in ours, "".join(lines)[-4000:]
    store = RunStore(db)
    verdicts = [(latest_check(store, run_id) or {}).get("verdict") for run_id in (first, second)]
    assert verdicts[1] == "not checked" and "crashed" not in verdicts, verdicts


# A library user (the dashboard, a script): the engine closed while its check is mid-call, from another thread,
# then the interpreter's own teardown, garbage collection included. Each line on stdin closes the engine.
CLOSE_MID_CALL = """
import gc, sys, threading
from canvasbench.render.check import RenderEngine, check_artifact
from canvasbench.render.limits import CheckLimits
page = sys.argv[1]
for _ in range(int(sys.argv[2])):
    engine = RenderEngine(max_concurrent=1)
    results = []
    checking = threading.Thread(
        target=lambda: results.append(check_artifact(page, "html", engine=engine, limits=CheckLimits(sample_s=0.5)))
    )
    checking.start()
    sys.stdin.readline()
    engine.close(wait_s=1.0)  # what Ctrl-C does: a second or so, then the check is left to end on its own
    checking.join()
    print(results[0].verdict, flush=True)
    gc.collect()
"""

# Per engine: (the browser call, which one of its kind) at which it is closed.
CLOSE_AT = [("CDPSession.send", 1), ("Frame.evaluate", 1)]


def test_an_engine_closed_mid_call_leaves_nothing_to_print_at_garbage_collection_or_exit() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DEBUG": "pw:api", "PYTHONWARNINGS": "default"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CLOSE_MID_CALL, SLOW_FRAMES, str(len(CLOSE_AT))],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines: list[str] = []
    closed: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None and proc.stdin is not None
        counts: dict[str, int] = {}
        for raw in proc.stderr:
            line = raw.decode(errors="replace")
            lines.append(line)
            started = STARTED.match(line)
            if not started or len(closed) == len(CLOSE_AT):
                continue
            call, nth = CLOSE_AT[len(closed)]
            if started.group(1) == "BrowserType.launch":
                counts = {}  # a new engine: count its calls afresh
            counts[started.group(1)] = counts.get(started.group(1), 0) + 1
            if started.group(1) == call and counts[call] == nth:
                closed.append(f"{call} #{nth}")
                proc.stdin.write(b"close\n")  # the call is in flight now
                proc.stdin.flush()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert proc.stdout is not None
        out = proc.stdout.read().decode()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=10)
    ours = "".join(line for line in lines if not DRIVER_LOG.match(line))
    assert len(closed) == len(CLOSE_AT), (closed, "".join(lines)[-3000:])
    assert proc.returncode == 0, (out, ours)
    assert out.split() == ["not", "checked"] * len(CLOSE_AT), out
    for stray in (*STRAY, "Warning"):
        assert stray not in ours, ours


def test_the_render_engine_starts_futures_only_through_owned() -> None:
    # The class, not the instances: a future started any other way can end unread and print when cancelled.
    unowned = {"gather", "ensure_future", "create_task"}
    found = []
    for path in sorted((ROOT / "canvasbench" / "render").glob("*.py")):
        if path.name == "owned.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in unowned:
                found.append(f"{path.name}:{node.lineno} {node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "asyncio":
                found += [f"{path.name}:{node.lineno} {a.name}" for a in node.names if a.name in unowned]
    assert not found, f"start these with canvasbench.render.owned (owned/together): {found}"
