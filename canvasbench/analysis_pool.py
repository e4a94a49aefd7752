"""Analyse finished responses in worker processes, so pygments never holds the GIL that live streams need."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor

from canvasbench.analysis import ResponseAnalysis, analyse_response
from canvasbench.liveness import worker_alive, worker_token

log = logging.getLogger(__name__)

# Below this size analysing in-thread takes a few ms: cheaper than shipping the text to a process.
IN_THREAD_CHARS = 40_000

WORKERS = max(1, min(2, os.cpu_count() or 1))
_OWNER_POLL_S = 1.0

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
            _pool = ProcessPoolExecutor(
                max_workers=WORKERS, mp_context=context, initializer=_watch_owner, initargs=(worker_token(),)
            )
        return _pool


def _watch_owner(owner: str) -> None:
    """In each worker: exit once the process that owns the pool is gone (even killed with SIGKILL).

    Pool workers wait on a queue they hold both ends of, so they never notice on their own; left
    behind, they would also keep the forkserver alive and the dead process's stdout pipe open.
    """

    def watch() -> None:
        while worker_alive(owner):
            time.sleep(_OWNER_POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="canvasbench-owner-watch", daemon=True).start()


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
    if _pool is not None:
        return

    def start() -> None:
        try:
            pool = _executor()
            for _ in range(WORKERS):  # one job per worker makes the pool start each of them
                pool.submit(int)
        except (OSError, RuntimeError) as exc:
            log.debug("canvasbench: analysis workers not started: %s", exc)

    threading.Thread(target=start, name="canvasbench-analysis-warm", daemon=True).start()
