"""The JavaScript and CSS a render check puts into the page it watches."""

from __future__ import annotations

import secrets

# A console.debug text the checker listens for: the page's main thread sent it, so it is not stuck.
# The nonce is per process, so a page cannot fake the heartbeat from a worker without knowing it.
HEARTBEAT = f"canvasbench-heartbeat-{secrets.token_hex(8)}"
HEARTBEAT_MS = 200

# Runs first in every frame (the wrapper, the artifact's srcdoc frame and any frame it makes):
# - WebRTC constructors are replaced by ones that refuse and count the attempt (STUN/TURN would reach
#   the network below the request router), fixed in place so the page cannot put them back;
# - animation frames (distinct rAF timestamps), each canvas's context type and the input event types
#   the page listens for are counted;
# - a heartbeat on a timer (and after finished animation frames) tells the checker the main thread still
#   finishes tasks (slow is not hung).
INIT_SCRIPT = (
    """(() => {
  const s = { frames: 0, last: -1, contexts: {}, webrtc: 0, inputs: {} };
  Object.defineProperty(window, '__canvasbench', { value: s });
  // Only the artifact's own frame (the wrapper's only child) beats: the wrapper may run in another process.
  const own = window !== window.top && window.parent === window.top;
  const debug = console.debug.bind(console);
  const now = performance.now.bind(performance);
  let beatAt = -1e9;
  const beat = () => { beatAt = now(); debug('"""
    + HEARTBEAT
    + """'); };
  const refuse = function () {
    s.webrtc++;
    throw new DOMException('WebRTC is disabled in the render check', 'NotSupportedError');
  };
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCIceTransport', 'RTCDataChannel',
                      'RTCSctpTransport', 'RTCDtlsTransport', 'RTCRtpSender', 'RTCRtpReceiver']) {
    try { Object.defineProperty(window, name, { value: refuse, writable: false, configurable: false }); } catch (e) {}
  }
  const raf = window.requestAnimationFrame;
  window.requestAnimationFrame = function (cb) {
    return raf.call(window, function (ts) {
      if (ts !== s.last) { s.last = ts; s.frames++; }
      // A finished frame is progress too (a busy page's timers may wait behind its frames).
      if (own && now() - beatAt > """
    + str(HEARTBEAT_MS)
    + """) beat();
      return cb.apply(this, arguments);
    });
  };
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    const ctx = getContext.call(this, type, ...rest);
    if (ctx) { this.__canvasbenchContext = type; s.contexts[type] = (s.contexts[type] || 0) + 1; }
    return ctx;
  };
  const INPUT = /^(key|mouse|pointer|touch|click|dblclick|wheel|contextmenu|drag)/;
  const listen = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if (typeof type === 'string' && INPUT.test(type)) s.inputs[type] = (s.inputs[type] || 0) + 1;
    return listen.call(this, type, ...rest);
  };
  const timer = setInterval.bind(window);
  if (own) { beat(); timer(beat, """
    + str(HEARTBEAT_MS)
    + """); }
})();"""
)

FRAMES_JS = "() => (window.__canvasbench ? window.__canvasbench.frames : 0)"

PROBE_JS = """() => {
  const s = window.__canvasbench || { frames: 0, contexts: {}, webrtc: 0, inputs: {} };
  const vw = innerWidth, vh = innerHeight;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || r.right <= 0 || r.bottom <= 0 || r.left >= vw || r.top >= vh) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && Number(cs.opacity) > 0;
  };
  let main = null;
  const canvases = Array.from(document.querySelectorAll('canvas'));
  for (const c of canvases) {
    if (!visible(c)) continue;
    const r = c.getBoundingClientRect();
    const x = Math.max(0, r.left), y = Math.max(0, r.top);
    const w = Math.min(vw, r.right) - x, h = Math.min(vh, r.bottom) - y;
    if (!main || w * h > main.w * main.h) {
      main = { x: Math.round(x), y: Math.round(y), w: Math.round(w), h: Math.round(h),
               context: c.__canvasbenchContext || null };
    }
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
    input_listeners: Object.keys(s.inputs).length + onProps, webrtc_attempts: s.webrtc,
    top_is_self: window.top === window.self,
    first_paint_ms: paint ? paint.startTime : null,
    load_ms: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : null,
  };
}"""

# The control a player clicks first: visible text saying start / play / begin / new game, else the
# largest visible button. Links are never clicked (they navigate, which says nothing about the page).
START_CONTROL_JS = """() => {
  const vw = innerWidth, vh = innerHeight;
  const START = /\\b(start|play|begin|new game|launch|let's go|go!|tap to|click to|press to|enter)\\b/i;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 4 || r.height < 4 || r.right <= 0 || r.bottom <= 0 || r.left >= vw || r.top >= vh) return null;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) return null;
    if (cs.pointerEvents === 'none') return null;
    return r;
  };
  const candidates = document.querySelectorAll(
    'button, [role=button], input[type=button], input[type=submit], [onclick], .btn, .button, '
    + '[class*=start i], [id*=start i]');
  let best = null, largest = null;
  for (const el of candidates) {
    if (el.closest('a[href]') || el.disabled) continue;
    const r = shown(el);
    if (!r) continue;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.title || '').trim().slice(0, 60);
    const area = r.width * r.height;
    const item = { x: Math.round(r.left + r.width / 2), y: Math.round(r.top + r.height / 2), text, area };
    const isButton = el.matches('button, [role=button], input[type=button], input[type=submit]');
    if (START.test(text) && area < 0.5 * vw * vh && (!best || area > best.area)) best = item;
    if (isButton && (!largest || area > largest.area)) largest = item;
  }
  if (best) return { ...best, why: 'start' };
  return largest ? { ...largest, why: 'largest' } : null;
}"""

# Hides everything but canvases, to judge the canvas itself and not an overlay of text on it.
# The wrapper's iframe stays visible (hiding it would hide the whole artifact with it).
CANVAS_ONLY_CSS = "* { visibility: hidden !important; } canvas, iframe { visibility: visible !important; }"
