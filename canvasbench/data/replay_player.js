// Race replay player (canvasbench.present.replay). Model output arrives as JSON text and only ever enters the
// DOM as text nodes; a finished lane's preview is our sandboxed preview document in a sandboxed frame.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("replay-data").textContent);
  var TAIL = 36;  // lines of the arriving code shown per lane...
  var TAIL_CHARS = 4000;  // ...and characters: a minified line of 100 kB is not painted on every frame
  var SPEEDS = [1, 2, 5, 10];
  var COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d"];
  var root = document.getElementById("replay");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // What the replay shows at t: linear between the samples either side of t (as shown_chars in Python).
  function shownChars(points, t) {
    if (!points.length || t < points[0][0]) return 0;
    var lo = 0, hi = points.length - 1;
    if (t >= points[hi][0]) return points[hi][1];
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (points[mid][0] <= t) lo = mid; else hi = mid; }
    var a = points[lo], b = points[hi];
    if (b[0] <= a[0]) return b[1];
    return Math.floor(a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0]));
  }

  // The timeline counts characters as Python does (code points); the page's strings count UTF-16 units.
  function astralAt(text) {
    var out = [];
    for (var i = 0, cp = 0; i < text.length; i++, cp++) {
      var hi = text.charCodeAt(i), lo = text.charCodeAt(i + 1);
      if (hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) { out.push(cp); i++; }
    }
    return out;
  }
  function unit(seg, cp) {
    var a = seg.astral, lo = 0, hi = a.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid] < cp) lo = mid + 1; else hi = mid; }
    return cp + lo;
  }

  // Line ends as count_lines sees them: \r\n, \r and \n each end a line.
  function lineEnds(text) {
    var ends = [];
    for (var i = 0; i < text.length; i++) {
      var ch = text.charCodeAt(i);
      if (ch === 10 || (ch === 13 && text.charCodeAt(i + 1) !== 10)) ends.push(i);
    }
    return ends;
  }
  function linesAt(seg, cp) {
    if (cp <= 0) return 0;
    var c = unit(seg, cp), ends = seg.ends, lo = 0, hi = ends.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (ends[mid] < c) lo = mid + 1; else hi = mid; }
    var last = seg.text.charCodeAt(c - 1);
    if (last === 13) return lo + 1;  // a \r whose \n has not arrived yet already ends its line
    return lo + (last === 10 ? 0 : 1);
  }

  // A small highlighter for the visible tail only: comments, strings, tags, numbers, keywords.
  var TOKEN = /(<!--[\s\S]*?(?:-->|$)|\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*)|("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\.)*`?)|(<\/?[A-Za-z][\w:-]*|\/?>)|(\b\d+(?:\.\d+)?\b)|(\b(?:function|const|let|var|return|if|else|for|while|new|class|this|import|export|from|async|await|true|false|null|undefined)\b)/g;
  var CLASSES = ["c", "s", "g", "n", "k"];
  function paint(box, text) {
    var frag = document.createDocumentFragment(), last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      for (var g = 1; g <= 5; g++) if (m[g] !== undefined) break;
      frag.appendChild(el("span", CLASSES[g - 1], m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
    frag.appendChild(el("span", "caret"));
    var tail = el("div", "tail");  // bottom-aligned by the stylesheet: older lines leave at the top
    tail.appendChild(frag);
    box.replaceChildren(tail);
  }

  function tailStart(text, c) {  // where the last TAIL lines (at most TAIL_CHARS) of the first c characters begin
    var from = Math.max(0, c - TAIL_CHARS), code = text.charCodeAt(from);
    if (code >= 0xdc00 && code <= 0xdfff) from++;  // never half an emoji
    return Math.max(from, linesBack(text, c));
  }
  function linesBack(text, c) {
    var at = c;
    for (var k = 0; k < TAIL; k++) {
      if (at <= 0) return 0;
      at = text.lastIndexOf("\n", at - 1);
      if (at < 0) return 0;
    }
    return at + 1;
  }

  function fmtTime(s) {
    if (s < 60) return s.toFixed(1) + " s";
    var m = Math.floor(s / 60);
    return m + ":" + String(Math.floor(s - 60 * m)).padStart(2, "0");
  }

  // A lane is one contestant; its segments are its repair rounds (one segment without rounds), played in turn.
  var lanes = DATA.lanes.map(function (lane, i) {
    lane.segments.forEach(function (seg) {
      seg.ends = lineEnds(seg.text);
      seg.astral = astralAt(seg.text);
      seg.total = seg.text.length - seg.astral.length;
    });
    lane.color = COLORS[i % COLORS.length];
    lane.shown = -1;
    lane.seg = null;
    lane.finished = null;
    lane.coarse = Math.max.apply(null, [0].concat(lane.segments.map(function (g) { return g.coarse || 0; })));
    return lane;
  });
  function segmentAt(lane, t) {
    var segs = lane.segments;
    for (var k = 0; k < segs.length - 1; k++) if (t < segs[k].end) return segs[k];
    return segs[segs.length - 1];
  }
  var duration = Math.max.apply(null, [0.001].concat(lanes.map(function (l) { return l.end; })));
  var maxLines = 1;
  lanes.forEach(function (l) { l.segments.forEach(function (g) { maxLines = Math.max(maxLines, linesAt(g, g.total)); }); });

  // --- layout ------------------------------------------------------------------------------------
  var bar = el("div", "bar");
  var play = el("button", "play", "Pause");
  play.type = "button";
  var speed = el("select", "speed");
  speed.setAttribute("aria-label", "Speed");
  SPEEDS.forEach(function (s) { var o = el("option", "", s + "×"); o.value = String(s); speed.appendChild(o); });
  var scrub = el("input", "scrub");
  scrub.type = "range"; scrub.min = "0"; scrub.max = "1000"; scrub.step = "1"; scrub.value = "0";
  scrub.setAttribute("aria-label", "Replay position");
  var toEnd = el("button", "end", "Jump to end");
  toEnd.type = "button";
  var clock = el("span", "clock");
  bar.append(play, speed, scrub, toEnd, clock);

  var grid = el("div", "lanes");
  grid.style.gridTemplateColumns = "repeat(" + Math.min(Math.max(lanes.length, 1), 4) + ", minmax(0, 1fr))";
  lanes.forEach(function (lane) {
    var box = el("section", "lane");
    box.style.borderTopColor = lane.color;
    var head = el("div", "head");
    head.append(el("b", "name", lane.name));
    if (lane.segments.length > 1) { lane.roundEl = el("span", "round", ""); head.append(lane.roundEl); }
    if (lane.coarse > 0) {
      var mark = el("span", "coarse", "sparse timeline");
      mark.title = "Recorded before dense timelines: this replay moves in steps of up to " + lane.coarse + "% of the text.";
      head.append(mark);
    }
    var stats = el("div", "stats");
    lane.linesEl = el("span", "", ""); lane.rateEl = el("span", "", ""); lane.timeEl = el("span", "", "");
    stats.append(lane.linesEl, lane.rateEl, lane.timeEl);
    lane.code = el("pre", "code");
    lane.stage = el("div", "stage");
    lane.stage.append(lane.code);
    box.append(head, stats, lane.stage);
    lane.box = box;
    grid.append(box);
  });

  var NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    var node = document.createElementNS(NS, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }
  var chart = svg("svg", {viewBox: "0 0 1000 160", preserveAspectRatio: "none", class: "chart", role: "img"});
  chart.setAttribute("aria-label", "Lines over time");
  lanes.forEach(function (lane) {
    lane.segments.forEach(function (seg) {
      var pts = seg.points.map(function (p) {
        return (p[0] / duration * 1000).toFixed(1) + "," + (155 - linesAt(seg, p[1]) / maxLines * 150).toFixed(1);
      });
      chart.append(svg("polyline", {points: pts.join(" "), fill: "none", stroke: lane.color, "stroke-width": "2",
        "vector-effect": "non-scaling-stroke"}));
    });
  });
  var cursor = svg("line", {x1: 0, x2: 0, y1: 0, y2: 160, stroke: "#6b7280", "stroke-width": "1.5",
    "vector-effect": "non-scaling-stroke", class: "cursor"});
  chart.append(cursor);
  var legend = el("div", "legend");
  lanes.forEach(function (lane) {
    var item = el("span", "item", lane.name);
    item.style.setProperty("--c", lane.color);
    legend.append(item);
  });
  var chartBox = el("div", "chartbox");
  chartBox.append(el("div", "charttitle", "Lines over time"), chart, legend);
  root.append(bar, grid, chartBox);

  // --- drawing ------------------------------------------------------------------------------------
  function showPreview(lane, on) {
    if (on === lane.finished) return;
    lane.finished = on;
    lane.stage.classList.toggle("done", on);
    if (on) {
      lane.code.hidden = true;
      if (lane.preview) {
        var frame = el("iframe", "preview");
        frame.setAttribute("sandbox", DATA.sandbox);
        frame.setAttribute("allow", "fullscreen");
        frame.setAttribute("referrerpolicy", "no-referrer");
        frame.title = lane.name + " preview";
        if (lane.viewport) frame.style.aspectRatio = lane.viewport[0] + " / " + lane.viewport[1];
        frame.srcdoc = lane.preview;  // a string property: our wrapper document, never parsed into this page
        lane.stage.append(frame);
        lane.frame = frame;
      } else {
        lane.frame = el("div", "nopage", lane.note ? lane.note : lane.status === "done" ?
          "No page to preview in this answer." : "This run ended as '" + (lane.status || "no page") + "'.");
        lane.stage.append(lane.frame);
      }
    } else {
      if (lane.frame) lane.frame.remove();
      lane.frame = null;
      lane.code.hidden = false;
    }
  }

  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

  function drawLane(lane, t) {
    var seg = segmentAt(lane, t);
    var c = shownChars(seg.points, t);
    var done = t >= lane.end;
    if (c !== lane.shown || seg !== lane.seg) {
      lane.shown = c;
      lane.seg = seg;
      var u = unit(seg, c);
      paint(lane.code, seg.text.slice(tailStart(seg.text, u), u));
      setText(lane.linesEl, linesAt(seg, c).toLocaleString("en") + " lines");
      if (lane.roundEl) {
        // A recipe's lane starts with its planner's design (round -1): "plan", then its rounds counted apart.
        var planned = lane.segments[0].round === -1 ? 1 : 0;
        setText(lane.roundEl, seg.round === -1 ? "plan" :
          "round " + (lane.segments.indexOf(seg) + 1 - planned) + " of " + (lane.segments.length - planned));
      }
    }
    var first = seg.ttft === null || seg.ttft === undefined ? seg.points[0][0] : seg.ttft;
    var since = Math.min(t, seg.end) - first;
    var tokens = seg.tokens ? seg.tokens * c / Math.max(seg.total, 1) : c / 4;  // unknown: about 4 chars a token
    setText(lane.rateEl, c > 0 && since > 0 ?
      (seg.tokens ? "" : "≈") + Math.round(tokens / since).toLocaleString("en") + " tok/s" :
      "waiting for the first token");
    setText(lane.timeEl, fmtTime(Math.min(t, lane.end)));
    showPreview(lane, done);
  }

  var now = 0, playing = true, last = null;
  var stats = {render: [], interval: [], previews: []};  // per frame: our work, the frame's interval, previews shown
  function render() {
    var began = performance.now();
    lanes.forEach(function (lane) { drawLane(lane, now); });
    cursor.setAttribute("x1", now / duration * 1000);
    cursor.setAttribute("x2", now / duration * 1000);
    scrub.value = String(Math.round(now / duration * 1000));
    setText(clock, fmtTime(now) + " / " + fmtTime(duration));
    setText(play, playing ? "Pause" : (now >= duration ? "Replay" : "Play"));
    stats.render.push(performance.now() - began);
    stats.previews.push(lanes.filter(function (l) { return l.finished; }).length);
  }
  var scheduled = false;  // one animation loop at most, however quickly pause and play follow each other
  function schedule() { if (!scheduled) { scheduled = true; requestAnimationFrame(frame); } }
  function frame(stamp) {
    scheduled = false;
    if (!playing) { last = null; return; }
    if (last !== null) {
      stats.interval.push(stamp - last);
      // A hidden tab gets no frames: on its return the replay goes on from where it was, not minutes later.
      now = Math.min(duration, now + Math.min(stamp - last, 250) / 1000 * Number(speed.value));
    }
    last = stamp;
    if (now >= duration) playing = false;
    render();
    if (playing) schedule();
  }
  function start() { if (!playing) { playing = true; last = null; schedule(); } }
  function seek(t) { playing = false; now = Math.max(0, Math.min(duration, t)); render(); }

  play.addEventListener("click", function () {
    if (playing) { playing = false; render(); return; }
    if (now >= duration) now = 0;
    start();
  });
  scrub.addEventListener("input", function () { seek(Number(scrub.value) / 1000 * duration); });
  toEnd.addEventListener("click", function () { seek(duration); });
  chart.addEventListener("click", function (e) {
    var box = chart.getBoundingClientRect();
    seek((e.clientX - box.left) / box.width * duration);
  });

  // The hook tests and the benchmark drive the player with: a time of their choosing instead of the clock.
  window.replay = {
    duration: duration,
    seek: seek,
    play: start,
    pause: function () { playing = false; render(); },
    setSpeed: function (s) { speed.value = String(s); },
    state: function () {
      return lanes.map(function (lane) {
        var seg = segmentAt(lane, now), c = shownChars(seg.points, now);
        return {name: lane.name, chars: c, lines: linesAt(seg, c), finished: !!lane.finished,
          round: lane.segments.indexOf(seg) + 1,
          preview: !!(lane.frame && lane.frame.tagName === "IFRAME")};
      });
    },
    shownText: function (i) {
      var seg = segmentAt(lanes[i], now);
      return seg.text.slice(0, unit(seg, shownChars(seg.points, now)));
    },
    stats: function () { return stats; },
    time: function () { return now; }
  };
  render();
  schedule();
})();
