"""ASGI middleware: tells each dashboard page where its server is, so a deep link connects on the first try."""

from __future__ import annotations

import gzip
from typing import Any

from starlette.datastructures import MutableHeaders

# Streamlit's page guesses the server's base path from its own URL: opened at /metrics, it first pings
# /metrics/_stcore/health, gets a 404, and tries / only after a back-off: about 0.1 s of every cold load of a
# page other than the gallery. Its static files are relative ("./static/..."), so the server is where "."
# resolves (under any base path or proxy prefix). The page reads `window.__streamlit` once, as its bundle
# starts, so the hint goes first in <head>; a host's own settings there win.
HINT = (
    b"<script>window.__streamlit=Object.assign("
    b'{BACKEND_BASE_URL:new URL(".",location.href).href},window.__streamlit)</script>'
)
# Only Streamlit's own page is changed (it carries this), never an HTML file the app serves as a download or media.
_INDEX_MARK = b'src="./static/js/index.'


class ServerHint:
    """Puts HINT at the top of Streamlit's page (the same page answers every page URL)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] | None = None
        body = bytearray()

        async def hinted(message: dict[str, Any]) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                page = headers.get("content-type", "").startswith("text/html") and "content-disposition" not in headers
                if message["status"] == 200 and page and headers.get("content-encoding", "gzip") == "gzip":
                    held = message  # sent with the whole body, whose length changes
                    return
                await send(message)
            elif message["type"] == "http.response.body" and held is not None:
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    await _send_hinted(send, held, bytes(body))
            else:
                await send(message)

        await self.app(scope, receive, hinted)


async def _send_hinted(send: Any, start: dict[str, Any], body: bytes) -> None:
    """The page with the hint (sent uncompressed: it is a few kB), or as it was when it is not Streamlit's page."""
    headers = MutableHeaders(raw=start["headers"])
    page = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
    if _INDEX_MARK in page:
        body = page.replace(b"<head>", b"<head>" + HINT, 1)
        if "content-encoding" in headers:
            del headers["content-encoding"]
        headers["content-length"] = str(len(body))
    await send(start)
    await send({"type": "http.response.body", "body": body})
