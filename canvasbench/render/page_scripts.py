"""The JavaScript and CSS a render check puts into the page it watches."""

from __future__ import annotations

# Counts animation frames (distinct rAF timestamps) and remembers each canvas's context type.
INIT_SCRIPT = """(() => {
  const s = { frames: 0, last: -1, contexts: {} };
  Object.defineProperty(window, '__canvasbench', { value: s });
  const raf = window.requestAnimationFrame;
  window.requestAnimationFrame = function (cb) {
    return raf.call(window, function (ts) {
      if (ts !== s.last) { s.last = ts; s.frames++; }
      return cb.apply(this, arguments);
    });
  };
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    const ctx = getContext.call(this, type, ...rest);
    if (ctx) { this.__canvasbenchContext = type; s.contexts[type] = (s.contexts[type] || 0) + 1; }
    return ctx;
  };
})();"""

FRAMES_JS = "() => (window.__canvasbench ? window.__canvasbench.frames : 0)"

PROBE_JS = """() => {
  const s = window.__canvasbench || { frames: 0, contexts: {} };
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
  const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-paint')
    || performance.getEntriesByType('paint')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    frames: s.frames, contexts: s.contexts, canvases: canvases.length,
    main_canvas: main && main.w * main.h >= 0.2 * vw * vh ? main : null,
    svg_shapes: shapes, title: document.title,
    elements: document.body ? document.body.querySelectorAll('*').length : 0,
    text_chars: document.body ? (document.body.innerText || '').trim().length : 0,
    first_paint_ms: paint ? paint.startTime : null,
    load_ms: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : null,
  };
}"""

# Hides everything but canvases, to judge the canvas itself and not an overlay of text on it.
CANVAS_ONLY_CSS = "* { visibility: hidden !important; } canvas { visibility: visible !important; }"
