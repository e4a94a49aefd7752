"""A small HTTP server on 127.0.0.1 that answers the dashboard previews' library requests from the mirror.

Previews are offline: `canvasbench.sandbox.document` rewrites CDN URLs in an artifact to `ORIGIN/cdn/HOST/PATH`
and its CSP allows no other origin. This server maps such a path back to the CDN URL and answers it
from `storage/mirror` with the right MIME type (module scripts need a JavaScript type) and CORS headers
(the artifact's origin is opaque, `null`); a library the mirror does not hold gets a 404, never a fetch.
Streamlit's own static serving cannot do this: it serves `.js` as text/plain with nosniff.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from canvasbench.sandbox.document import CDN_HOSTS, MIRROR_PREFIX, rewrite_cdn_urls
from canvasbench.sandbox.mirror import Mirror, load_mirror

log = logging.getLogger(__name__)

# Served bodies that may name other CDN URLs (ESM imports rewritten by the mirror, CSS url()s).
_TEXT_TYPES = ("javascript", "text/css", "json")


def cdn_url_of(path: str) -> str | None:
    """`/cdn/HOST/REST?Q` -> `https://HOST/REST?Q` for a known CDN host, else None."""
    if not path.startswith(MIRROR_PREFIX):
        return None
    host, _, rest = path[len(MIRROR_PREFIX) :].partition("/")
    if host.lower() not in CDN_HOSTS:
        return None
    return f"https://{host.lower()}/{rest}"


class BadTarget(ValueError):
    """A request target that cannot name any file: answered 400."""


MAX_TARGET = 4096  # characters; no library path is near this long
# Percent escapes must be %XX; decoded, the path must be UTF-8 with no control character (NUL above all:
# the file system refuses it with an exception, not a miss).
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def mirror_url_of(target: str) -> str | None:
    """The CDN URL a request target asks for, None for a path outside the mirror; BadTarget if malformed."""
    if len(target) > MAX_TARGET or not target.isascii() or _CONTROL.search(target) or _BAD_ESCAPE.search(target):
        raise BadTarget(target[:80])
    parts = urlsplit(target)
    try:
        path, query = unquote(parts.path, errors="strict"), unquote(parts.query, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadTarget(target[:80]) from exc
    if _CONTROL.search(path) or _CONTROL.search(query):
        raise BadTarget(target[:80])
    return cdn_url_of(path + (f"?{parts.query}" if parts.query else ""))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self, status: int, content_type: str, body: bytes, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "max-age=3600" if status == 200 else "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _serve(self, *, head: bool) -> None:
        try:
            url = mirror_url_of(self.path)
        except BadTarget:
            body = b"Bad request: this path cannot name a library file.\n"
            self._answer(400, "text/plain; charset=utf-8", body, head=head)
            return
        try:
            hit = self.server.mirror().resolve(url) if url else None
        except (OSError, ValueError) as exc:  # a name the file system refuses (too long, ...) is not in the mirror
            log.debug("preview mirror: cannot look up %s: %s", url, exc)
            hit = None
        if hit is None:
            body = b"Not in the offline library mirror (previews never fetch from the network).\n"
            self._answer(404, "text/plain; charset=utf-8", body, head=head)
            return
        body = hit.body
        if any(t in hit.content_type for t in _TEXT_TYPES):
            body = rewrite_cdn_urls(body.decode("utf-8", errors="replace"), self.server.origin).encode("utf-8")
        self._answer(200, hit.content_type, body, head=head)

    def do_GET(self) -> None:
        """Answer a mirrored library file, or 404."""
        self._serve(head=False)

    def do_HEAD(self) -> None:
        """Headers only."""
        self._serve(head=True)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: a preview's requests are not worth a log line each."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"

    def mirror(self) -> Mirror:
        return load_mirror(self.root)

    def handle_error(self, request: object, client_address: object) -> None:
        """One line, not a traceback on the dashboard's stderr; a browser leaving early is not worth even that."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError):
            log.warning("preview mirror: a request failed: %s: %s", type(exc).__name__, exc)


class PreviewServer:
    """The mirror server running in a daemon thread of this process; `origin` is what previews may load."""

    def __init__(self, root: Path | None = None) -> None:
        self._server = _Server(root)
        self.origin = self._server.origin
        self._thread = threading.Thread(target=self._server.serve_forever, name="preview-mirror", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()


_lock = threading.Lock()
_running: PreviewServer | None = None


def preview_server() -> PreviewServer | None:
    """This process's mirror server, started on first use; None when it cannot listen."""
    global _running
    with _lock:
        if _running is None:
            try:
                _running = PreviewServer()
            except OSError:
                return None
        return _running
