"""Analyse finished responses in worker processes, so pygments never holds the GIL that live streams need."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor

from canvasbench.analysis import ResponseAnalysis, analyse_response

log = logging.getLogger(__name__)

# Below this size analysing in-thread takes a few ms: cheaper than shipping the text to a process.
IN_THREAD_CHARS = 40_000

WORKERS = max(1, min(2, os.cpu_count() or 1))

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # forkserver, not fork: the runner's process has live threads (event loop, writer, Streamlit),
            # and a forked copy of them can deadlock; preload so each worker starts with pygments imported.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["canvasbench.analysis"])
            _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=context)
        return _pool


def analyse_soon(raw: str) -> Future[ResponseAnalysis] | None:
    """Start analysing a large response in a worker process (None: small, analyse it where it is needed)."""
    if len(raw) < IN_THREAD_CHARS:
        return None
    try:
        return _executor().submit(analyse_response, raw)
    except (OSError, RuntimeError) as exc:  # no processes here (or shutting down): analyse in-thread
        log.warning("canvasbench: analysing in-thread: %s", exc)
        return None


def analysis_of(future: Future[ResponseAnalysis] | None, raw: str) -> ResponseAnalysis:
    """The worker's analysis, or the same analysis done here (small text, or the worker died)."""
    if future is not None:
        try:
            return future.result()
        except Exception as exc:
            log.warning("canvasbench: analysis worker failed (%s); analysing in-thread", exc)
    return analyse_response(raw)


def warm_up() -> None:
    """Start the worker processes now (in the background), so the first large page is not kept waiting."""

    def start() -> None:
        try:
            pool = _executor()
            for _ in range(WORKERS):  # one job per worker makes the pool start each of them
                pool.submit(int)
        except (OSError, RuntimeError) as exc:
            log.debug("canvasbench: analysis workers not started: %s", exc)

    threading.Thread(target=start, name="canvasbench-analysis-warm", daemon=True).start()
