"""Shared by the dashboard tests and benchmark: filling a database through RunStore, running the app headless."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from canvasbench.store import RunStore, writes
from tests.fakes.behaviour import CANVAS_PAGE, SVG_IMAGE

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seed_comparison(
    store: RunStore,
    *,
    title: str = "Bouncing canvas",
    category: str = "canvas",
    prompt_text: str = "Write one HTML file that draws a bouncing ball on a canvas.",
    prompt_id: str | None = None,
    models: Sequence[str] = ("gemini:gemini-3-flash-preview", "openai:gpt-5.2", "anthropic:claude-opus-4-6"),
    statuses: Sequence[str] | None = None,
    artifacts: Sequence[tuple[str, str]] | None = None,
    response_padding: int = 0,
    created: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> tuple[str, list[str]]:
    """A finished comparison with realistic run rows (metrics, texts, timeline); returns (comparison, run ids)."""
    prompt = {
        "id": prompt_id or f"p-{abs(hash((title, category))) % 10**8}",
        "title": title,
        "category": category,
        "kind": "html",
        "text": prompt_text,
        "source": "suite",
    }
    comparison_id, run_ids = writes.create_comparison(store, prompt=prompt, model_ids=models, options={})
    start = created or datetime.now(UTC)
    if created is not None:
        with store.write():
            store.db.execute("UPDATE comparisons SET created_at = ? WHERE id = ?", [_iso(start), comparison_id])
            store.db.execute("UPDATE runs SET created_at = ? WHERE comparison_id = ?", [_iso(start), comparison_id])
    for i, run_id in enumerate(run_ids):
        status = statuses[i] if statuses else "done"
        kind, code = artifacts[i] if artifacts else (("svg", SVG_IMAGE) if i % 3 == 2 else ("html", CANVAS_PAGE))
        response = f"Here is the page.\n\n```{kind}\n{code}\n```\n" + ("x" * response_padding)
        lines = code.count("\n") + 1
        total = 20.0 + 7 * i
        fields: dict[str, Any] = {
            "status": status,
            "started_at": _iso(start),
            "finished_at": _iso(start + timedelta(seconds=total)),
            "attempts": 1,
            "first_chunk_s": 0.5 + i,
            "ttft_s": 0.8 + i,
            "latency_s": total,
            "tokens_per_s": 150.0 - 20 * i,
            "input_tokens": 900,
            "output_tokens": 3000 + 500 * i,
            "thinking_tokens": 400 * i,
            "cost_usd": None if i == 1 else 0.01 * (i + 1),
            "finish_reason": "stop" if status == "done" else "error",
            "error": None if status == "done" else "HTTP 503 from provider: overloaded <b>bold</b>",
            "response": response,
            "reasoning": "Thinking about a canvas." if i == 0 else "",
            "artifact_kind": kind,
            "artifact": code,
            "lines": lines,
            "code_lines": max(lines - 3, 0),
            "chars": len(code),
            "response_lines": response.count("\n") + 1,
            "truncated": 0,
            "timeline": [[0.8 + i + t, 40 * t, t * lines // 10] for t in range(11)],
        }
        if status not in ("queued", "running"):
            # History: no live process holds a finished run, so no page waits for a render check to be queued.
            fields["worker"] = None
        fields.update(extra or {})
        writes.update_run(store, run_id, **fields)
    return comparison_id, run_ids


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppServer:
    """`streamlit run app.py` headless on a free port, with the given environment; stop() ends it."""

    def __init__(self, env: Mapping[str, str], *, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        """Block until /_stcore/health answers ok (after the app's own start-up run: the wait allows for a slow one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("streamlit did not become healthy")

    def stop(self) -> None:
        """Terminate the server process we started."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()


def load_json(text: str) -> Any:
    """json.loads that tolerates None."""
    return json.loads(text) if text else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (`browser = browser_helpers.browser` in the module).

    Module scope, not session: Playwright's sync API allows one instance per thread at a time, and some
    modules drive their own.
    """
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
