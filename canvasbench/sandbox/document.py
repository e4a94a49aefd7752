"""The locked-down document that shows generated code: an outer page holding only a sandboxed inner iframe.

Every built-in Streamlit embed gives its content the app's origin, so generated code never goes into one
directly. The outer document (what Streamlit embeds) holds one `<iframe sandbox="allow-scripts" srcdoc=...>`
and a small script of ours: without `allow-same-origin` the artifact runs with an opaque origin (no access
to the app's DOM, cookies, storage or server), without `allow-top-navigation` it cannot move the app
away, without `allow-popups` it cannot open windows, without `allow-forms` it cannot submit forms.

Three more walls, each checked in real Chromium by the browser tests:
- The outer page's CSP has `frame-src 'none'`. Chromium checks a frame's navigations against its
  embedder's `frame-src` (the srcdoc itself is exempt), so a page that sets `location`, follows a
  `<meta http-equiv=refresh>` or clicks a link is stopped before its request is sent; the outer script
  sees the violation and puts a notice where the frame was. (Chromium may still preconnect to the
  destination's host first, so links and markup refreshes are stopped inside the page already.)
- The inner page's CSP allows no network but the local library mirror (`preview_server`): CDN URLs in
  the artifact are rewritten to it, so previews work offline and an `<img>` cannot be a beacon.
- A first script in the inner page removes WebRTC (no CSP directive covers it in Chromium) and removes
  nested frames as they appear (a nested srcdoc frame would bring a fresh `RTCPeerConnection`).
The same script gives the page in-memory localStorage, sessionStorage and cookies: the opaque origin has
none, and a page that reads a saved high score would otherwise die where a saved copy of it works.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from canvasbench.redact import redact

SANDBOX = "allow-scripts"
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
_CDN_URL = re.compile(
    r"(?:https?:)?//(" + "|".join(re.escape(h) for h in CDN_HOSTS) + r")(?=[/?#\"'`\s\\)]|$)", re.IGNORECASE
)
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

# Runs before any of the artifact's scripts. Removing the constructors stops WebRTC in this realm; nested
# frames would give a fresh realm, so they are removed as soon as they are attached (before they load),
# in the document and in every shadow root. A form submission is blocked by the sandbox; it is reported
# so the viewer sees the attempt.
_GUARD = r"""<script data-canvasbench-guard>(function () {
  var w = window, VIEW = [VIEW_W, VIEW_H];
  // A sandboxed frame runs in its own process and its first scripts can run before it learns its size:
  // innerWidth/innerHeight read 0 then, and a page that sizes its canvas once would stay 0×0.
  ["innerWidth", "innerHeight"].forEach(function (k, i) {
    var d = Object.getOwnPropertyDescriptor(w, k);
    if (!VIEW[i] || !d || !d.get) return;
    Object.defineProperty(w, k, {
      configurable: true, enumerable: true, set: d.set,
      get: function () { return d.get.call(w) || VIEW[i]; }
    });
  });
  // The opaque origin has no storage: reading localStorage, sessionStorage or document.cookie throws a
  // SecurityError, so a game that keeps its high score there dies on its first line here and works when
  // saved and opened. The page gets stand-ins in memory, for its own life only and shared with nothing.
  function memoryStorage() {
    var data = Object.create(null), api = {
      getItem: function (k) { k = String(k); return k in data ? data[k] : null; },
      setItem: function (k, v) { data[String(k)] = String(v); },
      removeItem: function (k) { delete data[String(k)]; },
      clear: function () { Object.keys(data).forEach(function (k) { delete data[k]; }); },
      key: function (i) { var keys = Object.keys(data); return i >= 0 && i < keys.length ? keys[i] : null; }
    };
    return new Proxy(data, {
      get: function (t, k) {
        if (k === "length") return Object.keys(data).length;
        if (k === Symbol.toStringTag) return "Storage";
        if (typeof k === "string" && Object.prototype.hasOwnProperty.call(api, k)) return api[k];
        if (k in Object.prototype) return Object.prototype[k];  // toString, hasOwnProperty, ... as on a Storage
        return typeof k === "string" && k in data ? data[k] : undefined;
      },
      set: function (t, k, v) { data[String(k)] = String(v); return true; },
      defineProperty: function (t, k, d) { data[String(k)] = String(d.value); return true; }
    });
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { w[name]; return; } catch (e) {}
    var stand_in = memoryStorage();
    try {
      Object.defineProperty(w, name, {configurable: true, enumerable: true, get: function () { return stand_in; }});
    } catch (e) {}
  });
  try { document.cookie; } catch (e) {
    var jar = Object.create(null);
    Object.defineProperty(document, "cookie", {
      configurable: true, enumerable: true,
      get: function () { return Object.keys(jar).map(function (k) { return k + "=" + jar[k]; }).join("; "); },
      set: function (v) {
        var m = /^\s*([^=;]+?)\s*=\s*([^;]*)/.exec(String(v));
        if (!m) return;
        var age = /;\s*max-age\s*=\s*(-?\d+)/i.exec(String(v)), until = /;\s*expires\s*=([^;]*)/i.exec(String(v));
        if ((age && +age[1] <= 0) || (until && Date.parse(until[1]) <= Date.now())) delete jar[m[1]];
        else jar[m[1]] = m[2];
      }
    });
  }
  Object.getOwnPropertyNames(w).forEach(function (k) {
    if (/RTC/.test(k)) { try { delete w[k]; } catch (e) {} try { w[k] = undefined; } catch (e) {} }
  });
  var FRAMES = "iframe,frame,object,embed,portal,fencedframe";
  function sweep(node) {
    if (!node || node.nodeType !== 1) return;
    if (node.matches(FRAMES)) { node.remove(); return; }
    node.querySelectorAll(FRAMES).forEach(function (f) { f.remove(); });
  }
  function watch(root) {
    new MutationObserver(function (list) {
      list.forEach(function (m) { m.addedNodes.forEach(sweep); });
    }).observe(root, {childList: true, subtree: true});
  }
  watch(document);
  var attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function () { var r = attach.apply(this, arguments); watch(r); return r; };
  ["setHTMLUnsafe"].forEach(function (name) {
    [Element.prototype, ShadowRoot.prototype].forEach(function (p) { try { delete p[name]; } catch (e) {} });
  });
  try { delete Document.parseHTMLUnsafe; } catch (e) {}
  var tell = function (url) {
    try { parent.postMessage({canvasbenchBlocked: String(url).slice(0, 300)}, "*"); } catch (e) {}
  };
  var submit = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function () { tell(this.action); return submit.apply(this, arguments); };
  document.addEventListener("submit", function (e) { tell(e.target && e.target.action); }, true);
  // A followed link would be stopped by the wrapper's frame-src, but only after the browser preconnected
  // to its host; a click the page itself did not handle is stopped here instead, before any connection.
  w.addEventListener("click", function (e) {
    var a = e.target && e.target.closest ? e.target.closest("a[href], area[href]") : null;
    if (!a || e.defaultPrevented) return;
    var href = a.getAttribute("href") || "", target = (a.getAttribute("target") || "_self").toLowerCase();
    if (/^\s*(#|javascript:)/i.test(href) || (target !== "_self" && target !== "")) return;
    e.preventDefault();
    tell(typeof a.href === "string" ? a.href : href);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var meta = document.querySelector('meta[http-equiv="x-blocked-refresh"]');
    if (meta) tell((/url\s*=\s*['"]?([^'"]*)/i.exec(meta.content || "") || [])[1] || "this page again (refresh)");
  });
  ["write", "writeln"].forEach(function (name) {
    var f = document[name];
    document[name] = function () {
      var args = Array.prototype.map.call(arguments, function (a) {
        return String(a).replace(/shadowrootmode/gi, "data-x");
      });
      return f.apply(document, args);
    };
  });
})();</script>"""

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
    ".fs{position:absolute;right:6px;bottom:6px;z-index:2;border:1px solid #0003;border-radius:6px;"
    "background:#fffd;color:#222;font:12px/1 system-ui,sans-serif;padding:5px 8px;cursor:pointer;opacity:.55}"
    ".fs:hover,.fs:focus{opacity:1}.box:fullscreen>.fs{display:none}"
    ".notice{position:absolute;inset:0;display:flex;flex-direction:column;justify-content:center;gap:8px;"
    "padding:16px 20px;background:#fff4e5;color:#5f3b00;font:14px/1.45 system-ui,sans-serif;"
    "overflow:hidden}"
    ".notice b{font-size:15px}"
    ".notice code{background:#0000000d;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}"
)

# Scales the inner frame from its desktop viewport to the box; puts a notice in place of the frame
# when the artifact tries to navigate (a frame-src violation here, or a blocked form it reports).
_OUTER_SCRIPT = """<script>(function () {
  var box = document.getElementById("box"), frame = box.querySelector("iframe");
  var W = +box.dataset.w, H = +box.dataset.h, fit = box.dataset.fit === "1";
  function scale() {
    if (!frame || !fit || document.fullscreenElement) { if (frame) frame.style.transform = ""; return; }
    frame.style.transform = "scale(" + (box.clientWidth / W) + ")";
  }
  if (fit) { new ResizeObserver(scale).observe(box); scale(); }
  var button = box.querySelector(".fs");
  if (button) button.addEventListener("click", function () {
    box.requestFullscreen().catch(function (e) { button.title = "Full screen is not allowed here: " + e.message; });
  });
  document.addEventListener("fullscreenchange", scale);
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
    if (button) button.remove();
    if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
    var note = document.createElement("div"); note.className = "notice"; note.setAttribute("role", "alert");
    var head = document.createElement("b"); head.textContent = "Navigation blocked";
    var text = document.createElement("div");
    text.append("This page tried to navigate to ");
    var dest = document.createElement("code"); dest.textContent = where || "another page"; text.append(dest);
    text.append("; blocked. The preview stays offline and in its own document; reload it to run it again.");
    note.append(head, text); box.append(note);
  }
  document.addEventListener("securitypolicyviolation", function (e) {
    if (/^(frame|child)-src/.test(e.effectiveDirective || e.violatedDirective || "")) {
      blocked(e.blockedURI || "");
    }
  });
  window.addEventListener("message", function (e) {
    if (frame && e.source === frame.contentWindow && e.data && typeof e.data.canvasbenchBlocked === "string") {
      blocked(e.data.canvasbenchBlocked);
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
_FULLSCREEN_BUTTON = (
    '<button class="fs" type="button" title="Show this artifact alone on the whole screen (Esc to return)">'
    '<svg width="12" height="12" viewBox="0 0 12 12" fill="none" stroke="currentColor" stroke-width="1.6" '
    'aria-hidden="true"><path d="M1 4V1h3M8 1h3v3M11 8v3H8M4 11H1V8"/></svg> Full screen</button>'
)


def rewrite_cdn_urls(text: str, mirror_origin: str) -> str:
    """Point library URLs (unpkg, jsdelivr, cdnjs, esm.sh, skypack, ...) at the local mirror server."""
    base = mirror_origin.rstrip("/") + MIRROR_PREFIX
    return _CDN_URL.sub(lambda m: base + m.group(1).lower(), text)


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


def inner_page(
    code: str, kind: str, network: PreviewNetwork = ROUTED_BY_CALLER, *, viewport: tuple[int, int] | None = None
) -> str:
    """The document the artifact runs as: CSP and guard first in <head>, then HTML; SVG in a page; else text.

    `network` defaults to a caller that routes requests itself (the render check); the dashboard passes
    its own through `sandbox_document`, offline by default. `viewport` is the size the frame is given,
    reported to scripts that run before the frame knows it.
    """
    head = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(inner_csp(network), quote=True)}">'
    view_w, view_h = viewport or (0, 0)
    head += _GUARD.replace("VIEW_W", str(int(view_w))).replace("VIEW_H", str(int(view_h)))
    if kind in ("html", "svg"):
        if network.mirror_origin and not network.live:
            code = rewrite_cdn_urls(code, network.mirror_origin)
        code = _DECLARATIVE_SHADOW.sub("data-x", code)
        code = _META_REFRESH.sub(r"\1x-blocked-refresh", code)
    if kind == "html":
        match = _LEADING_DOCTYPE.match(code)
        if match:
            return match.group(1) + head + code[match.end() :]
        return head + code
    if kind == "svg":
        return _SVG_PAGE.format(head=head, svg=_fitted_svg(code))
    return _TEXT_PAGE.format(head=head, text=html.escape(code))


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
    if height is None:
        width, tall = requested_viewport(code, kind)
        box_style = f"aspect-ratio:{width}/{tall}"
        frame_style = f"width:{width}px;height:{tall}px"
        button = _FULLSCREEN_BUTTON
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
        srcdoc=html.escape(inner_page(code, kind, network, viewport=viewport), quote=True),
        button=button,
        script=_OUTER_SCRIPT,
    )
