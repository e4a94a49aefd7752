"""The JavaScript and CSS a render check puts into the page it watches."""

from __future__ import annotations

import secrets

from canvasbench.paths import DATA_DIR

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
# - a heartbeat on scheduler tasks (and after finished animation frames) tells the checker the main thread still
#   finishes tasks (slow is not hung).
INIT_SCRIPT = (
    (DATA_DIR / "check_init.js")
    .read_text(encoding="utf-8")
    .replace("__HEARTBEAT_MS__", str(HEARTBEAT_MS))
    .replace("__HEARTBEAT__", HEARTBEAT)
    .replace("__DREW__", DREW)
    .replace("__THREW__", THREW)
    .replace("__HANDOFF__", HANDOFF)
)

# Whether the page has nothing scheduled (no timer, frame callback, animation, worker): it cannot change on its
# own, so watching it longer cannot tell anything more.
_QUIET = """(f) => !!f && f.pending === 0 && document.readyState === 'complete'
    && document.fonts.status === 'loaded' && !document.getAnimations().some((a) => a.playState === 'running')
    && !document.querySelector('animate, animateTransform, animateMotion, animateColor, set, video, audio, marquee')"""

# The check's scripts below run in an isolated world of the artifact's frame: the same DOM, but the browser's own
# functions, whatever the page replaced in its world (a page that saw the check call its functions could tell it
# is watched, and draw only then). They take what the init script counted (`s.report()`, read through DevTools;
# None in a frame that never handed it over).
# Whether the page has drawn its first frames (or has nothing scheduled, so it will not draw more on its own).
READY_JS = "(f) => { 'use strict'; return !f || f.frames >= 3 || (" + _QUIET + ")(f); }"

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
    """(facts) => {
  'use strict';
  const f = facts || { frames: 0, pending: 1, contexts: {}, inputs: {}, canvases: [] };
  const vw = innerWidth, vh = innerHeight;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || r.right <= 0 || r.bottom <= 0 || r.left >= vw || r.top >= vh) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && Number(cs.opacity) > 0;
  };
  let main = null;
  const canvases = Array.from(document.getElementsByTagName('canvas'));  // in the order the counts list them
  // Each canvas's [context, first drawing call] as counted, when the page did not add or remove one in between.
  const counted = Array.isArray(f.canvases) && f.canvases.length === canvases.length ? f.canvases : null;
  // Contexts whose every drawing call is seen (a canvas of another kind is judged by its pixels alone).
  const SEEN = ['2d', 'webgl', 'webgl2', 'experimental-webgl', 'bitmaprenderer'];
  for (let index = 0; index < canvases.length; index++) {
    const c = canvases[index], known = counted ? counted[index] : null;
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
      const drawnBy = known ? known[1] : null;
      const handed = drawnBy === 'transferControlToOffscreen';
      const context = (known && known[0]) || (handed ? 'offscreen' : null);
      main = { x: Math.round(x), y: Math.round(y), w: Math.round(w), h: Math.round(h), context, el: c,
               never_drawn_on: !!known && SEEN.includes(context) && drawnBy === null };
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
    frames: f.frames, contexts: f.contexts, canvases: canvases.length,
    main_canvas: main && main.w * main.h >= 0.2 * vw * vh ? main : null,
    svg_shapes: shapes, title: document.title,
    elements: document.body ? document.body.querySelectorAll('*').length : 0,
    text_chars: document.body ? (document.body.innerText || '').trim().length : 0,
    own_scripts: ownScripts, local_scripts: localScripts.slice(0, 10),
    input_listeners: Object.keys(f.inputs).length + onProps,
    top_is_self: window.top === window.self,
    quiet: ("""
    + _QUIET
    + """)(facts),
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
# The text caret blinks; it is not the page animating. Both styles go into a DevTools inspector stylesheet of the
# artifact's frame, which the page cannot see (no element, not in document.styleSheets, no mutation).
CARET_CSS = "* { caret-color: transparent !important; }"
