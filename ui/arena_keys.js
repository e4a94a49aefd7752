// The arena's keys and vote buttons, queued in the browser so that none is lost while a script run is busy.
// Every key (and every click on an arena button) gets a sequence number and goes to Python with all the
// keys it has not confirmed yet; Python applies each once, in order (canvasbench/arena/session.py), and
// sends back how far it got (data.acked). Until then this script shows the outcome at once by replaying
// the same rules: the vote, the reveal hidden again after an undo, the prepared next pair in its slot.
// Our own code in the app's page (a Streamlit component); it never touches a preview's frames (it only reads
// whether the pair's frames have loaded). On a visit's first draw Python holds the next pair back, so the pair on
// screen loads alone: once it has (and the page is idle), this asks for the next one, which loads hidden.
const VOTES = { a: "left", b: "right", t: "tie", x: "both_bad" };
const LABELS = { left: "A is better", right: "B is better", tie: "Tie", both_bad: "Both are bad" };
// The slot not on screen keeps its width and its frames' heights (so showing it is only a style change, with
// nothing to lay out or measure again) but takes no room, draws nothing and takes no clicks.
const PARKED = [
  'body[data-arena-slot="0"] .st-key-arena-slot-1',
  'body[data-arena-slot="1"] .st-key-arena-slot-0',
  'body[data-arena-slot="none"] .st-key-arena-slot-0',
  'body[data-arena-slot="none"] .st-key-arena-slot-1',
];
const HIDDEN = [
  'body[data-arena-state="vote"] .st-key-arena-afterbar',
  'body[data-arena-state="voted"] .st-key-arena-votebar',
  "body[data-arena-pending] .st-key-arena-saved",
  'body[data-arena-reveal="off"] [class*="st-key-arena-reveal-"]',
];
const ATTRS = ["arenaSlot", "arenaState", "arenaReveal", "arenaPending"];

function editable(target) {
  return !!(target && target.closest && target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
}

// Keys count while the arena's element is in the page, also between two mounts of this script on a rerun.
function listening(g) {
  return g.active || !!(g.root && g.root.isConnected);
}

function local(g) {
  const d = g.data || {};
  let pair = typeof d.pair === "number" ? d.pair : null;
  let voted = d.voted || null;
  for (const [, key] of g.queue) {
    if (pair === null) continue;
    if (VOTES[key]) { if (!voted) voted = VOTES[key]; }
    else if (key === "u") voted = null;
    else if (key === "n" && voted) { pair += 1; voted = null; }
  }
  return { pair, voted, pending: g.queue.length > 0 };
}

function render(g) {
  if (!g.active) return;
  const d = g.data || {};
  const now = local(g);
  const ahead = now.pair === null ? null : now.pair - d.pair;
  const ready = ahead === 0 || (ahead === 1 && d.next);
  const body = document.body.dataset;
  body.arenaSlot = now.pair !== null && ready ? String(now.pair % 2) : "none";
  body.arenaState = now.voted ? "voted" : "vote";
  body.arenaReveal = ahead === 0 && now.voted ? "on" : "off";
  if (now.pending) body.arenaPending = "1"; else delete body.arenaPending;
  let text = "";
  if (now.pending && now.pair !== null && !ready) text = "Loading the next pair…";
  else if (now.pending && now.voted) text = "Your vote: " + LABELS[now.voted] + " · saving…";
  else if (now.pending) text = "Saving…";
  const status = g.root && g.root.querySelector(".status");
  if (status && status.textContent !== text) status.textContent = text;
}

function flush(g) {
  if (!g.active || !g.send || g.sent >= g.seq) return;
  g.sent = g.seq;
  g.send("keys", { epoch: g.epoch, keys: g.queue.map((k) => k.slice()) });
}

function push(g, key) {
  g.seq += 1;
  g.queue.push([g.seq, key]);
  render(g);
  flush(g);
}

// Ask for the next pair once the pair on screen has loaded (each frame's document complete, its page included),
// or after 5 s whatever it does; at a moment the page is idle.
function askForNext(g) {
  if (g.asking) return;
  g.asking = true;
  const since = performance.now();
  const wait = () => {
    const d = g.data || {};
    const slot = typeof d.pair === "number" ? document.querySelector(".st-key-arena-slot-" + (d.pair % 2)) : null;
    const frames = slot ? Array.from(slot.querySelectorAll("iframe")) : [];
    const loaded = frames.length >= 2 && frames.every((f) => {
      try { return !f.contentDocument || f.contentDocument.readyState === "complete"; } catch (e) { return true; }
    });
    if (!loaded && performance.now() - since < 5000) { setTimeout(wait, 100); return; }
    const ask = () => {
      g.asking = false;
      // A value that changes: the same one sent again would not reach Python.
      if (g.active && g.send && (g.data || {}).prepare) g.send("prepare", Date.now());
    };
    if (window.requestIdleCallback) window.requestIdleCallback(ask, { timeout: 1000 }); else setTimeout(ask, 0);
  };
  wait();
}

function state() {
  let g = window.__canvasbenchArena;
  if (g) return g;
  g = window.__canvasbenchArena = {
    epoch: Math.random().toString(36).slice(2) + Date.now().toString(36),
    seq: 0, sent: 0, queue: [], active: false, data: null, send: null, root: null, asking: false,
  };
  // Capture phase on the document: ahead of Streamlit's own handlers, whatever has the focus in the app.
  document.addEventListener("keydown", (e) => {
    if (!listening(g) || e.ctrlKey || e.metaKey || e.altKey || e.repeat || e.isComposing || editable(e.target)) return;
    const key = (e.key || "").toLowerCase();
    if (!(key in VOTES) && key !== "u" && key !== "n") return;
    e.preventDefault();
    push(g, key);
  }, true);
  // A click on an arena button joins the same queue, so a click and keys stay in the order they were made.
  document.addEventListener("click", (e) => {
    if (!listening(g) || !e.target || !e.target.closest) return;
    const button = e.target.closest("button");
    const holder = button && button.closest('[class*="st-key-arena-act-"]');
    if (!holder) return;
    const name = Array.from(holder.classList).find((c) => c.startsWith("st-key-arena-act-"));
    e.preventDefault();
    e.stopPropagation();
    push(g, name.slice("st-key-arena-act-".length));
  }, true);
  const style = document.createElement("style");
  // The slot's own block keeps its size and is invisible; the wrapper Streamlit puts around it is clipped to
  // no height (and pulled up by the gap it would leave).
  style.textContent = HIDDEN.join(",\n") + " { display: none !important; }\n" +
    PARKED.join(",\n") + " { visibility: hidden !important; pointer-events: none !important; }\n" +
    PARKED.map((rule) => rule.replace(/ (\S+)$/, " div:has(> $1)")).join(",\n") +
    " { height: 0 !important; min-height: 0 !important; overflow: hidden !important; margin-top: -1rem; }";
  document.head.appendChild(style);
  return g;
}

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const g = state();
  g.data = data || {};
  g.send = setStateValue;
  if (g.root !== parentElement) g.sent = 0;  // a new element: send every key not confirmed (Python skips repeats)
  g.root = parentElement;
  g.active = true;
  if (g.data.epoch === g.epoch) g.queue = g.queue.filter((k) => k[0] > g.data.acked);
  if (!g.queue.length) g.sent = g.seq;
  render(g);
  flush(g);  // keys pressed between two mounts
  if (g.data.prepare) askForNext(g);
  return () => {
    g.active = false;
    // Re-mounted at once on a rerun; only a page that no longer has the arena loses the attributes.
    setTimeout(() => {
      if (!g.active) ATTRS.forEach((name) => { delete document.body.dataset[name]; });
    }, 0);
  };
}
