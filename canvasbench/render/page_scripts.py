"""The JavaScript and CSS a render check puts into the page it watches."""

from __future__ import annotations

import secrets

# A console.debug text the checker listens for: the page's main thread sent it, so it is not stuck.
# The nonce is per process, so a page cannot fake the heartbeat from a worker without knowing it.
HEARTBEAT = f"canvasbench-heartbeat-{secrets.token_hex(8)}"
HEARTBEAT_MS = 200
# Sent once by the artifact's frame at its first drawing call (a shape, text or image on a canvas, a WebGL
# draw call; clearing or filling the whole canvas is background): a page that draws and then stops
# responding before anything reached the screen is known to have drawn.
DREW = f"canvasbench-drew-{secrets.token_hex(8)}"
# Sent with [name, message, stack] of an uncaught error the page then marked handled (an onerror returning
# true, a listener calling preventDefault), which the browser no longer reports: the page threw all the same.
THREW = f"canvasbench-threw-{secrets.token_hex(8)}"
# What the check counts in the artifact's window is kept in the init script's closure, out of the page's reach.
# The init script hands that object to the check alone, as the second argument of a console message with this
# text: nothing of it is on `window` (a symbol there, or a frozen `Symbol.for`, told a page it was watched), and a
# page cannot send the text, which is never written into a function it can print.
HANDOFF = f"canvasbench-state-{secrets.token_hex(8)}"

# Runs first in every frame (the wrapper, the artifact's srcdoc frame and any frame it makes):
# - WebRTC is the page guard's (canvasbench.sandbox.guard), the same as in the dashboard, which reports each
#   attempt to the wrapper; a frame below the artifact (the guard never lets one connect) loses it here too;
# - animation frames (distinct rAF timestamps), each canvas's context type and the input event types
#   the page listens for are counted;
# - a heartbeat on a timer (and after finished animation frames) tells the checker the main thread still
#   finishes tasks (slow is not hung).
INIT_SCRIPT = (
    """(() => {
  const s = { frames: 0, last: -1, contexts: {}, inputs: {}, contextOf: new WeakMap(), drawnOn: new WeakMap() };
  const apply = Reflect.apply;  // the page may replace Function.prototype.call/apply
  // Every function the check puts within the page's reach reads as the browser's own: its source text, name and
  // length, no prototype, not a constructor. Bot checks tell patched natives that way, and a page that could
  // tell the check from a person's browser could draw only while it is watched.
  const natives = new WeakMap(), nativeOf = WeakMap.prototype.get, remember = WeakMap.prototype.set;
  const sourceOf = Function.prototype.toString;
  const disguise = (original, impl) => {
    const f = { [original.name](...args) { return apply(impl, this, args); } }[original.name];
    Object.defineProperty(f, 'length', { value: original.length });
    apply(remember, natives, [f, original]);
    return f;
  };
  const install = (obj, name, impl) => { obj[name] = disguise(obj[name], impl); };
  install(Function.prototype, 'toString', function () {
    return apply(sourceOf, apply(nativeOf, natives, [this]) || this, []);
  });
  const BEAT = '"""
    + HEARTBEAT
    + """', DREW = '"""
    + DREW
    + """', THREW = '"""
    + THREW
    + """', HANDOFF = '"""
    + HANDOFF
    + """';
  // Only the artifact's own frame (below the app page and the wrapper) beats: the others may run elsewhere.
  const own = window.parent !== window.top && window.parent.parent === window.top;
  const debug = console.debug.bind(console);
  const now = performance.now.bind(performance);
  const timer = window.setInterval.bind(window);  // the heartbeat's own, not counted as the page's work
  let beatAt = -1e9;
  const beat = () => { beatAt = now(); debug(BEAT); };
  if (window !== window.top && window.parent !== window.top && !own) {
    for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCIceTransport']) {
      try { Object.defineProperty(window, name, { value: undefined, configurable: false }); } catch (e) {}
    }
  }
  const raf = window.requestAnimationFrame;
  install(window, 'requestAnimationFrame', function (cb) {
    const id = apply(raf, window, [function (ts) {
      if (s.frameIds) s.frameIds.delete(id);
      if (ts !== s.last) { s.last = ts; s.frames++; }
      // A finished frame is progress too (a busy page's timers may wait behind its frames).
      if (own && now() - beatAt > """
    + str(HEARTBEAT_MS)
    + """) beat();
      return apply(cb, this, arguments);
    }]);
    if (s.frameIds) s.frameIds.add(id);
    return id;
  });
  // Each canvas is marked with the first call that put pixels on it (in every frame, so a canvas drawn
  // through another frame's prototypes is marked too): a canvas with a context that no call ever drew on
  // shows only its CSS (border, background) and the page behind it, which is not a drawing.
  // Kept in WeakMaps of the check's own state, never on the page's objects, which the page could read.
  const mark = (c, name) => { if (c && !s.drawnOn.has(c)) s.drawnOn.set(c, name); };
  const hooked = new WeakSet();
  const drawing = (proto, names, background) => {
    if (!proto) return;
    for (const name of names) {
      const original = proto[name];
      if (typeof original !== 'function') continue;
      install(proto, name, function (...args) {
        let c = null;
        try { c = this.canvas; } catch (e) {}
        mark(c, name);
        if (own && !s.drew && !(background && background(this, args))) {
          s.drew = name;
          debug(DREW + ' ' + name);
        }
        return apply(original, this, args);
      });
    }
  };
  const wholeCanvas = (ctx, [x, y, w, h]) => {
    const c = ctx.canvas;
    return c && x <= 0 && y <= 0 && x + w >= c.width && y + h >= c.height;
  };
  drawing(window.CanvasRenderingContext2D && CanvasRenderingContext2D.prototype,
          ['fillRect'], wholeCanvas);
  drawing(window.CanvasRenderingContext2D && CanvasRenderingContext2D.prototype,
          ['fill', 'stroke', 'strokeRect', 'fillText', 'strokeText', 'drawImage', 'putImageData']);
  drawing(window.ImageBitmapRenderingContext && ImageBitmapRenderingContext.prototype, ['transferFromImageBitmap']);
  const GL = ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced', 'drawRangeElements'];
  drawing(window.WebGLRenderingContext && WebGLRenderingContext.prototype, GL);
  drawing(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype, [...GL, 'blitFramebuffer']);
  // Draw calls of extensions (instancing, multi-draw on WebGL 1) belong to the context's canvas.
  for (const GLC of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!GLC) continue;
    const getExtension = GLC.prototype.getExtension;
    install(GLC.prototype, 'getExtension', function (...args) {
      const ext = apply(getExtension, this, args);
      const c = this.canvas;
      if (ext && typeof ext === 'object') {
        for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(ext))) {
          if (!/^(draw|multiDraw)/.test(name) || typeof ext[name] !== 'function' || hooked.has(ext[name])) continue;
          const original = ext[name];
          const wrapped = disguise(original, function (...a) { mark(c, name); return apply(original, this, a); });
          hooked.add(wrapped);
          try { Object.defineProperty(ext, name, { value: wrapped, configurable: true, writable: true }); } catch (e) {}
        }
      }
      return ext;
    });
  }
  // Drawn where these hooks cannot see (a worker's OffscreenCanvas): its pixels decide.
  const transfer = HTMLCanvasElement.prototype.transferControlToOffscreen;
  if (typeof transfer === 'function') {
    install(HTMLCanvasElement.prototype, 'transferControlToOffscreen', function (...args) {
      mark(this, 'transferControlToOffscreen');
      return apply(transfer, this, args);
    });
  }
  // Work the page has scheduled: a page with none (no timer, frame callback, animation, worker) cannot
  // change on its own, so watching it longer cannot tell anything more.
  const timeouts = new Set(), intervals = new Set(), frames = new Set();
  s.pending = () => timeouts.size + intervals.size + frames.size + s.workers;
  s.workers = 0;
  s.quiet = () => s.pending() === 0 && document.readyState === 'complete' && document.fonts.status === 'loaded'
    && !document.getAnimations().some((a) => a.playState === 'running')
    && !document.querySelector('animate, animateTransform, animateMotion, animateColor, set, video, audio, marquee');
  if (own) {
    // The page's console reaches the check as it reaches no one in a person's browser (DevTools closed): the
    // check's DevTools connection would describe each object logged, calling the page's own toString and
    // getters, which told a page it was watched. An error goes on with its primitive arguments, a thrown error
    // as its name and message (below), any other object as "[object]"; anything else logged is dropped.
    const errorOut = console.error.bind(console), define = Object.defineProperty;
    const isError = Error.isError, protoOf = Object.getPrototypeOf, ownProp = Object.getOwnPropertyDescriptor;
    const hasOwn = Object.hasOwn, mapGet = Map.prototype.get, sliceOf = String.prototype.slice;
    const NAMES = new Map(['Error', 'TypeError', 'ReferenceError', 'SyntaxError', 'RangeError', 'URIError',
      'EvalError', 'AggregateError', 'DOMException'].filter((n) => window[n]).map((n) => [window[n].prototype, n]));
    // `console.error('Setup failed:', e)` is how pages report what broke, and "Failed to fetch dynamically
    // imported module" says the page never ran: the check needs that text. Only a real error (Error.isError:
    // no Proxy trap) is read, and only what runs none of the page's code: its own `message` if it is a plain
    // string, and its name if its prototype is a built-in error's (a subclass is "Error": the prototype of a
    // page's class may be a Proxy, and asking for its prototype would run the page's trap).
    const errorText = (v) => {
      if (!isError || !apply(isError, Error, [v])) return null;
      const d = ownProp(v, 'message');
      const message = d && apply(hasOwn, Object, [d, 'value']) && typeof d.value === 'string' ? d.value : '';
      const name = apply(mapGet, NAMES, [protoOf(v)]) || 'Error';
      return message ? name + ': ' + apply(sliceOf, message, [0, 2000]) : name;
    };
    const tryText = (v) => { try { return errorText(v); } catch (e) { return null; } };  // ours never throws
    const plain = (v) => (v === null || (typeof v !== 'object' && typeof v !== 'function') ? v
      : typeof v === 'function' ? '[function]' : tryText(v) || '[object]');
    for (const name of Object.keys(console)) {
      if (typeof console[name] !== 'function') continue;
      install(console, name, name !== 'error' ? function () {} : function (...args) {
        const out = [];
        for (let i = 0; i < args.length; i++) define(out, i, { value: plain(args[i]), enumerable: true });
        apply(errorOut, console, out);
      });
    }
    const setT = window.setTimeout, clearT = window.clearTimeout, setI = window.setInterval;
    const clearI = window.clearInterval, cancelRaf = window.cancelAnimationFrame;
    install(window, 'setTimeout', function (fn, ...rest) {
      let id;
      const run = typeof fn !== 'function' ? fn
        : function () { timeouts.delete(id); return apply(fn, this, arguments); };
      id = apply(setT, window, [run, ...rest]);
      timeouts.add(id);
      return id;
    });
    // Either clear function clears either kind of timer.
    install(window, 'clearTimeout', function (id) {
      timeouts.delete(id); intervals.delete(id); return apply(clearT, window, [id]);
    });
    install(window, 'setInterval', function (...args) {
      const id = apply(setI, window, args); intervals.add(id); return id;
    });
    install(window, 'clearInterval', function (id) {
      timeouts.delete(id); intervals.delete(id); return apply(clearI, window, [id]);
    });
    install(window, 'cancelAnimationFrame', function (id) {
      frames.delete(id); return apply(cancelRaf, window, [id]);
    });
    s.frameIds = frames;
    for (const name of ['Worker', 'SharedWorker']) {
      const W = window[name];
      if (typeof W !== 'function') continue;
      window[name] = new Proxy(W, {
        construct(target, args, nt) { s.workers++; return Reflect.construct(target, args, nt); },
      });
      apply(remember, natives, [window[name], W]);
    }
    // The text caret blinks; it is not the page animating.
    const caret = () => {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync('* { caret-color: transparent !important; }');
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      } catch (e) {}
    };
    document.addEventListener('DOMContentLoaded', caret, { once: true });
  }
  const getContext = HTMLCanvasElement.prototype.getContext;
  install(HTMLCanvasElement.prototype, 'getContext', function (type, ...rest) {
    const ctx = apply(getContext, this, [type, ...rest]);
    if (ctx) { s.contextOf.set(this, type); s.contexts[type] = (s.contexts[type] || 0) + 1; }
    return ctx;
  });
  // Errors the page hides from the browser: ours is the first listener, so it sees each uncaught error, and
  // after the dispatch it reads whether a later handler marked it handled (then the browser said nothing).
  // The events are read through the browser's own getters, taken now: the page may redefine them later.
  const getter = (C, name) => { const d = C && Object.getOwnPropertyDescriptor(C.prototype, name); return d && d.get; };
  const prevented = getter(window.Event, 'defaultPrevented'), errorOf = getter(window.ErrorEvent, 'error');
  const messageOf = getter(window.ErrorEvent, 'message'), reasonOf = getter(window.PromiseRejectionEvent, 'reason');
  const later = window.setTimeout.bind(window), stringify = JSON.stringify, ErrorC = Error;
  const field = (read) => {
    try { const v = read(); return v == null ? null : String(v).slice(0, 2000); } catch (e) { return null; }
  };
  // Worded as the browser words it: a thrown Error by its name and message, anything else as its text.
  // Never throws itself: an error of ours would be reported as the page's.
  const report = (e, err, text) => later(() => {
    try {
      if (!apply(prevented, e, [])) return;
      let thrown = false;
      try { thrown = err instanceof ErrorC; } catch (x) {}  // a Proxy may refuse even that
      const fields = thrown ? [field(() => err.name), field(() => err.message), field(() => err.stack)]
        : [null, text(), null];
      debug(THREW + ' ' + stringify(fields));
    } catch (x) {}
  }, 0);
  if (prevented && errorOf && messageOf) {
    window.addEventListener('error', (e) => {
      let err;  // the getter refuses any event but an ErrorEvent: a file that failed to load is not a throw
      try { if (!e.isTrusted) return; err = apply(errorOf, e, []); } catch (x) { return; }
      report(e, err, () => (field(() => apply(messageOf, e, [])) || '').replace(/^Uncaught /, ''));
    }, true);
  }
  if (prevented && reasonOf) {
    window.addEventListener('unhandledrejection', (e) => {
      if (!e.isTrusted) return;
      const err = apply(reasonOf, e, []);
      report(e, err, () => field(() => err));
    }, true);
  }
  const INPUT = /^(key|mouse|pointer|touch|click|dblclick|wheel|contextmenu|drag)/;
  const listen = EventTarget.prototype.addEventListener;
  install(EventTarget.prototype, 'addEventListener', function (type, ...rest) {
    if (typeof type === 'string' && INPUT.test(type)) s.inputs[type] = (s.inputs[type] || 0) + 1;
    return apply(listen, this, [type, ...rest]);
  });
  if (own) { debug(HANDOFF, s); beat(); timer(beat, """
    + str(HEARTBEAT_MS)
    + """); }
})();"""
)

# The check's scripts below take the artifact's state (None in a frame that never handed one over).
FRAMES_JS = "(s) => { 'use strict'; return s ? s.frames : 0; }"
# Whether the page has drawn its first frames (or has nothing scheduled, so it will not draw more on its own).
READY_JS = "(s) => { 'use strict'; return !s || s.frames >= 3 || s.quiet(); }"

# The control a player clicks first: one saying start / play / begin / new game, else the largest button;
# only one a person could press (shown, enabled, not under an overlay or inside a faded-out screen).
# Links are never clicked (they navigate, which says nothing about the page).
START_CONTROL_JS = """() => {
  const vw = innerWidth, vh = innerHeight;
  const START = /\\b(start|play|begin|new game|launch|let's go|go!|tap to|click to|press to|enter)\\b/i;
  // A control that starts over (a game-over screen's) is second to one that starts.
  const AGAIN = /\\b(again|retry|restart|replay|try|continue|resume)\\b/i;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 4 || r.height < 4 || r.right <= 0 || r.bottom <= 0 || r.left >= vw || r.top >= vh) return null;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) return null;
    if (cs.pointerEvents === 'none') return null;
    // Hidden with an ancestor too (a faded-out overlay at opacity 0 is still laid out).
    if (el.checkVisibility && !el.checkVisibility(
      { opacityProperty: true, visibilityProperty: true, checkOpacity: true, checkVisibilityCSS: true })) return null;
    // A click at its centre must land on it, not on an overlay above it.
    const x = Math.round(Math.min(Math.max(r.left + r.width / 2, 0), vw - 1));
    const y = Math.round(Math.min(Math.max(r.top + r.height / 2, 0), vh - 1));
    const hit = document.elementFromPoint(x, y);
    if (!hit || !el.contains(hit)) return null;
    return { x, y, area: r.width * r.height };
  };
  const candidates = Array.from(document.querySelectorAll(
    'button, [role=button], input[type=button], input[type=submit], [onclick], .btn, .button, '
    + '[class*=start i], [id*=start i]'));
  const items = [];
  for (const el of candidates) {
    if (el.closest('a[href]') || el.matches(':disabled') || el.closest('[inert], [aria-disabled=true]')) continue;
    const at = shown(el);
    if (!at) continue;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.title || '').trim().slice(0, 60);
    const button = el.matches('button, [role=button], input[type=button], input[type=submit]');
    items.push({ el, ...at, text, button, start: START.test(text) && at.area < 0.5 * vw * vh });
  }
  // Among controls saying start: not a container of another one (its centre is its text, not the button),
  // then a fresh start before a start-over, a real button before anything else clickable, then the largest.
  const starts = items.filter((a) => a.start && !items.some((b) => b !== a && b.start && a.el.contains(b.el)));
  const rank = (a) => [AGAIN.test(a.text) ? 0 : 1, a.button ? 1 : 0, a.area];
  const better = (a, b) => {
    const ra = rank(a), rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] > rb[i];
    return false;
  };
  let best = null, largest = null;
  for (const item of starts) if (!best || better(item, best)) best = item;
  for (const item of items) if (item.button && (!largest || item.area > largest.area)) largest = item;
  const pick = best ? { ...best, why: 'start' } : largest ? { ...largest, why: 'largest' } : null;
  if (pick) { delete pick.el; delete pick.button; delete pick.start; }
  return pick;
}"""

PROBE_JS = (
    """(state) => {
  'use strict';
  const s = state || { frames: 0, contexts: {}, inputs: {}, contextOf: new WeakMap() };
  const vw = innerWidth, vh = innerHeight;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || r.right <= 0 || r.bottom <= 0 || r.left >= vw || r.top >= vh) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && Number(cs.opacity) > 0;
  };
  let main = null;
  const canvases = Array.from(document.querySelectorAll('canvas'));
  // Contexts whose every drawing call is seen (a canvas of another kind is judged by its pixels alone).
  const SEEN = ['2d', 'webgl', 'webgl2', 'experimental-webgl', 'bitmaprenderer'];
  for (const c of canvases) {
    if (!visible(c)) continue;
    // The canvas's own pixels are inside its border and padding: its CSS frame is not a drawing.
    const r = c.getBoundingClientRect(), cs = getComputedStyle(c);
    const sx = c.offsetWidth ? r.width / c.offsetWidth : 1, sy = c.offsetHeight ? r.height / c.offsetHeight : 1;
    const px = (name) => parseFloat(cs[name]) || 0;
    const left = r.left + (px('borderLeftWidth') + px('paddingLeft')) * sx;
    const top = r.top + (px('borderTopWidth') + px('paddingTop')) * sy;
    const right = r.right - (px('borderRightWidth') + px('paddingRight')) * sx;
    const bottom = r.bottom - (px('borderBottomWidth') + px('paddingBottom')) * sy;
    const x = Math.max(0, left), y = Math.max(0, top);
    const w = Math.min(vw, right) - x, h = Math.min(vh, bottom) - y;
    if (w <= 0 || h <= 0) continue;
    if (!main || w * h > main.w * main.h) {
      // Handed to a worker: drawn there, out of sight of these hooks (its pixels decide).
      const drawnBy = s.drawnOn ? s.drawnOn.get(c) : undefined;
      const handed = drawnBy === 'transferControlToOffscreen';
      const context = s.contextOf.get(c) || (handed ? 'offscreen' : null);
      main = { x: Math.round(x), y: Math.round(y), w: Math.round(w), h: Math.round(h), context, el: c,
               never_drawn_on: SEEN.includes(context) && drawnBy === undefined };
    }
  }
  if (main) {
    // Other visible elements over the canvas (a title, a score, a menu), clipped to it: their areas are
    // left out when the canvas's own pixels are judged (null: too many or too much of it to leave out).
    let covers = [], covered = 0;
    const all = document.body ? document.body.getElementsByTagName('*') : [];
    if (all.length > 5000) covers = null;  // too many to go through in a probe
    for (let i = 0; i < all.length && covers; i++) {
      const el = all[i];
      if (el === main.el || el.contains(main.el) || main.el.contains(el)) continue;
      const r = el.getBoundingClientRect();
      const x0 = Math.max(r.left, main.x), y0 = Math.max(r.top, main.y);
      const x1 = Math.min(r.right, main.x + main.w), y1 = Math.min(r.bottom, main.y + main.h);
      if (x1 <= x0 || y1 <= y0 || !visible(el)) continue;
      covered += (x1 - x0) * (y1 - y0);
      const box = [Math.floor(x0), Math.floor(y0), Math.ceil(x1 - x0), Math.ceil(y1 - y0)];
      covers = covers.length >= 20 || covered > 0.5 * main.w * main.h ? null : [...covers, box];
    }
    main.covers = covers;
    delete main.el;
  }
  const skip = 'defs, clipPath, mask, symbol, pattern, marker, linearGradient, radialGradient, filter';
  let shapes = 0;
  for (const el of document.querySelectorAll('svg *')) {
    const shape = el instanceof SVGGraphicsElement && !(el instanceof SVGSVGElement);
    if (shape && !el.closest(skip) && visible(el)) shapes++;
  }
  // The page's own scripts: inline code and files beside it (CDN libraries are not the page's program).
  const runnable = (t) => !t
    || /^(text\\/javascript|application\\/javascript|module|text\\/babel|jsx)$/i.test(t.trim());
  let ownScripts = 0;
  const localScripts = [];
  for (const el of document.scripts) {
    // The preview's own guard (first in <head>) is ours, not the page's program.
    if (!runnable(el.type) || el.hasAttribute('data-canvasbench-guard')) continue;
    const src = el.getAttribute('src');
    if (!src) { if (el.textContent.trim()) ownScripts++; continue; }
    if (!/^(https?:)?\\/\\//i.test(src) && !/^(data|blob):/i.test(src)) { ownScripts++; localScripts.push(src); }
  }
  const handlers = ['onkeydown', 'onkeyup', 'onkeypress', 'onclick', 'onmousedown', 'onmousemove', 'onpointerdown',
                    'onpointermove', 'ontouchstart'];
  let onProps = 0;
  for (const t of [window, document, document.body, ...canvases]) {
    if (t) for (const h of handlers) if (typeof t[h] === 'function') onProps++;
  }
  const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-paint')
    || performance.getEntriesByType('paint')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    frames: s.frames, contexts: s.contexts, canvases: canvases.length,
    main_canvas: main && main.w * main.h >= 0.2 * vw * vh ? main : null,
    svg_shapes: shapes, title: document.title,
    elements: document.body ? document.body.querySelectorAll('*').length : 0,
    text_chars: document.body ? (document.body.innerText || '').trim().length : 0,
    own_scripts: ownScripts, local_scripts: localScripts.slice(0, 10),
    input_listeners: Object.keys(s.inputs).length + onProps,
    top_is_self: window.top === window.self,
    quiet: s.quiet ? s.quiet() : false,
    start_control: ("""
    + START_CONTROL_JS
    + """)(),
    first_paint_ms: paint ? paint.startTime : null,
    load_ms: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : null,
  };
}"""
)

# Hides everything but canvases, to judge the canvas itself and not an overlay of text on it.
# The wrapper's iframe stays visible (hiding it would hide the whole artifact with it).
CANVAS_ONLY_CSS = "* { visibility: hidden !important; } canvas, iframe { visibility: visible !important; }"
# Puts that style on the artifact's document ("" takes it off again).
CANVAS_ONLY_JS = """(css) => {
  let el = document.getElementById('__canvasbench_canvas_only');
  if (!css) { if (el) el.remove(); return; }
  if (!el) { el = document.createElement('style'); el.id = '__canvasbench_canvas_only'; }
  el.textContent = css;
  (document.head || document.documentElement).appendChild(el);
}"""
