"""Analyse finished responses in worker processes, so pygments never holds the GIL that live streams need.

The workers are plain subprocesses (`python -m canvasbench.measure.analysis_worker`) spoken to over pipes, not
a multiprocessing pool: they never import the caller's main module (a script without a main guard is
not re-run), and they end on their own when the process that started them dies, because their stdin
closes with it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from canvasbench.measure.analysis import ResponseAnalysis, analyse_response
from canvasbench.measure.analysis_worker import read_frame, write_frame

log = logging.getLogger(__name__)

# Below this size analysing in-thread takes a few ms: cheaper than shipping the text to a process.
IN_THREAD_CHARS = 40_000

WORKERS = max(1, min(2, os.cpu_count() or 1))


class _Worker:
    """One analysis subprocess, used by one thread at a time."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        python_path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "canvasbench.measure.analysis_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": python_path},
        )

    def analyse(self, raw: str) -> ResponseAnalysis:
        """Send one text and wait for its analysis (the blocking read releases the GIL)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        write_frame(self.proc.stdin, pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL))
        payload = read_frame(self.proc.stdout)
        if payload is None:
            raise RuntimeError(f"the analysis worker ended (exit status {self.proc.poll()})")
        result = pickle.loads(payload)
        if isinstance(result, Exception):
            raise result
        assert isinstance(result, ResponseAnalysis)
        return result

    def alive(self) -> bool:
        """Whether the subprocess is still running."""
        return self.proc.poll() is None

    def close(self) -> None:
        """Close its stdin: it finishes the current text, if any, and exits."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()


class _Pool:
    """WORKERS subprocesses behind as many threads; a dead worker is replaced on its next job."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="canvasbench-analysis")
        self._slots: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        self._workers: list[_Worker] = []
        for _ in range(size):
            self._slots.put(None)

    def submit(self, raw: str) -> Future[ResponseAnalysis]:
        """Analyse `raw` in the next free worker."""
        return self._threads.submit(self._analyse, raw)

    def start(self) -> None:
        """Start every worker now (each imports pygments, which takes a moment)."""
        taken = [self._slots.get() for _ in range(self._size)]
        try:
            taken = [w if w is not None and w.alive() else self._spawn() for w in taken]
        finally:
            for worker in taken:
                self._slots.put(worker)

    def close(self) -> None:
        """Let every worker exit."""
        for worker in self._workers:
            worker.close()

    def _spawn(self) -> _Worker:
        worker = _Worker()
        self._workers.append(worker)
        return worker

    def _analyse(self, raw: str) -> ResponseAnalysis:
        worker = self._slots.get()
        try:
            if worker is None or not worker.alive():
                worker = self._spawn()
            try:
                return worker.analyse(raw)
            except (OSError, ValueError, RuntimeError, pickle.PickleError, EOFError):
                worker.close()
                worker = None  # replaced on the next job; this one is analysed in-thread by the caller
                raise
        finally:
            self._slots.put(worker)


_lock = threading.Lock()
_pool: _Pool | None = None


def _shared_pool() -> _Pool:
    global _pool
    with _lock:
        if _pool is None:
            _pool = _Pool(WORKERS)
            atexit.register(_pool.close)
        return _pool


def analyse_soon(raw: str) -> Future[ResponseAnalysis] | None:
    """Start analysing a large response in a worker process (None: small, analyse it where it is needed)."""
    if len(raw) < IN_THREAD_CHARS:
        return None
    return _shared_pool().submit(raw)


def analysis_of(future: Future[ResponseAnalysis] | None, raw: str) -> ResponseAnalysis:
    """The worker's analysis, or the same analysis done here (small text, or the worker failed)."""
    if future is not None:
        try:
            return future.result()
        except Exception as exc:
            log.warning("canvasbench: analysis worker failed (%s); analysing in-thread", exc)
    return analyse_response(raw)


def warm_up() -> None:
    """Start the worker processes now (in the background), so the first large page is not kept waiting."""
    if _pool is not None:
        return

    def start() -> None:
        try:
            _shared_pool().start()
        except OSError as exc:  # no processes here: large pages are analysed in-thread
            log.debug("canvasbench: analysis workers not started: %s", exc)

    threading.Thread(target=start, name="canvasbench-analysis-warm", daemon=True).start()
