"""The locked-down document that shows generated code: an outer page holding only a sandboxed inner iframe.

Every built-in Streamlit embed gives its content the app's origin, so generated code never goes into one
directly. The outer document (what Streamlit embeds) holds one `<iframe sandbox="allow-scripts
allow-pointer-lock" srcdoc=...>` and a small script of ours: without `allow-same-origin` the artifact runs
with an opaque origin (no access to the app's DOM, cookies, storage or server), without
`allow-top-navigation` it cannot move the app away, without `allow-popups` it cannot open windows, without
`allow-forms` it cannot submit forms.

Three more walls, each checked in real Chromium by the browser tests:
- The outer page's CSP has `frame-src 'none'`. Chromium checks a frame's navigations against its
  embedder's `frame-src` (the srcdoc itself is exempt), so a page that sets `location`, follows a
  `<meta http-equiv=refresh>` or clicks a link is stopped before its request is sent; the outer script
  sees the violation and puts a notice where the frame was. (Chromium may still preconnect to the
  destination's host first, so links and markup refreshes are stopped inside the page already.)
- The inner page's CSP allows no network but the local library mirror (`preview_server`): CDN URLs in
  the artifact are rewritten to it, so previews work offline and an `<img>` cannot be a beacon.
- A first script in the inner page (`canvasbench.sandbox.guard`) refuses WebRTC (no CSP directive covers
  it in Chromium) and never lets a nested frame connect (its window would bring a fresh
  `RTCPeerConnection`), drops messages from other pages, and gives the page in-memory storage.
It reports to the outer script only with a key the two share (`guard_key`), so a page cannot put its own
text into our notice.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import secrets
from dataclasses import dataclass

from canvasbench.redact import redact
from canvasbench.sandbox.guard import guard_script

# Pointer lock is harmless inside the frame (Esc always releases it) and every first-person demo needs it.
SANDBOX = "allow-scripts allow-pointer-lock"
# The desktop viewport an artifact is laid out in before it is scaled to the column width.
VIEWPORT = (1280, 800)
# Path prefix under which the preview server answers `https://HOST/PATH` as `/cdn/HOST/PATH`.
MIRROR_PREFIX = "/cdn/"
# Hosts whose URLs are library requests the mirror may answer (canvasbench.sandbox.cdn_url.parse_cdn_url).
CDN_HOSTS = (
    "unpkg.com",
    "cdn.jsdelivr.net",
    "fastly.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "esm.sh",
    "esm.run",
    "cdn.skypack.dev",
    "cdn.tailwindcss.com",
    "d3js.org",
    "ga.jspm.io",
)
# A library URL is found by its `//HOST` (a literal start lets `re` skip ahead fast: a pattern that began with the
# optional scheme was tried at every character, ~5 ms per 100 kB page on every view); its scheme is looked for
# just before it.
_CDN_URL = re.compile(r"//(" + "|".join(re.escape(h) for h in CDN_HOSTS) + r")(?=[/?#\"'`\s\\)]|$)", re.IGNORECASE)
_SCHEME_BEFORE = re.compile(r"https?:\Z", re.IGNORECASE)
# Anchored at the very start so markup inside comments or scripts can never move the CSP out of <head>.
_LEADING_DOCTYPE = re.compile(r"\A(\ufeff?\s*<!doctype[^>]*>)", re.IGNORECASE)
_VIEWPORT_META = re.compile(r"<meta\b[^>]*\bname\s*=\s*[\"']?viewport\b[^>]*>", re.IGNORECASE)
_VIEWPORT_SIZE = re.compile(r"\b(width|height)\s*=\s*(\d{3,4})\b", re.IGNORECASE)
# A refresh in the markup is renamed before the browser sees it (the guard reports it), so its host gets no
# preconnect either.
_META_REFRESH = re.compile(r"(<meta\b[^>]*\bhttp-equiv\s*=\s*[\"']?)refresh\b", re.IGNORECASE)
_SVG_ROOT = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)
_SVG_VIEWBOX = re.compile(r"\bviewBox\s*=\s*[\"']\s*[-\d.eE]+[\s,]+[-\d.eE]+[\s,]+([\d.eE]+)[\s,]+([\d.eE]+)")
_SVG_LENGTH = re.compile(r"\b(width|height)\s*=\s*[\"']?\s*([\d.]+)\s*(?:px)?\s*[\"'\s>/]", re.IGNORECASE)
# Declarative shadow roots are made by the parser without attachShadow, where the guard watches.
_DECLARATIVE_SHADOW = re.compile(r"shadowrootmode", re.IGNORECASE)
# Whatever that pattern matches casefolds to this (its only letter `re` folds beyond ASCII is s, as long s, which
# casefolds to s): a test for it in the casefolded text is ~30 times faster than the case-blind search.
_SHADOW_FOLDED = "shadowrootmode"
# Frame tags in the markup are renamed (inert custom elements) before the browser sees them: the guard
# would take the frames out, but the preload scanner may preconnect to a markup frame's host first.
_FRAME_TAG = re.compile(r"<(/?)(iframe|frame|object|embed|portal|fencedframe)(?=[\s/>]|$)", re.IGNORECASE)
# Keys the wrapper and its guard share: unguessable by the page, the same for the same document (so a
# Streamlit rerun does not reload a preview).
_PROCESS_SECRET = secrets.token_bytes(32)


@dataclass(frozen=True)
class PreviewNetwork:
    """What a preview may reach: the local library mirror (its origin, when it runs) and, if asked, the web."""

    mirror_origin: str | None = None
    live: bool = False


OFFLINE = PreviewNetwork()
# For a caller that answers the page's requests itself (the render check routes CDN URLs to the mirror
# and blocks the rest in the browser): subresources may be requested, fetch and WebSockets still may not.
ROUTED_BY_CALLER = PreviewNetwork(live=True)


def inner_csp(network: PreviewNetwork = OFFLINE) -> str:
    """The artifact's CSP: inline code runs; only the mirror (and the web when `live`) may be loaded."""
    mirror = f" {network.mirror_origin}" if network.mirror_origin else ""
    web = " https:" if network.live else ""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'unsafe-inline' 'unsafe-eval' blob: data:{mirror}{web}",
            f"style-src 'unsafe-inline' data: blob:{mirror}{web}",
            f"img-src data: blob:{mirror}{web}",
            f"font-src data:{mirror}{web}",
            f"media-src data: blob:{mirror}{web}",
            f"worker-src blob: data:{mirror}",
            # fetch, XHR, WebSocket and beacons: never to the web, even with live network on.
            f"connect-src data: blob:{mirror}",
            "frame-src 'none'",
            "form-action 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


# Fully offline: what a preview gets when the mirror server is not running.
INNER_CSP = inner_csp()
# The outer page's own policy; the srcdoc inherits it too. `frame-src 'none'` is what stops the inner
# frame's navigations (Chromium checks them against the embedder's frame-src).
OUTER_CSP = "frame-src 'none'; child-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
# A caller that routes every request itself (the render check) refuses navigations in its router, which
# leaves the artifact's document in place, so what the page drew can still be judged; the attempt is noted.
ROUTED_OUTER_CSP = "object-src 'none'; base-uri 'none'; form-action 'none'"

_SVG_PAGE = (
    "<!doctype html><html><head>{head}<meta charset='utf-8'><style>"
    "html,body{{margin:0;height:100%;background:#fff}}"
    "body{{display:flex;align-items:center;justify-content:center;overflow:hidden}}"
    "body>svg{{display:block;width:100%;height:100%}}"
    "</style></head><body>{svg}</body></html>"
)
_TEXT_PAGE = (
    "<!doctype html><html><head>{head}<meta charset='utf-8'><style>"
    "body{{margin:0;padding:12px;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;color:#555;"
    "background:#fafafa;white-space:pre-wrap;word-break:break-word}}"
    "</style></head><body>{text}</body></html>"
)

_OUTER_STYLE = (
    "html,body{margin:0;padding:0;background:transparent;overflow:hidden}"
    ".box{position:relative;width:100%;overflow:hidden;background:#fff}"
    ".box>iframe{display:block;position:absolute;left:0;top:0;border:0;background:#fff;transform-origin:0 0}"
    ".box:fullscreen>iframe{width:100%!important;height:100%!important;transform:none!important}"
    ".tools{position:absolute;right:6px;bottom:6px;z-index:2;display:flex;gap:4px}"
    ".tools>button{border:1px solid #0003;border-radius:6px;background:#fffd;color:#222;"
    "font:12px/1 system-ui,sans-serif;padding:5px 8px;cursor:pointer;opacity:.55}"
    ".tools>button:hover,.tools>button:focus{opacity:1}.box:fullscreen>.tools{display:none}"
    ".notice{position:absolute;inset:0;display:flex;flex-direction:column;justify-content:center;gap:8px;"
    "padding:16px 20px;background:#fff4e5;color:#5f3b00;font:14px/1.45 system-ui,sans-serif;"
    "overflow:hidden}"
    ".notice b{font-size:15px}"
    ".notice code{background:#0000000d;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}"
)

# Scales the inner frame from its desktop viewport to the box; puts a notice in place of the frame
# when the artifact tries to navigate (a frame-src violation here, or a blocked form it reports).
_OUTER_SCRIPT = """<script>(function () {
  var KEY = GUARD_KEY, box = document.getElementById("box"), frame = box.querySelector("iframe");
  var W = +box.dataset.w, H = +box.dataset.h, fit = box.dataset.fit === "1";
  function scale() {  // in full screen the stylesheet sets no transform: nothing here changes meanwhile
    if (frame && fit && !document.fullscreenElement) frame.style.transform = "scale(" + (box.clientWidth / W) + ")";
  }
  // Streamlit sizes a content-high frame (st.iframe height="content") with a script it appends to this
  // document, which measures the document: never shorter than the frame itself, so after full screen (or in
  // a narrower column) the frame would keep its larger height. So the box reports its own height, in the
  // message that script sends, whenever the box or the frame changes; full screen's size never reaches it.
  function report() {
    if (!fit || document.fullscreenElement || window.parent === window) return;
    var tall = Math.ceil(box.getBoundingClientRect().height);
    var wide = Math.ceil(document.body.getBoundingClientRect().width);
    if (tall > 0) window.parent.postMessage({type: "streamlit:iframe:setSize", width: wide, height: tall}, "*");
  }
  window.addEventListener("resize", function (e) {  // capturing: runs before Streamlit's own measure
    if (document.fullscreenElement) e.stopImmediatePropagation();
    else if (innerHeight !== Math.ceil(box.getBoundingClientRect().height)) report();
  }, true);
  if (fit) { new ResizeObserver(function () { scale(); report(); }).observe(box); scale(); }
  var button = box.querySelector(".fs"), again = box.querySelector(".again");
  var pristine = frame && frame.cloneNode(false);  // the frame as written: its srcdoc runs the artifact anew
  if (button) button.addEventListener("click", function () {
    box.requestFullscreen().catch(function (e) { button.title = "Full screen is not allowed here: " + e.message; });
  });
  if (again) again.addEventListener("click", function () {  // a new frame, not a reload: a blocked one was removed
    var fresh = pristine.cloneNode(false), note = box.querySelector(".notice");
    if (note) note.remove();
    if (frame) frame.replaceWith(fresh); else box.prepend(fresh);
    frame = fresh; button.hidden = false; scale();
  });
  document.addEventListener("fullscreenchange", function () { scale(); report(); });
  // The browser leaves full screen on Esc itself; this covers browsers (headless ones) that leave it to the page.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.fullscreenElement) document.exitFullscreen().catch(function () {});
  });
  function blocked(where) {
    if (!frame) return;
    if (box.dataset.onblock === "record") {  // the render check: keep the page, note the attempt
      box.dataset.blocked = (box.dataset.blocked ? box.dataset.blocked + " " : "") + (where || "another page");
      return;
    }
    frame.remove(); frame = null;
    if (button) button.hidden = true;  // nothing to show full screen until it is reloaded
    if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
    var note = document.createElement("div"); note.className = "notice"; note.setAttribute("role", "alert");
    var head = document.createElement("b"); head.textContent = "Navigation blocked";
    var text = document.createElement("div");
    text.append("This page tried to navigate to ");
    var dest = document.createElement("code"); dest.textContent = where || "another page"; text.append(dest);
    text.append("; blocked. The preview stays offline and in its own document; Reload runs it again.");
    note.append(head, text); box.append(note);
  }
  document.addEventListener("securitypolicyviolation", function (e) {
    if (/^(frame|child)-src/.test(e.effectiveDirective || e.violatedDirective || "")) {
      blocked(e.blockedURI || "");
    }
  });
  // Only the artifact's guard knows the key; what it reports is a URL it saw (shown as one) or a count.
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (!frame || e.source !== frame.contentWindow || !d || typeof d !== "object" || d.canvasbench !== KEY) return;
    if (d.kind === "webrtc") {
      if (box.dataset.onblock === "record") box.dataset.webrtc = String((+box.dataset.webrtc || 0) + 1);
    } else if (d.kind === "navigation") {
      var where = "";
      try { where = new URL(String(d.value)).href.slice(0, 300); } catch (err) {}
      blocked(where);
    }
  });
})();</script>"""

_OUTER_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'>"
    '<meta http-equiv="Content-Security-Policy" content="{csp}">'
    "<style>{style}</style></head><body><!-- revision {revision} -->"
    '<div class="box" id="box" data-w="{width}" data-h="{height}" data-fit="{fit}" data-onblock="{onblock}" '
    'style="{box_style}">'
    '<iframe sandbox="{sandbox}" allow="fullscreen" allowfullscreen referrerpolicy="no-referrer" '
    'title="{title}" style="{frame_style}" srcdoc="{srcdoc}"></iframe>{button}</div>{script}'
    "</body></html>"
)
# A preview's own buttons, in its corner: run the artifact again from its start (in the page: no server round
# trip, nothing else on the page redrawn), and show it alone full screen.
_PREVIEW_BUTTONS = (
    '<div class="tools"><button class="again" type="button" title="Run this artifact again from the start">'
    '<svg width="12" height="12" viewBox="0 0 12 12" fill="none" stroke="currentColor" stroke-width="1.6" '
    'aria-hidden="true"><path d="M10.5 6A4.5 4.5 0 1 1 9.2 2.8M10.5 1v2.5H8"/></svg> Reload</button>'
    '<button class="fs" type="button" title="Show this artifact alone on the whole screen (Esc to return)">'
    '<svg width="12" height="12" viewBox="0 0 12 12" fill="none" stroke="currentColor" stroke-width="1.6" '
    'aria-hidden="true"><path d="M1 4V1h3M8 1h3v3M11 8v3H8M4 11H1V8"/></svg> Full screen</button></div>'
)


def rewrite_cdn_urls(text: str, mirror_origin: str) -> str:
    """Point library URLs (unpkg, jsdelivr, cdnjs, esm.sh, skypack, ...) at the local mirror server."""
    base = mirror_origin.rstrip("/") + MIRROR_PREFIX
    parts: list[str] = []
    done = 0  # where the text not yet copied starts
    for match in _CDN_URL.finditer(text):
        scheme = _SCHEME_BEFORE.search(text, max(done, match.start() - len("https:")), match.start())
        parts += [text[done : scheme.start() if scheme else match.start()], base, match.group(1).lower()]
        done = match.end()
    return "".join(parts) + text[done:] if parts else text


def svg_size(code: str) -> tuple[float, float] | None:
    """The drawing size of an SVG's root element: its viewBox, else numeric width and height."""
    root = _SVG_ROOT.search(code)
    if not root:
        return None
    box = _SVG_VIEWBOX.search(root.group(0))
    if box:
        width, height = float(box.group(1)), float(box.group(2))
    else:
        attrs = {k.lower(): float(v) for k, v in _SVG_LENGTH.findall(root.group(0))}
        width, height = attrs.get("width", 0.0), attrs.get("height", 0.0)
    return (width, height) if width > 0 and height > 0 else None


def _fitted_svg(code: str) -> str:
    """The SVG with a viewBox when it has only a pixel size, so it scales to fill its page."""
    size = svg_size(code)
    root = _SVG_ROOT.search(code)
    if size is None or root is None or _SVG_VIEWBOX.search(root.group(0)):
        return code
    tag = root.group(0)
    fitted = tag[:4] + f' viewBox="0 0 {size[0]:g} {size[1]:g}"' + tag[4:]
    return code[: root.start()] + fitted + code[root.end() :]


def requested_viewport(code: str, kind: str = "html") -> tuple[int, int]:
    """The viewport an artifact asks for (an SVG its proportions, a page a numeric meta viewport), else 1280×800."""
    width, height = VIEWPORT
    if kind == "svg":
        size = svg_size(code)
        if size is None:
            return VIEWPORT
        # Very tall or very wide drawings keep a card a sensible shape; the drawing is letterboxed inside.
        ratio = min(max(size[1] / size[0], 0.4), 1.25)
        return width, round(width * ratio)
    meta = _VIEWPORT_META.search(code)
    if meta:
        sizes = {k.lower(): int(v) for k, v in _VIEWPORT_SIZE.findall(meta.group(0))}
        if 320 <= sizes.get("width", 0) <= 3840:
            width = sizes["width"]
            height = round(width * VIEWPORT[1] / VIEWPORT[0])
        if 240 <= sizes.get("height", 0) <= 2160:
            height = sizes["height"]
    return width, height


def guard_key(*parts: object) -> str:
    """The key a document's guard signs its reports to the wrapper with (HMAC of the document's inputs)."""
    text = json.dumps([str(part) for part in parts])
    return hmac.new(_PROCESS_SECRET, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def inner_page(
    code: str,
    kind: str,
    network: PreviewNetwork = ROUTED_BY_CALLER,
    *,
    viewport: tuple[int, int] | None = None,
    key: str = "",
) -> str:
    """The document the artifact runs as: CSP and guard first in <head>, then HTML; SVG in a page; else text.

    `network` defaults to a caller that routes requests itself (the render check); the dashboard passes
    its own through `sandbox_document`, offline by default. `viewport` is the size the frame is given,
    reported to scripts that run before the frame knows it. `key` signs the guard's reports to the wrapper.
    """
    head = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(inner_csp(network), quote=True)}">'
    head += guard_script(key, viewport)
    if kind in ("html", "svg"):
        if network.mirror_origin and not network.live:
            code = rewrite_cdn_urls(code, network.mirror_origin)
        if _SHADOW_FOLDED in code.casefold():
            code = _DECLARATIVE_SHADOW.sub("data-x", code)
        code = _META_REFRESH.sub(r"\1x-blocked-refresh", code)
        code = _FRAME_TAG.sub(r"<\1x-\2", code)
    if kind == "html":
        match = _LEADING_DOCTYPE.match(code)
        if match:
            return match.group(1) + head + code[match.end() :]
        return head + code
    if kind == "svg":
        return _SVG_PAGE.format(head=head, svg=_fitted_svg(code))
    return _TEXT_PAGE.format(head=head, text=html.escape(code))


def lines_before_artifact(kind: str, network: PreviewNetwork = ROUTED_BY_CALLER) -> int:
    """How many lines `inner_page` puts before an HTML artifact's own: its line L is the document's L + this."""
    # The head goes in before the artifact's first line (after a leading doctype, on the same line), and
    # nothing else the page is given adds or removes a line.
    return inner_page("", kind, network).count("\n") if kind == "html" else 0


def sandbox_document(
    code: str,
    kind: str,
    *,
    height: int | None = None,
    revision: int = 0,
    title: str = "artifact",
    network: PreviewNetwork = OFFLINE,
) -> str:
    """The outer page: our script plus `<iframe sandbox="allow-scripts" srcdoc=...>` holding the artifact.

    With `height`, the frame fills the width at that height (code views). Without it, the artifact is laid
    out at a desktop viewport (1280×800 unless it asks otherwise) and scaled to the width, so it is shown
    whole at any width; a button shows it alone full screen. `revision` changes the document without
    changing what runs, so embedding it again reloads the artifact.
    """
    code = redact(code)  # runs stored before keys were masked in every spelling are masked when shown
    key = guard_key(code, kind, height, title, network)  # not the revision: a reload runs the same
    if height is None:
        width, tall = requested_viewport(code, kind)
        box_style = f"aspect-ratio:{width}/{tall}"
        frame_style = f"width:{width}px;height:{tall}px"
        button = _PREVIEW_BUTTONS
        viewport: tuple[int, int] | None = (width, tall)
    else:
        width, tall = 0, max(int(height), 50)
        box_style = f"height:{tall}px"
        frame_style = "width:100%;height:100%"
        button = ""
        viewport = None
    return _OUTER_PAGE.format(
        csp=html.escape(ROUTED_OUTER_CSP if network is ROUTED_BY_CALLER else OUTER_CSP, quote=True),
        onblock="record" if network is ROUTED_BY_CALLER else "notice",
        style=_OUTER_STYLE,
        revision=int(revision),
        width=width,
        height=tall,
        fit="1" if height is None else "0",
        box_style=box_style,
        sandbox=SANDBOX,
        title=html.escape(title, quote=True),
        frame_style=frame_style,
        srcdoc=html.escape(inner_page(code, kind, network, viewport=viewport, key=key), quote=True),
        button=button,
        script=_OUTER_SCRIPT.replace("GUARD_KEY", json.dumps(key)),
    )
