"""warm(): all of a process's one-time start-up work, done before its first timed request.

Importing a module of ours never does any of this; the runner calls `warm(providers)` in `submit()` (for
the providers of that comparison, on the caller's thread, never on the event loop the streams share),
and the dashboard calls `warm_in_background()` once at start-up so a first click does not wait. Each
step runs at most once per process (per provider for step 3), and none raises: a step that fails only
leaves its cost to the first real request (or final row), which reports any real problem itself.

The steps, in order:
1. Import the HTTP stack httpx loads on its first request (httpcore, h11, anyio's asyncio backend:
   66 modules, 20-100 ms), which would otherwise land inside the first run's TTFT.
2. Build the one SSL context every client shares (loading the CA store: 50-150 ms).
3. For each provider asked for: import its adapter and SDK (0.5-2 s) and stream one canned answer
   through the real SDK over an in-memory transport (providers/warmup.py), so the SDK's lazy first-use
   work (pydantic model builds, lazy imports) is done before the first chunk is timed.
4. On a background thread, once steps 1-3 are done: build the analysis's pygments lexers by analysing
   a tiny page in this process (they compile their patterns on first use: 0.2-1 s, which would
   otherwise sit between a run's last byte and its final row). With `analysis_workers=True` (the
   dashboard) it then also starts the analysis worker processes; the runner starts them itself when a
   stream grows large enough to need them (a CLI run of small pages never pays for two more processes).
"""

from __future__ import annotations

import functools
import importlib
import logging
import threading
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

HTTP_STACK = ("httpcore2", "h11", "anyio._backends._asyncio", "httpcore2._backends.anyio")

_lock = threading.RLock()  # warm() from submit() waits for a background warm() of the same provider
_done: set[str] = set()  # steps (and providers) already warmed in this process


def warm(providers: Iterable[str] = (), *, analysis_workers: bool = False) -> None:
    """Do every start-up step not yet done in this process, for `providers` (names such as "openai")."""
    with _lock:
        _once("http", _import_http_stack)
        _once("ssl", _ssl_context)
        for name in providers:
            _once(f"provider:{name}", functools.partial(_provider, name))
        if "analysis" not in _done:
            _done.add("analysis")
            thread = threading.Thread(target=_analysis, args=(analysis_workers,), name="canvasbench-warm-analysis",
                                      daemon=True)
            thread.start()
        elif analysis_workers:
            _once("analysis-workers", _analysis_workers)


def warm_in_background(providers: Iterable[str] | None = None) -> threading.Thread:
    """warm() on a daemon thread (every built-in provider when none are named); returns the thread."""
    from canvasbench.providers.builtins import NAMES

    names = tuple(NAMES if providers is None else providers)
    thread = threading.Thread(target=warm, args=(names,), kwargs={"analysis_workers": True}, name="canvasbench-warm",
                              daemon=True)
    thread.start()
    return thread


def _once(step: str, work: Callable[[], object]) -> None:
    if step in _done:
        return
    _done.add(step)
    try:
        work()
    except Exception:  # an optimisation only: the real request reports real problems
        log.debug("canvasbench: warm-up step %s failed", step, exc_info=True)


def _import_http_stack() -> None:
    for name in HTTP_STACK:
        importlib.import_module(name)


def _ssl_context() -> None:
    from canvasbench.providers.http import shared_ssl_context

    shared_ssl_context()


def _provider(name: str) -> None:
    """Build the provider's adapter (importing its SDK), then warm that SDK once."""
    from canvasbench.providers import warmup
    from canvasbench.providers.builtins import PROVIDERS
    from canvasbench.providers.registry import get_provider

    adapter_module = type(get_provider(name)).__module__
    # Endpoints (openrouter, ollama, a file's entries) use the openai adapter, so they share its SDK.
    sdk = next((p.name for p in PROVIDERS if p.adapter.partition(":")[0] == adapter_module), None)
    if sdk is not None:
        _once(f"sdk:{sdk}", getattr(warmup, f"warm_{sdk}"))


def _analysis(workers: bool) -> None:
    _once("analysis-lexers", _analysis_lexers)
    if workers:
        with _lock:
            _once("analysis-workers", _analysis_workers)


def _analysis_lexers() -> None:
    from canvasbench.analysis import analyse_response

    page = "```html\n<!DOCTYPE html><style>b{c:d}</style><script>let a = 1; // x\n</script>\n```"
    analyse_response(page)


def _analysis_workers() -> None:
    from canvasbench.analysis_pool import warm_up

    warm_up()  # starts the worker processes on a thread of its own
