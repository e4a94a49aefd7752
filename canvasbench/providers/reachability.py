"""Whether a keyless endpoint's server is there at all: a short TCP probe of its base URL, run on a thread of
its own and remembered briefly, so a page asking never waits on the network."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from canvasbench.redact import redact_url

PROBE_TIMEOUT_S = 1.5  # a local server answers a connect at once; a remote one within a second or so
FRESH_S = 15.0  # a result older than this is probed again (and shown meanwhile)


@dataclass(frozen=True)
class Reach:
    """What one probe found: where it tried (credentials masked), whether a server answered, and if not, why."""

    url: str
    reachable: bool
    reason: str = ""  # e.g. "connection refused", "no answer within 1.5 s"
    at: float = 0.0  # the watch's clock when it was probed


def probe(base_url: str, *, timeout_s: float = PROBE_TIMEOUT_S) -> Reach:
    """Open (and close) a TCP connection to the base URL's host and port, within `timeout_s`."""
    shown = redact_url(base_url)
    try:
        parts = urlsplit(base_url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Reach(shown, False, "not a URL")
    if not host:
        return Reach(shown, False, "no host in the URL")
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return Reach(shown, True)
    except TimeoutError:
        return Reach(shown, False, f"no answer within {timeout_s:g} s")
    except socket.gaierror:
        return Reach(shown, False, f"the host name {host} does not resolve")
    except OSError as exc:
        return Reach(shown, False, (exc.strerror or type(exc).__name__).lower())


class ReachWatch:
    """Probes base URLs in the background and remembers each result for `fresh_s`; thread-safe."""

    def __init__(
        self,
        *,
        fresh_s: float = FRESH_S,
        clock: Callable[[], float] = time.monotonic,
        prober: Callable[[str], Reach] = probe,
    ) -> None:
        self._fresh_s = fresh_s
        self._clock = clock
        self._prober = prober
        self._known: dict[str, Reach] = {}
        self._running: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, base_url: str) -> Reach | None:
        """The latest result (None before the first probe ends); starts a probe when it is missing or stale."""
        with self._lock:
            known = self._known.get(base_url)
            stale = known is None or self._clock() - known.at >= self._fresh_s
            if stale and base_url not in self._running:
                done = self._running[base_url] = threading.Event()
                threading.Thread(
                    target=self._probe, args=(base_url, done), name="canvasbench-reach", daemon=True
                ).start()
        return known

    def known(self, base_url: str) -> Reach | None:
        """The latest result without starting a probe (a sidebar on every page must not probe)."""
        with self._lock:
            return self._known.get(base_url)

    def pending(self, base_url: str) -> bool:
        """Whether a probe of this URL is running now."""
        with self._lock:
            return base_url in self._running

    def wait(self, base_url: str, timeout_s: float) -> Reach | None:
        """get(), then wait up to `timeout_s` for a running probe to end (for the CLI and tests)."""
        self.get(base_url)
        with self._lock:
            done = self._running.get(base_url)
        if done is not None:
            done.wait(timeout_s)
        with self._lock:
            return self._known.get(base_url)

    def _probe(self, base_url: str, done: threading.Event) -> None:
        try:
            found = self._prober(base_url)
        except Exception as exc:  # a probe must never take a page down: say it could not tell
            found = Reach(redact_url(base_url), False, f"the probe failed ({type(exc).__name__})")
        with self._lock:
            self._known[base_url] = Reach(found.url, found.reachable, found.reason, self._clock())
            self._running.pop(base_url, None)
        done.set()


_shared: ReachWatch | None = None
_shared_lock = threading.Lock()


def shared_watch() -> ReachWatch:
    """The process's one watch: every page and session sees the same recent results."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ReachWatch()
        return _shared
