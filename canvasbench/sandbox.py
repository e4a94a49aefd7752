"""The locked-down document that shows generated code: an outer page holding only a sandboxed inner iframe.

Every built-in Streamlit embed gives its content the app's origin, so generated code never goes into one
directly. The outer document (what Streamlit embeds) contains no script at all, just one
`<iframe sandbox="allow-scripts" srcdoc=...>`: without `allow-same-origin` the artifact runs with an
opaque origin (no access to the app's DOM, cookies, storage or server), without `allow-top-navigation`
it cannot move the app away, without `allow-popups` it cannot open windows. A CSP meta tag placed first
in the inner page additionally stops it from sending data anywhere with fetch, XHR or WebSockets.
"""

from __future__ import annotations

import html
import re

# Scripts, styles, images and fonts may come from CDNs (generated pages load three.js that way);
# network calls a page could use to send data out (fetch, XHR, WebSocket, beacons, forms) may not.
INNER_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'unsafe-inline' 'unsafe-eval' https: blob: data:",
        "style-src 'unsafe-inline' https:",
        "img-src https: data: blob:",
        "font-src https: data:",
        "media-src https: data: blob:",
        "worker-src blob:",
        "connect-src data: blob:",
        "frame-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SANDBOX = "allow-scripts"

_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(INNER_CSP, quote=True)}">'
# Anchored at the very start so markup inside comments or scripts can never move the CSP out of <head>.
_LEADING_DOCTYPE = re.compile(r"\A(\ufeff?\s*<!doctype[^>]*>)", re.IGNORECASE)

_SVG_PAGE = (
    "<!doctype html><html><head>{csp}<meta charset='utf-8'><style>"
    "html,body{{margin:0;height:100%;background:#fff}}"
    "body{{display:flex;align-items:center;justify-content:center;overflow:auto}}"
    "body>svg{{max-width:100%;max-height:100vh;height:auto}}"
    "</style></head><body>{svg}</body></html>"
)
_TEXT_PAGE = (
    "<!doctype html><html><head>{csp}<meta charset='utf-8'><style>"
    "body{{margin:0;padding:12px;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;color:#555;"
    "background:#fafafa;white-space:pre-wrap;word-break:break-word}}"
    "</style></head><body>{text}</body></html>"
)
_OUTER_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><style>"
    "html,body{{margin:0;padding:0;height:100%;overflow:hidden;background:transparent}}"
    "iframe{{display:block;border:0;width:100%;height:{height}px;background:#fff}}"
    "</style></head><body><!-- revision {revision} -->"
    '<iframe sandbox="{sandbox}" referrerpolicy="no-referrer" title="{title}" srcdoc="{srcdoc}"></iframe>'
    "</body></html>"
)


def inner_page(code: str, kind: str) -> str:
    """The document the artifact runs as: HTML with a CSP first in <head>, SVG in a small page, else text."""
    if kind == "html":
        match = _LEADING_DOCTYPE.match(code)
        if match:
            return match.group(1) + _CSP_META + code[match.end() :]
        return _CSP_META + code
    if kind == "svg":
        return _SVG_PAGE.format(csp=_CSP_META, svg=code)
    return _TEXT_PAGE.format(csp=_CSP_META, text=html.escape(code))


def sandbox_document(code: str, kind: str, *, height: int, revision: int = 0, title: str = "artifact") -> str:
    """The outer page whose only content is `<iframe sandbox="allow-scripts" srcdoc=...>` holding the artifact.

    `revision` changes the document without changing what runs, so embedding it again reloads the artifact.
    """
    return _OUTER_PAGE.format(
        height=max(int(height), 50),
        revision=int(revision),
        sandbox=SANDBOX,
        title=html.escape(title, quote=True),
        srcdoc=html.escape(inner_page(code, kind), quote=True),
    )
