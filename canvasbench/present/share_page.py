"""The markup of a share file: one comparison as a page that opens offline from `file://`, and its pieces.

Everything model-written (code, prompt, judge reasons, titles) reaches this page only as escaped text or as
an escaped `srcdoc`; the page's one script of ours copies each preview's document (JSON data, `<` escaped)
into its sandboxed frame's `srcdoc` with the libraries put in place. It reads no message and evaluates
nothing, so no model output can reach it. Each artifact runs two frames deep: our wrapper (scaling, the
"navigation blocked" notice) in `sandbox="allow-scripts allow-pointer-lock"`, the artifact inside it in the
same sandbox, neither with `allow-same-origin`, so neither can read, script or navigate this page.
"""

from __future__ import annotations

import html
import json
from typing import Any

from canvasbench.paths import DATA_DIR
from canvasbench.sandbox.document import SANDBOX


def esc(value: object) -> str:
    """Text as HTML, quotes included."""
    return html.escape(str(value), quote=True)


def json_data(value: Any) -> str:
    """JSON for a `<script type="application/json">` block: `<` escaped, so no text can end the block early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def page_csp(web: bool) -> str:
    """The share page's policy (its frames inherit it): nothing from the network; with `web`, libraries from https."""
    https = " https:" if web else ""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'unsafe-inline' 'unsafe-eval' data: blob:{https}",
            f"style-src 'unsafe-inline' data: blob:{https}",
            f"img-src data: blob: 'self' file:{https}",
            f"font-src data:{https}",
            "media-src data: blob:",
            "worker-src blob: data:",
            # fetch, XHR, WebSockets and beacons: nowhere, from this page or any frame in it.
            "connect-src data: blob:",
            "frame-src 'none'",
            "form-action 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


# The share pages' style, kept as a file so it reads as CSS.
STYLE = (DATA_DIR / "share.css").read_text(encoding="utf-8")

# Builds each preview from its data block and the libraries; reads nothing else and evaluates nothing.
SCRIPT = """<script>(function () {
  var data = document.getElementById("cb-libraries");
  var libs = data ? JSON.parse(data.textContent) : {pattern: "(?!)", urls: []};
  var pattern = new RegExp(libs.pattern, "g");
  var frames = document.querySelectorAll("iframe[data-doc]");
  for (var i = 0; i < frames.length; i++) {
    var block = document.getElementById(frames[i].getAttribute("data-doc"));
    if (!block) continue;
    var doc = JSON.parse(block.textContent);
    frames[i].srcdoc = doc.replace(pattern, function (m, n) { return libs.urls[+n] || m; });
  }
})();</script>"""

NOSCRIPT = "<noscript><p class='note'>The previews and the code viewer need JavaScript.</p></noscript>"
# Where the race replay (issue 23, point 1) goes: `replay_section` in share.py returns its markup.
REPLAY_SLOT = "<!-- canvasbench:replay -->"


def document(title: str, body: str, *, web: bool, script: bool = True) -> str:
    """A whole page: policy, style, body and (when it has previews) the one script."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{esc(page_csp(web))}">'
        '<meta name="referrer" content="no-referrer">'
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>{NOSCRIPT if script else ''}{body}"
        f"{SCRIPT if script else ''}</body></html>"
    )


def preview_frame(doc_id: str, title: str, viewport: tuple[int, int]) -> str:
    """A preview's frame, shaped like the viewport the artifact is laid out in; the script fills its `srcdoc`
    from the data block `doc_id`."""
    return (
        f'<iframe class="preview" sandbox="{SANDBOX}" allow="fullscreen" referrerpolicy="no-referrer" '
        f'style="aspect-ratio:{viewport[0]}/{viewport[1]}" title="{esc(title)}" data-doc="{esc(doc_id)}"></iframe>'
    )


def data_block(block_id: str, value: Any) -> str:
    """Inert JSON data the script reads."""
    return f'<script type="application/json" id="{esc(block_id)}">{json_data(value)}</script>'


def code_frame(page: str, title: str) -> str:
    """The code viewer (highlighting, line numbers, search) in its own sandboxed frame."""
    return (
        f'<iframe class="code" sandbox="allow-scripts" referrerpolicy="no-referrer" title="{esc(title)}" '
        f'srcdoc="{esc(page)}"></iframe>'
    )


def stats(cells: list[tuple[str, str]]) -> str:
    """A metrics card: name over value, reflowing."""
    inner = "".join(f'<span class="stat">{esc(name)}<b>{esc(value)}</b></span>' for name, value in cells)
    return f'<div class="stats">{inner}</div>'


def badge(text: str, tone: str = "") -> str:
    """A small coloured label."""
    return f'<span class="badge {esc(tone)}">{esc(text)}</span>'


def table(head: list[str], rows: list[list[str]]) -> str:
    """A plain table of text."""
    top = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"
