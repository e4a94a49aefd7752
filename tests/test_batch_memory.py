"""Reading a big batch job's results holds one result at a time, not the provider's whole results file."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from canvasbench.providers.base import GenerationRequest
from canvasbench.providers.batch.gemini_batch import GeminiBatches
from canvasbench.providers.batch.openai_batch import OpenAIBatches

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 60  # of about 2,000 lines each: an output file of about 5 MB
GEMINI_REQUESTS = 240  # a results file of about 22 MB


@pytest.fixture(scope="module")
def fake_process() -> Iterator[str]:
    """The fakes in a process of their own, so what they hold to serve a file is not counted as the reader's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakes", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # waits for the server to answer, not for a time
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        fake.terminate()
        fake.wait()


def test_an_openai_batch_s_results_are_read_a_line_at_a_time(
    fake_process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_process}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    engine = OpenAIBatches()
    request = GenerationRequest(model="fake;text=long;lines=2000;batch_polls=1", prompt="A page.")
    job_id = engine.submit([(f"run-{i}", request) for i in range(REQUESTS)], "memory")
    for _ in range(5):  # the fake ends the job after one poll
        if engine.status(job_id).state == "ended":
            break
    tracemalloc.start()
    try:
        count = size = 0
        for item in engine.results(job_id):
            count += 1
            size += len(item.text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == REQUESTS and size > 4_000_000
    # The whole file at once (the code before) peaked above the file's size; a 50,000-request job's file is
    # gigabytes. Streamed, the peak is a few results' worth whatever the job's size.
    assert peak < size / 4, f"reading {size / 1e6:.1f} MB of results peaked at {peak / 1e6:.1f} MB"


def test_a_gemini_batch_s_results_file_is_read_a_line_at_a_time(
    fake_process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake_process)
    monkeypatch.setenv("GEMINI_API_KEY", "k")
    engine = GeminiBatches(inline_limit=1)  # past the inline limit: the requests go, and the results come, as files
    request = GenerationRequest(model="fake;text=long;lines=2000;batch_polls=1", prompt="A page.")
    job_id = engine.submit([(f"run-{i}", request) for i in range(GEMINI_REQUESTS)], "memory")
    for _ in range(5):  # the fake ends the job after one poll
        if engine.status(job_id).state == "ended":
            break
    tracemalloc.start()
    try:
        count = size = 0
        for item in engine.results(job_id):
            count += 1
            size += len(item.text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == GEMINI_REQUESTS and size > 16_000_000
    # The SDK's download holds a few MB of its own whatever the file's size (its 1 MiB chunks and their
    # buffers: 4.5 MB at 60 and at 240 requests), so the file here is big enough to tell that from the file.
    # Downloaded to an unnamed temporary file in the SDK's 1 MiB chunks, then parsed a line at a time.
    assert peak < size / 3, f"reading {size / 1e6:.1f} MB of results peaked at {peak / 1e6:.1f} MB"
