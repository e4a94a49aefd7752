"""warm(): all of a process's one-time start-up work, done before its first timed request.

Importing a module of ours never does any of this; the runner calls `warm(providers)` in `submit()` (for
the providers of that comparison, on the caller's thread, never on the event loop the streams share),
the dashboard calls `warm_in_background()` once at start-up so a first click does not wait, and `run` and
`sweep` call `warm_in_background(their providers)` first thing, so that the SDK imports while the main
thread imports the runner and opens the database (`submit()` then waits for what is left). Each
step runs at most once per process (per provider for step 3), and none raises: a step that fails only
leaves its cost to the first real request (or final row), which reports any real problem itself.

The steps, in order (the first request waits for steps 1-3 and nothing else):
1. On a thread of its own, build the one SSL context every client shares (loading the CA store: 30-150 ms,
   in OpenSSL, which lets the other threads run meanwhile); warm() waits for it before returning.
2. Import the HTTP stack httpx loads on its first request (httpcore, h11, anyio's asyncio backend:
   66 modules, 20-100 ms), which would otherwise land inside the first run's TTFT.
3. For each provider asked for: import its adapter and SDK (0.5-2 s) and stream one canned answer
   through the real SDK over an in-memory transport (providers/warmup.py), so the SDK's lazy first-use
   work (pydantic model builds, lazy imports) is done before the first chunk is timed.
4. On a background thread, once the process's first request is out (its response has begun or it failed;
   at most FIRST_REQUEST_WAIT_S), so that it never shares the CPU with that request: import the analysis
   and the final row's modules and build the analysis's pygments lexers by analysing a tiny page in this
   process (they compile their patterns on first use: 0.1-1 s, which would otherwise sit between a run's
   last byte and its final row). With `analysis_workers=True` (the dashboard) it then also starts the
   analysis worker processes; the runner starts them itself when a stream grows large enough to need
   them (a CLI run of small pages never pays for two more processes).
"""

from __future__ import annotations

import functools
import importlib
import logging
import threading
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

HTTP_STACK = ("httpcore2", "h11", "anyio._backends._asyncio", "httpcore2._backends.anyio")
# Step 4 waits this long at most for a first request (the dashboard's start-up sends none).
FIRST_REQUEST_WAIT_S = 5.0

_lock = threading.RLock()  # warm() from submit() waits for a background warm() of the same provider
_lexers = threading.Lock()  # held while step 4 builds the lexers
_done: set[str] = set()  # steps (and providers) already warmed in this process


def warm(providers: Iterable[str] = (), *, analysis_workers: bool = False) -> None:
    """Do every start-up step not yet done in this process, for `providers` (names such as "openai")."""
    with _lock:
        ssl = _ssl_context_thread()
        _once("http", _import_http_stack)
        for name in providers:
            _once(f"provider:{name}", functools.partial(_provider, name))
        if ssl is not None:
            ssl.join()
        if "analysis" not in _done:
            _done.add("analysis")
            thread = threading.Thread(target=_analysis, args=(analysis_workers,), name="canvasbench-warm-analysis",
                                      daemon=True)
            thread.start()
        elif analysis_workers:
            _once("analysis-workers", _analysis_workers)


def warm_in_background(
    providers: Iterable[str] | None = None, *, analysis_workers: bool = True
) -> threading.Thread:
    """warm() on a daemon thread (every built-in provider when none are named); returns the thread."""
    from canvasbench.providers.builtins import NAMES

    names = tuple(NAMES if providers is None else providers)
    thread = threading.Thread(target=warm, args=(names,), kwargs={"analysis_workers": analysis_workers},
                              name="canvasbench-warm", daemon=True)
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


def _ssl_context_thread() -> threading.Thread | None:
    """Start building the shared SSL context on a thread (None when already done)."""
    if "ssl" in _done:
        return None
    _done.add("ssl")
    from canvasbench.providers.http import shared_ssl_context

    thread = threading.Thread(target=_guarded_ssl, args=(shared_ssl_context,), name="canvasbench-warm-ssl",
                              daemon=True)
    thread.start()
    return thread


def _guarded_ssl(build: Callable[[], object]) -> None:
    try:
        build()
    except Exception:  # the first real client builds it again and reports the problem
        log.debug("canvasbench: warm-up step ssl failed", exc_info=True)


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
    from canvasbench.providers.activity import first_request_out

    first_request_out.wait(FIRST_REQUEST_WAIT_S)
    _once("analysis-lexers", _analysis_lexers)
    if workers:
        with _lock:
            _once("analysis-workers", _analysis_workers)


def _analysis_lexers() -> None:
    with _lexers:
        import canvasbench.measure.analysis_pool
        import canvasbench.run.final_row  # noqa: F401  # with the prices: imported here, not before the first request
        from canvasbench.measure.analysis import analyse_response

        page = "```html\n<!DOCTYPE html><style>b{c:d}</style><script>let a = 1; // x\n</script>\n```"
        analyse_response(page)


def lexers_ready() -> None:
    """Wait while step 4 is building the lexers: a final row analysed meanwhile would build the same ones
    at the same time, both at half speed."""
    with _lexers:
        pass


def _analysis_workers() -> None:
    from canvasbench.measure.analysis_pool import warm_up

    warm_up()  # starts the worker processes on a thread of its own
