// The render check's init script: runs first in every frame (the wrapper, the artifact's srcdoc frame and any
// frame it makes). canvasbench/render/page_scripts.py fills in its placeholders (the console texts).
(() => {
  'use strict';
  // Whatever here runs after the page's own scripts began calls only what is taken now, before any of them ran.
  // A page can replace any built-in (a Set's add, a RegExp's exec, a setter on Object.prototype, an array's
  // iterator) and see the check call it, which no person's browser does: a page that could tell it is watched
  // could draw only for the check. So no spread, no for-of, no method looked up later, descriptors without a
  // prototype, and the check's own objects without one.
  const apply = Reflect.apply, construct = Reflect.construct, define = Object.defineProperty;
  const ownProp = Object.getOwnPropertyDescriptor, protoOf = Object.getPrototypeOf;
  const ownNames = Object.getOwnPropertyNames;
  const call = (f) => (self, ...args) => apply(f, self, args);
  const wmGet = call(WeakMap.prototype.get), wmSet = call(WeakMap.prototype.set), wmHas = call(WeakMap.prototype.has);
  const setAdd = call(Set.prototype.add), setDelete = call(Set.prototype.delete), setHas = call(Set.prototype.has);
  const setSize = call(ownProp(Set.prototype, 'size').get);
  const wsAdd = call(WeakSet.prototype.add), wsHas = call(WeakSet.prototype.has);
  const mapGet = call(Map.prototype.get), startsWith = call(String.prototype.startsWith);
  const sliceText = call(String.prototype.slice), hasOwn = Object.hasOwn, stringify = JSON.stringify;
  const getter = (C, name) => {
    const d = C && ownProp(C.prototype, name);
    return d && d.get ? call(d.get) : null;
  };
  const data = (value, enumerable) => ({ __proto__: null, value, writable: true, enumerable, configurable: true });
  const own = window.parent !== window.top && window.parent.parent === window.top;

  // Every function the check puts within the page's reach reads as the browser's own: its source text, name and
  // length, no prototype, not a constructor. Bot checks tell patched natives that way.
  const natives = new WeakMap(), sourceOf = Function.prototype.toString;
  const plainValue = (obj, name, fallback) => {
    const d = ownProp(obj, name);
    return d && apply(hasOwn, Object, [d, 'value']) ? d.value : fallback;
  };
  const disguise = (original, impl) => {
    const name = plainValue(original, 'name', '');
    const f = { [name](...args) { return apply(impl, this, args); } }[name];
    define(f, 'length', { __proto__: null, value: plainValue(original, 'length', 0), configurable: true });
    wmSet(natives, f, original);
    return f;
  };
  const install = (obj, name, impl) => {
    const d = ownProp(obj, name);
    define(obj, name, data(disguise(obj[name], impl), d ? d.enumerable : true));
  };
  install(Function.prototype, 'toString', function () {
    return apply(sourceOf, wmGet(natives, this) || this, []);
  });

  const debug = console.debug.bind(console), errorOut = console.error.bind(console);
  const now = performance.now.bind(performance);
  const later = window.setTimeout.bind(window), timer = window.setInterval.bind(window);  // not the page's work
  // A scheduler task no page can cancel (it has no handle on it); options without a prototype, read by the browser.
  const postTask = window.scheduler && typeof scheduler.postTask === 'function' ? scheduler.postTask.bind(scheduler)
    : null;
  const nextBeat = { __proto__: null, delay: __HEARTBEAT_MS__ };
  const s = { __proto__: null, frames: 0, workers: 0, drew: null, contexts: { __proto__: null },
              inputs: { __proto__: null }, contextOf: new WeakMap(), drawnOn: new WeakMap() };
  let beatAt = -1e9;
  const beat = () => { beatAt = now(); debug('__HEARTBEAT__'); };

  if (window !== window.top && window.parent !== window.top && !own) {
    const names = ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCIceTransport'];
    for (let i = 0; i < names.length; i++) {
      try { define(window, names[i], { __proto__: null, value: undefined, configurable: false }); } catch (e) {}
    }
  }

  // Animation frames: the page's callbacks run as the browser calls them (a wrapper would be a frame of its own
  // in their stack). A frame callback of ours runs in each frame the page asked for: every request made before
  // that frame began (the timestamp the frame's callbacks get) is answered in it, before or after ours; one made
  // since is answered in the next, where ours runs again. It counts the frame (distinct timestamps) and forgets
  // the requests it answered.
  const raf = window.requestAnimationFrame, cancelRaf = window.cancelAnimationFrame;
  const asked = new Map(), mapSet = call(Map.prototype.set), mapDelete = call(Map.prototype.delete);
  const mapSize = call(ownProp(Map.prototype, 'size').get), entries = call(Map.prototype.entries);
  const nextOf = call(protoOf(new Map().entries()).next);
  let ticking = false, last = -1;
  const tick = (ts) => {
    ticking = false;
    const done = [];
    const it = entries(asked);
    for (let step = nextOf(it); !step.done; step = nextOf(it)) {
      if (step.value[1] < ts) define(done, done.length, data(step.value[0], true));
    }
    for (let i = 0; i < done.length; i++) mapDelete(asked, done[i]);
    if (done.length > 0) {
      if (ts !== last) { last = ts; s.frames++; }
      // A finished frame is progress too (a busy page's timers may wait behind its frames).
      if (own && now() - beatAt > __HEARTBEAT_MS__) beat();
    }
    if (mapSize(asked) > 0) { ticking = true; apply(raf, window, [tick]); }
  };
  install(window, 'requestAnimationFrame', function () {
    const id = apply(raf, window, arguments);  // a callback that is not a function throws as the browser's does
    mapSet(asked, id, now());
    if (!ticking) { ticking = true; apply(raf, window, [tick]); }
    return id;
  });
  install(window, 'cancelAnimationFrame', function (id) {
    mapDelete(asked, id);
    return apply(cancelRaf, window, arguments);
  });

  // Each canvas is marked with the first call that put pixels on it (in every frame, so a canvas drawn through
  // another frame's prototypes is marked too): a canvas with a context that no call ever drew on shows only its
  // CSS and the page behind it, which is not a drawing. Kept in the check's own WeakMaps, never on the page's
  // objects. Only calls the page makes run in these wrappers, and they call nothing of the page's.
  const mark = (c, name) => { if (c && !wmHas(s.drawnOn, c)) wmSet(s.drawnOn, c, name); };
  const width = getter(window.HTMLCanvasElement, 'width'), height = getter(window.HTMLCanvasElement, 'height');
  const hooked = new WeakSet();
  const drawing = (C, names, background) => {
    if (!C) return;
    const proto = C.prototype, canvasOf = getter(C, 'canvas');
    for (let i = 0; i < names.length; i++) {
      const name = names[i], original = proto[name];
      if (typeof original !== 'function') continue;
      install(proto, name, function () {
        let c = null;
        try { c = canvasOf(this); } catch (e) {}
        mark(c, name);
        if (own && !s.drew && !(background && c && background(c, arguments))) {
          s.drew = name;
          debug('__DREW__ ' + name);
        }
        return apply(original, this, arguments);
      });
    }
  };
  // fillRect over the whole canvas is a background; read from numbers the page passed, never converted here.
  const wholeCanvas = (c, a) => {
    const x = a[0], y = a[1], w = a[2], h = a[3];
    if (typeof x !== 'number' || typeof y !== 'number' || typeof w !== 'number' || typeof h !== 'number') return false;
    return x <= 0 && y <= 0 && x + w >= width(c) && y + h >= height(c);
  };
  drawing(window.CanvasRenderingContext2D, ['fillRect'], wholeCanvas);
  drawing(window.CanvasRenderingContext2D,
          ['fill', 'stroke', 'strokeRect', 'fillText', 'strokeText', 'drawImage', 'putImageData']);
  drawing(window.ImageBitmapRenderingContext, ['transferFromImageBitmap']);
  const GL = ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced', 'drawRangeElements'];
  drawing(window.WebGLRenderingContext, GL);
  drawing(window.WebGL2RenderingContext, GL.concat(['blitFramebuffer']));
  // Draw calls of extensions (instancing, multi-draw on WebGL 1) belong to the context's canvas.
  const GLS = [window.WebGLRenderingContext, window.WebGL2RenderingContext];
  for (let g = 0; g < GLS.length; g++) {
    const GLC = GLS[g];
    if (!GLC) continue;
    const getExtension = GLC.prototype.getExtension, canvasOf = getter(GLC, 'canvas');
    install(GLC.prototype, 'getExtension', function () {
      const ext = apply(getExtension, this, arguments);
      if (!ext || typeof ext !== 'object') return ext;
      let c = null;
      try { c = canvasOf(this); } catch (e) {}
      const proto = protoOf(ext), names = ownNames(proto);
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (!startsWith(name, 'draw') && !startsWith(name, 'multiDraw')) continue;
        const d = ownProp(proto, name);
        const original = d && apply(hasOwn, Object, [d, 'value']) ? d.value : null;
        if (typeof original !== 'function' || wsHas(hooked, original)) continue;
        const wrapped = disguise(original, function () { mark(c, name); return apply(original, this, arguments); });
        wsAdd(hooked, wrapped);
        try { define(ext, name, data(wrapped, false)); } catch (e) {}
      }
      return ext;
    });
  }
  // Drawn where these hooks cannot see (a worker's OffscreenCanvas): its pixels decide.
  const transfer = HTMLCanvasElement.prototype.transferControlToOffscreen;
  if (typeof transfer === 'function') {
    install(HTMLCanvasElement.prototype, 'transferControlToOffscreen', function () {
      mark(this, 'transferControlToOffscreen');
      return apply(transfer, this, arguments);
    });
  }

  // Work the page has scheduled: a page with none (no timer, frame callback, animation, worker) cannot change
  // on its own, so watching it longer cannot tell anything more. A timer of the page's is forgotten by a timer
  // of ours with the same delay, set just after it, so it fires after it (the page's callback runs unwrapped).
  const timeouts = new Set(), intervals = new Set();
  s.pending = () => setSize(timeouts) + setSize(intervals) + mapSize(asked) + s.workers;
  if (own) {
    // The page's console reaches the check as it reaches no one in a person's browser (DevTools closed): the
    // check's DevTools connection would describe each object logged, calling the page's own toString and
    // getters. An error goes on with its primitive arguments, a real error as its name and message (below),
    // any other object as "[object]"; anything else logged is dropped.
    const methods = Object.keys(console);
    for (let i = 0; i < methods.length; i++) {
      const name = methods[i];
      if (typeof console[name] !== 'function') continue;
      install(console, name, name !== 'error' ? function () {} : function () {
        const out = [];
        for (let j = 0; j < arguments.length; j++) define(out, j, data(plain(arguments[j]), true));
        apply(errorOut, console, out);
      });
    }
    const setT = window.setTimeout, clearT = window.clearTimeout, setI = window.setInterval;
    const clearI = window.clearInterval;
    // The twins are ours: a page clearing every timer id there could be (as some games reset) does not clear
    // them, which would leave its timers counted as pending for good.
    const twins = new Set();
    install(window, 'setTimeout', function (fn, delay) {
      const id = apply(setT, window, arguments);
      // A delay the browser converted with the page's own code (an object's valueOf) is not converted again.
      if (delay === undefined || typeof delay === 'number' || typeof delay === 'string') {
        setAdd(timeouts, id);
        const twin = apply(setT, window, [() => { setDelete(timeouts, id); setDelete(twins, twin); }, delay]);
        setAdd(twins, twin);
      }
      return id;
    });
    // Either clear function clears either kind of timer.
    const clear = (native) => function (id) {
      if (typeof id === 'number' && setHas(twins, id)) return undefined;
      setDelete(timeouts, id); setDelete(intervals, id);
      return apply(native, window, arguments);
    };
    install(window, 'clearTimeout', clear(clearT));
    install(window, 'setInterval', function () {
      const id = apply(setI, window, arguments); setAdd(intervals, id); return id;
    });
    install(window, 'clearInterval', clear(clearI));
    const workers = ['Worker', 'SharedWorker'];
    for (let i = 0; i < workers.length; i++) {
      const W = window[workers[i]];
      if (typeof W !== 'function') continue;
      const proxy = new Proxy(W, {
        __proto__: null,
        construct(target, args, nt) { s.workers++; return construct(target, args, nt); },
      });
      define(window, workers[i], data(proxy, false));
      wmSet(natives, proxy, W);
    }
  }

  // A real error (Error.isError: no Proxy trap runs) as "Name: message", read without running the page's code:
  // its own message if that is a plain string, and its name if its prototype is a built-in error's (a page's
  // class is "Error": asking for a prototype's prototype could run a trap). Never throws.
  const ErrorC = Error, isError = Error.isError;
  const NAMES = new Map();
  const named = ['Error', 'TypeError', 'ReferenceError', 'SyntaxError', 'RangeError', 'URIError', 'EvalError',
                 'AggregateError'];
  for (let i = 0; i < named.length; i++) if (window[named[i]]) NAMES.set(window[named[i]].prototype, named[i]);
  const DOMEx = window.DOMException, domName = getter(DOMEx, 'name'), domMessage = getter(DOMEx, 'message');
  const errorParts = (v) => {
    try {
      if (!isError || !apply(isError, ErrorC, [v])) return null;
      const proto = protoOf(v);  // of a real error, not a Proxy: no trap runs
      if (DOMEx && proto === DOMEx.prototype) return [domName(v), domMessage(v)];
      const message = plainValue(v, 'message', '');
      return [mapGet(NAMES, proto) || 'Error', typeof message === 'string' ? sliceText(message, 0, 2000) : ''];
    } catch (e) {
      return null;
    }
  };
  const plain = (v) => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
    if (typeof v === 'function') return '[function]';
    const parts = errorParts(v);
    return parts ? (parts[1] ? parts[0] + ': ' + parts[1] : parts[0]) : '[object]';
  };

  const getContext = HTMLCanvasElement.prototype.getContext;
  install(HTMLCanvasElement.prototype, 'getContext', function (type) {
    const ctx = apply(getContext, this, arguments);
    if (ctx && typeof type === 'string') {
      wmSet(s.contextOf, this, type);
      s.contexts[type] = (s.contexts[type] || 0) + 1;
    }
    return ctx;
  });

  // Errors the page hides from the browser: ours is the first listener, so it sees each uncaught error, and
  // after the dispatch it reads whether a later handler marked it handled (then the browser said nothing). Read
  // through the browser's own getters, taken now; its location from the event (reading an error's stack would
  // run the page's Error.prepareStackTrace, which no person's browser does for an error the page handled).
  const prevented = getter(window.Event, 'defaultPrevented'), errorOf = getter(window.ErrorEvent, 'error');
  const messageOf = getter(window.ErrorEvent, 'message'), reasonOf = getter(window.PromiseRejectionEvent, 'reason');
  const fileOf = getter(window.ErrorEvent, 'filename'), lineOf = getter(window.ErrorEvent, 'lineno');
  const columnOf = getter(window.ErrorEvent, 'colno'), trusted = getter(window.Event, 'isTrusted');
  const quote = (v) => (typeof v === 'string' ? stringify(v) : 'null');
  const report = (e, err, fallback, where) => later(() => {
    try {
      if (!prevented(e)) return;
      const parts = errorParts(err);
      const name = parts ? parts[0] : null, message = parts ? parts[1] : fallback;
      debug('__THREW__ [' + quote(name) + ',' + quote(message) + ',' + quote(where) + ']');
    } catch (x) {}
  }, 0);
  const isTrusted = (e) => { try { return trusted ? trusted(e) : e.isTrusted; } catch (x) { return false; } };
  if (prevented && errorOf && messageOf) {
    window.addEventListener('error', (e) => {
      let err, text = null, where = null;
      try {  // the getter refuses any event but an ErrorEvent: a file that failed to load is not a throw
        if (!isTrusted(e)) return;
        err = errorOf(e);
        text = messageOf(e);
        text = typeof text === 'string' && startsWith(text, 'Uncaught ') ? sliceText(text, 9) : text;
        const file = fileOf(e);
        where = 'at ' + file + ':' + lineOf(e) + ':' + columnOf(e);
      } catch (x) { return; }
      report(e, err, typeof text === 'string' ? text : null, where);
    }, true);
  }
  if (prevented && reasonOf) {
    window.addEventListener('unhandledrejection', (e) => {
      if (!isTrusted(e)) return;
      const reason = reasonOf(e);
      report(e, reason, typeof reason === 'string' ? sliceText(reason, 0, 2000) : null, null);
    }, true);
  }

  const INPUT = ['key', 'mouse', 'pointer', 'touch', 'click', 'dblclick', 'wheel', 'contextmenu', 'drag'];
  const listen = EventTarget.prototype.addEventListener;
  install(EventTarget.prototype, 'addEventListener', function (type) {
    if (typeof type === 'string') {
      for (let i = 0; i < INPUT.length; i++) {
        if (startsWith(type, INPUT[i])) { s.inputs[type] = (s.inputs[type] || 0) + 1; break; }
      }
    }
    return apply(listen, this, arguments);
  });
  // What the check reads of all this, through DevTools (never from the page's world, which the page can patch):
  // the counts, and each canvas's context and first drawing call in document order (the check's isolated world
  // finds the same canvases in the same order).
  const doc = document, byTag = call(Document.prototype.getElementsByTagName);
  const itemOf = call(HTMLCollection.prototype.item), lengthOf = call(ownProp(HTMLCollection.prototype, 'length').get);
  s.report = () => {
    const list = byTag(doc, 'canvas'), canvases = [];
    for (let i = 0; i < lengthOf(list); i++) {
      const c = itemOf(list, i);
      define(canvases, i, data([wmGet(s.contextOf, c) || null, wmGet(s.drawnOn, c) || null], true));
    }
    return { __proto__: null, frames: s.frames, pending: s.pending(), contexts: s.contexts, inputs: s.inputs,
             canvases };
  };
  if (own) {
    debug('__HANDOFF__', s);
    beat();
    // On scheduler tasks: a page that cleared every timer id (as some games reset) stopped a heartbeat on a
    // timer, and then a busy page that kept finishing tasks read as not responding.
    const loop = () => { beat(); postTask(loop, nextBeat); };
    if (postTask) postTask(loop, nextBeat); else timer(beat, __HEARTBEAT_MS__);
  }
})();
