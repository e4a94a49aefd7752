"""The first script in every artifact's document: no fresh realm, no WebRTC, no cross-talk, storage in memory.

The artifact's code runs after this script in the same realm and may replace any prototype method, so the
guard captures every native it uses while it runs (functions, getters, `Reflect.apply`) and never calls
anything through the page's objects afterwards. WebRTC cannot be turned off by CSP in Chromium, so the
constructors are replaced by ones that refuse; a fresh realm (a nested frame's window) would bring them
back, so no frame is ever connected: every API that inserts nodes or parses markup is wrapped so frames are
left out *before* they reach the document (a connected about:blank frame's window is reachable at once,
before any MutationObserver runs), markup strings have their frame tags renamed (`<x-iframe>`, inert), and
a MutationObserver stays as the back-stop. The same script runs in the dashboard and in the render check,
so a page sees the same world in both; what it reports goes to its wrapper only with the wrapper's key.
"""

from __future__ import annotations

import json

_GUARD = r"""<script data-canvasbench-guard>(function () {
  "use strict";
  var w = window, doc = document, VIEW = [VIEW_W, VIEW_H], KEY = GUARD_KEY;
  var O = Object, R = Reflect, apply = R.apply, construct = R.construct, create = O.create;
  var define = O.defineProperty, describe = O.getOwnPropertyDescriptor, names = O.getOwnPropertyNames;
  var charCodeAt = String.prototype.charCodeAt, sliceStr = String.prototype.slice, Str = String;
  var sliceArr = Array.prototype.slice, bind = Function.prototype.bind, URLc = w.URL;
  var WM = WeakMap, wmGet = WM.prototype.get, wmSet = WM.prototype.set, reExec = RegExp.prototype.exec;
  var DOMEx = DOMException, MO = MutationObserver;
  function getter(proto, name) { var d = proto && describe(proto, name); return d && d.get; }
  function arg(list) { return apply(sliceArr, list, []); }
  // Objects the guard hands to natives later have no prototype: a getter the page puts on Object.prototype
  // (`get`, `signal`, `subtree`, ...) cannot change what they say.
  function bare(pairs) { var o = create(null); for (var k in pairs) o[k] = pairs[k]; return o; }
  function put(list, item) {
    define(list, list.length, bare({value: item, writable: true, enumerable: true, configurable: true}));
  }
  function match(re, text) { return apply(reExec, re, [Str(text)]); }
  var ONCE = bare({once: true}), SUBTREE = bare({childList: true, subtree: true});
  var P = create(null);  // every native the guard calls later, captured before the page runs
  P.nodeType = getter(Node.prototype, "nodeType"); P.parent = getter(Node.prototype, "parentNode");
  P.localName = getter(Element.prototype, "localName"); P.removeChild = Node.prototype.removeChild;
  P.contains = Node.prototype.contains; P.getAttribute = Element.prototype.getAttribute;
  P.closest = Element.prototype.closest; P.qsaE = Element.prototype.querySelectorAll;
  P.qsaF = DocumentFragment.prototype.querySelectorAll; P.qsaD = Document.prototype.querySelectorAll;
  P.listLength = getter(NodeList.prototype, "length"); P.item = NodeList.prototype.item;
  P.listen = EventTarget.prototype.addEventListener; P.stop = Event.prototype.stopImmediatePropagation;
  P.prevent = Event.prototype.preventDefault; P.prevented = getter(Event.prototype, "defaultPrevented");
  P.bubbles = getter(Event.prototype, "bubbles"); P.path = Event.prototype.composedPath;
  P.source = getter(MessageEvent.prototype, "source"); P.href = getter(URLc.prototype, "href");
  P.anchorHref = getter(HTMLAnchorElement.prototype, "href"); P.areaHref = getter(HTMLAreaElement.prototype, "href");
  P.action = getter(HTMLFormElement.prototype, "action"); P.baseURI = getter(Node.prototype, "baseURI");
  P.observe = MutationObserver.prototype.observe; P.added = getter(MutationRecord.prototype, "addedNodes");
  P.readyState = getter(Document.prototype, "readyState"); P.content = getter(HTMLMetaElement.prototype, "content");
  var parentWindow = w.parent, post = parentWindow.postMessage;
  function tell(kind, value) {
    var note = create(null);
    note.canvasbench = KEY; note.kind = kind; note.value = value;
    try { apply(post, parentWindow, [note, "*"]); } catch (e) {}
  }
  function url(text) {
    try { return apply(P.href, construct(URLc, [Str(text), apply(P.baseURI, doc, [])]), []); } catch (e) { return ""; }
  }

  // A sandboxed frame runs in its own process and its first scripts can run before it learns its size:
  // innerWidth/innerHeight read 0 then, and a page that sizes its canvas once would stay 0x0.
  ["innerWidth", "innerHeight"].forEach(function (k, i) {
    var d = describe(w, k);
    if (!VIEW[i] || !d || !d.get) return;
    define(w, k, {configurable: true, enumerable: true, set: d.set,
                  get: function () { return apply(d.get, w, []) || VIEW[i]; }});
  });

  // The opaque origin has no storage: reading localStorage, sessionStorage or document.cookie throws a
  // SecurityError, so a game that keeps its high score there dies on its first line here and works when
  // saved and opened. The page gets stand-ins in memory, for its own life only and shared with nothing.
  function memoryStorage() {
    var data = create(null), api = {
      getItem: function (k) { k = Str(k); return k in data ? data[k] : null; },
      setItem: function (k, v) { data[Str(k)] = Str(v); },
      removeItem: function (k) { delete data[Str(k)]; },
      clear: function () { O.keys(data).forEach(function (k) { delete data[k]; }); },
      key: function (i) { var keys = O.keys(data); return i >= 0 && i < keys.length ? keys[i] : null; }
    };
    return new Proxy(data, {
      get: function (t, k) {
        if (k === "length") return O.keys(data).length;
        if (k === Symbol.toStringTag) return "Storage";
        if (typeof k === "string" && O.prototype.hasOwnProperty.call(api, k)) return api[k];
        if (k in O.prototype) return O.prototype[k];  // toString, hasOwnProperty, ... as on a Storage
        return typeof k === "string" && k in data ? data[k] : undefined;
      },
      set: function (t, k, v) { data[Str(k)] = Str(v); return true; },
      defineProperty: function (t, k, d) { data[Str(k)] = Str(d.value); return true; }
    });
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { w[name]; return; } catch (e) {}
    var stand_in = memoryStorage();
    try { define(w, name, {configurable: true, enumerable: true, get: function () { return stand_in; }}); } catch (e) {}
  });
  try { doc.cookie; } catch (e) {
    var jar = create(null);
    define(doc, "cookie", {
      configurable: true, enumerable: true,
      get: function () { return O.keys(jar).map(function (k) { return k + "=" + jar[k]; }).join("; "); },
      set: function (v) {
        var m = /^\s*([^=;]+?)\s*=\s*([^;]*)/.exec(Str(v));
        if (!m) return;
        var age = /;\s*max-age\s*=\s*(-?\d+)/i.exec(Str(v)), until = /;\s*expires\s*=([^;]*)/i.exec(Str(v));
        if ((age && +age[1] <= 0) || (until && Date.parse(until[1]) <= Date.now())) delete jar[m[1]];
        else jar[m[1]] = m[2];
      }
    });
  }

  // WebRTC: the constructors refuse (STUN and TURN go below every CSP), fixed in place. The wrapper hears of
  // each attempt (the render check counts them); the page sees only the refusal.
  var refuse = function RTCPeerConnection() {
    tell("webrtc", "");
    throw construct(DOMEx, ["Failed to construct 'RTCPeerConnection': WebRTC is not available.", "NotSupportedError"]);
  };
  var refuser = apply(bind, refuse, [null]);
  define(refuser, "name", {value: "RTCPeerConnection"});
  ["RTCPeerConnection", "webkitRTCPeerConnection"].forEach(function (k) {
    try { delete w[k]; } catch (e) {}
    try { define(w, k, {value: refuser, writable: false, enumerable: false, configurable: false}); } catch (e) {}
  });
  ["RTCIceTransport", "RTCQuicTransport"].forEach(function (k) { try { delete w[k]; } catch (e) {} });

  // Frames: none is ever connected. `FRAME` names the elements that hold a browsing context.
  var FRAME = create(null), SELECTOR = "iframe,frame,object,embed,portal,fencedframe";
  ["iframe", "frame", "object", "embed", "portal", "fencedframe"].forEach(function (k) { FRAME[k] = 1; });
  var hosts = create(null), roots = create(null), shadows = 0;  // every shadow root, closed ones too
  function drop(el) {
    var p = apply(P.parent, el, []);
    if (p) apply(P.removeChild, p, [el]);
  }
  function each(list, fn) {
    var n = apply(P.listLength, list, []);
    for (var i = n - 1; i >= 0; i--) fn(apply(P.item, list, [i]));
  }
  // Takes every frame out of `node`'s tree (shadow roots included); false when `node` itself is a frame.
  function disarm(node) {
    var type, list;
    try { type = apply(P.nodeType, node, []); } catch (e) { return true; }  // not a node: the native call decides
    if (type === 1) {
      if (FRAME[apply(P.localName, node, [])] === 1) { drop(node); return false; }
      list = apply(P.qsaE, node, [SELECTOR]);
    } else if (type === 11) list = apply(P.qsaF, node, [SELECTOR]);
    else if (type === 9) list = apply(P.qsaD, node, [SELECTOR]);
    else return true;
    each(list, drop);
    for (var i = 0; i < shadows; i++) {
      if (hosts[i] !== node && hosts[i] && apply(P.contains, node, [hosts[i]])) disarm(roots[i]);
      else if (hosts[i] === node) disarm(roots[i]);
    }
    return true;
  }
  // Markup: a frame tag (or a declarative shadow root) is renamed wherever it appears, so no parse of the
  // text can make one; `carry` is the text written just before (document.write may split a tag).
  var WORDS = ["iframe", "frame", "object", "embed", "portal", "fencedframe"], DSD = "shadowrootmode";
  function lower(s, i) { var c = apply(charCodeAt, s, [i]); return c >= 65 && c <= 90 ? c + 32 : c; }
  function endsName(s, i) {
    if (i >= s.length) return true;
    var c = apply(charCodeAt, s, [i]);
    return c === 32 || c === 9 || c === 10 || c === 12 || c === 13 || c === 47 || c === 62;
  }
  function matchAt(s, i, word) {  // -1: no, 0: a prefix up to the end of s, 1: the whole word
    for (var k = 0; k < word.length; k++) {
      if (i + k >= s.length) return 0;
      if (lower(s, i + k) !== apply(charCodeAt, word, [k])) return -1;
    }
    return 1;
  }
  function neutral(text, carry) {
    carry = carry || "";
    var s = carry + Str(text), start = carry.length, out = "", from = start, brk = false;
    for (var i = 0; i < s.length; i++) {
      var c = apply(charCodeAt, s, [i]), at = -1, mark = "x-";
      if (c === 60) {  // "<", then an optional "/", then the tag name: <iframe becomes <x-iframe
        var j = i + 1 < s.length && apply(charCodeAt, s, [i + 1]) === 47 ? i + 2 : i + 1;
        for (var k = 0; k < WORDS.length && at < 0; k++) {
          if (matchAt(s, j, WORDS[k]) === 1 && endsName(s, j + WORDS[k].length)) at = j;
        }
      } else if (lower(s, i) === 115 && matchAt(s, i, DSD) === 1) { at = i + 6; mark = "-"; }  // shadow-rootmode
      if (at < 0) continue;
      if (at < start) { brk = true; continue; }  // begun in text already written: break it where this starts
      out += apply(sliceStr, s, [from, at]) + mark;
      from = at;
      i = at;
    }
    return (brk ? "-x" : "") + out + apply(sliceStr, s, [from]);
  }
  function wrap(proto, name, make) {  // a method, else a setter, else (a read-only attribute) its getter
    var d = proto && describe(proto, name);
    if (!d) return;
    if (typeof d.value === "function") d.value = make(d.value);
    else if (d.set) d.set = make(d.set);
    else if (d.get) d.get = make(d.get);
    else return;
    define(proto, name, d);
  }
  function nodesFirst(native) {  // every argument a node (append, before, replaceWith, ...): frames left out
    return function () {
      var args = arg(arguments), kept = [];
      for (var i = 0; i < args.length; i++) if (disarm(args[i])) put(kept, args[i]);
      return apply(native, this, kept);
    };
  }
  function nodeAt(index, skipped) {  // the argument at `index` is a node (appendChild, insertBefore, ...)
    return function (native) {
      return function () {
        var args = arg(arguments);
        if (args.length > index && !disarm(args[index])) return skipped(this, args);
        return apply(native, this, args);
      };
    };
  }
  function markupAt(index) {  // the argument at `index` is markup (innerHTML, insertAdjacentHTML, ...)
    return function (native) {
      return function () {
        var args = arg(arguments);
        if (args.length > index) args[index] = neutral(args[index]);
        var result = apply(native, this, args);
        if (this && this !== w) disarm(this);
        if (result && typeof result === "object") disarm(result);
        return result;
      };
    };
  }
  var same = nodeAt(0, function (self, args) { return args[0]; });
  wrap(Node.prototype, "appendChild", same);
  wrap(Node.prototype, "insertBefore", same);
  wrap(Node.prototype, "replaceChild", nodeAt(0, function (self, args) { drop(args[1]); return args[1]; }));
  [Element.prototype, Document.prototype, DocumentFragment.prototype, CharacterData.prototype,
   DocumentType.prototype].forEach(function (proto) {
    ["append", "prepend", "replaceChildren", "before", "after", "replaceWith"].forEach(function (name) {
      if (O.prototype.hasOwnProperty.call(proto, name)) wrap(proto, name, nodesFirst);
    });
    if (O.prototype.hasOwnProperty.call(proto, "moveBefore")) wrap(proto, "moveBefore", same);
  });
  wrap(Element.prototype, "insertAdjacentElement", nodeAt(1, function () { return null; }));
  wrap(Range.prototype, "insertNode", nodeAt(0, function () { return undefined; }));
  wrap(Range.prototype, "surroundContents", nodeAt(0, function () { return undefined; }));
  wrap(Document.prototype, "body", nodeAt(0, function () { return undefined; }));
  wrap(Element.prototype, "innerHTML", markupAt(0));
  wrap(ShadowRoot.prototype, "innerHTML", markupAt(0));
  wrap(Element.prototype, "outerHTML", markupAt(0));
  wrap(Element.prototype, "insertAdjacentHTML", markupAt(1));
  wrap(Range.prototype, "createContextualFragment", markupAt(0));
  ["setHTMLUnsafe", "setHTML"].forEach(function (name) {
    wrap(Element.prototype, name, markupAt(0)); wrap(ShadowRoot.prototype, name, markupAt(0));
  });
  ["parseHTMLUnsafe", "parseHTML"].forEach(function (name) { wrap(Document, name, markupAt(0)); });
  // Setters and methods that move an existing element in: a table's caption/head/foot, a select's options.
  ["caption", "tHead", "tFoot"].forEach(function (name) {
    wrap(HTMLTableElement.prototype, name, nodeAt(0, function () { return undefined; }));
  });
  wrap(HTMLSelectElement.prototype, "add", nodeAt(0, function () { return undefined; }));
  wrap(HTMLOptionsCollection.prototype, "add", nodeAt(0, function () { return undefined; }));
  // Documents parsed apart (no browsing context, so their frames are inert) lose their frames before the page
  // can move one in through a way not wrapped (an options collection's index setter).
  function cleaned(native) {
    return function () { var result = apply(native, this, arg(arguments)); if (result) disarm(result); return result; };
  }
  wrap(DOMParser.prototype, "parseFromString", cleaned);
  wrap(XMLHttpRequest.prototype, "responseXML", cleaned);
  wrap(XMLHttpRequest.prototype, "response", cleaned);
  wrap(Document.prototype, "execCommand", function (native) {
    return function () {
      var args = arg(arguments);
      if (args.length > 2 && match(/^\s*inserthtml\s*$/i, args[0])) args[2] = neutral(args[2]);
      return apply(native, this, args);
    };
  });
  // A frame element never connected has no window; these read null for any frame, as for a removed one.
  [HTMLIFrameElement, HTMLFrameElement, HTMLObjectElement, HTMLEmbedElement].forEach(function (C) {
    ["contentWindow", "contentDocument"].forEach(function (name) {
      var d = describe(C.prototype, name);
      if (d && d.get) { d.get = function () { return null; }; define(C.prototype, name, d); }
    });
    if (C.prototype.getSVGDocument) {
      wrap(C.prototype, "getSVGDocument", function () { return function () { return null; }; });
    }
  });
  // document.write/open: markup neutralised across calls; document.open erases the window's and the
  // document's listeners, so ours are put back after it.
  var written = "";
  ["write", "writeln"].forEach(function (name) {
    wrap(Document.prototype, name, function (native) {
      return function () {
        var args = arg(arguments), text = "";
        for (var i = 0; i < args.length; i++) text += Str(args[i]);
        var safe = neutral(text, written);
        written = apply(sliceStr, written + safe + (name === "writeln" ? "\n" : ""), [-32]);
        var result = apply(native, this, [safe]);
        arm();
        return result;
      };
    });
  });
  wrap(Document.prototype, "open", function (native) {
    return function () { written = ""; var result = apply(native, this, arg(arguments)); arm(); return result; };
  });
  // The back-stop: a frame that got in by a way not wrapped above is taken out at the next microtask.
  function watch(root) {
    try {
      apply(P.observe, construct(MO, [function (list) {
        for (var i = 0; i < list.length; i++) each(apply(P.added, list[i], []), disarm);
      }]), [root, SUBTREE]);
    } catch (e) {}
  }
  watch(doc);
  wrap(Element.prototype, "attachShadow", function (native) {
    return function () {
      var root = apply(native, this, arg(arguments));
      hosts[shadows] = this; roots[shadows] = root; shadows++;
      watch(root);
      apply(P.listen, root, ["click", clicked, true]);
      apply(P.listen, root, ["click", decide, false]);
      return root;
    };
  });

  // Messages: only the page's own (to itself) are delivered; another page in the app (the other side of an
  // arena pair) cannot reach it. Registered first, on capture, so no listener or onmessage sees them.
  function message(e) {
    if (e.isTrusted && apply(P.source, e, []) !== w) apply(P.stop, e, []);
  }
  // A followed link would be stopped by the wrapper's frame-src only after the browser preconnected to its
  // host; a click the page itself did not handle is refused here instead, before any connection.
  var decided = new WM();
  function linkOf(e) {  // the URL a click would follow (null: none), whatever the event's target is
    var path = apply(P.path, e, []), el = path[0], a;
    try {
      if (!el || (apply(P.nodeType, el, []) !== 1 && !(el = apply(P.parent, el, [])))) return null;
      a = apply(P.closest, el, ["a[href],area[href]"]);
    } catch (e2) { return null; }  // a click dispatched at the window, or at a text node's parent document
    if (!a) return null;
    var href = Str(apply(P.getAttribute, a, ["href"]) || ""), target = Str(apply(P.getAttribute, a, ["target"]) || "");
    if (match(/^\s*(#|javascript:)/i, href) || (target !== "" && !match(/^_self$/i, target))) return null;
    var resolved;
    try {
      resolved = apply(apply(P.localName, a, []) === "area" ? P.areaHref : P.anchorHref, a, []);
    } catch (e3) { resolved = url(href); }  // an SVG <a>
    return resolved;
  }
  function decide(e) {
    if (apply(wmGet, decided, [e])) return;
    var link = linkOf(e);
    if (link === null) return;
    apply(wmSet, decided, [e, true]);
    if (apply(P.prevented, e, [])) return;
    apply(P.prevent, e, []);
    tell("navigation", link);
  }
  function clicked(e) {  // capture: an event that does not bubble is decided at its target, after its listeners
    if (!apply(P.bubbles, e, []) && linkOf(e) !== null) {
      apply(P.listen, apply(P.path, e, [])[0], ["click", decide, ONCE]);
    }
  }
  function submitted(e) {
    var form = apply(P.path, e, [])[0];
    try { tell("navigation", apply(P.action, form, [])); } catch (e2) {}
  }
  function arm() {
    apply(P.listen, w, ["message", message, true]);
    apply(P.listen, w, ["click", clicked, true]);
    apply(P.listen, w, ["click", decide, false]);
    apply(P.listen, doc, ["submit", submitted, true]);
    apply(P.listen, doc, ["DOMContentLoaded", refreshed, false]);
  }
  wrap(HTMLFormElement.prototype, "submit", function (native) {
    return function () {
      try { tell("navigation", apply(P.action, this, [])); } catch (e) {}
      return apply(native, this, arg(arguments));
    };
  });
  // A refresh in the markup was renamed before the browser saw it (so no preconnect); it is reported here.
  var refreshDone = false;
  function refreshed() {
    if (refreshDone) return;
    refreshDone = true;
    var meta = apply(P.qsaD, doc, ['meta[http-equiv="x-blocked-refresh"]']);
    if (!apply(P.listLength, meta, [])) return;
    var m = match(/url\s*=\s*['"]?([^'"]*)/i, apply(P.content, apply(P.item, meta, [0]), []) || "");
    tell("navigation", m ? url(m[1]) : "");
  }
  arm();
  // This script's own text (with the wrapper's key) leaves the document before any of the page's runs.
  var me = doc.currentScript;
  if (me) drop(me);
})();</script>"""


def guard_script(key: str, viewport: tuple[int, int] | None = None) -> str:
    """The guard for one document: `key` is known only to it and its wrapper; `viewport` the frame's size."""
    view_w, view_h = viewport or (0, 0)
    return (
        _GUARD.replace("VIEW_W", str(int(view_w)))
        .replace("VIEW_H", str(int(view_h)))
        .replace("GUARD_KEY", json.dumps(key))
    )
