'use strict';
// The code is hostile text: it only ever enters the DOM as text nodes. Colours come as class numbers and
// lengths; rows are built a block at a time as they near the screen, so 10,000 lines open at once.
const D = JSON.parse(document.getElementById('data').textContent);
const view = document.getElementById('view'), q = document.getElementById('q'), info = document.getElementById('info');
const diff = D.mode === 'diff';
const CLS = D.classes || [''];
const BLOCK = 100;  // rows per lazily built block
const items = [];  // per displayed row: {no, texts, toks} or {fold}
if (diff){
  for (const [tag, ln, lt, rn, rt] of D.rows){
    items.push(tag === 'fold' ? {fold: ln} : {tag, no: ln || rn, nos: [ln, rn], texts: [lt, rt], toks: [null, null]});
  }
} else {
  const lines = D.text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const toks = D.tokens || [];
  lines.forEach((t, i) => items.push({no: i + 1, texts: [t], toks: [toks[i] || null]}));
}
const digits = String(items.reduce((m, it) => Math.max(m, ...(it.nos || [it.no || 0])), 1)).length;
view.style.setProperty('--nw', (digits + 1) + 'ch');
const summary = () => diff ? D.summary : items.length.toLocaleString() + ' lines';

function el(tag, cls, text){
  const d = document.createElement(tag); if (cls) d.className = cls; if (text !== undefined) d.textContent = text; return d;
}

// Search state: matches as [row, side, start]; byCell maps row*2+side to its starts.
let needle = '', hits = [], byCell = new Map(), at = -1;

// One cell's text, cut where a colour or a match starts or ends; a match across colours is one <mark>.
function paintCell(c, i, k){
  const it = items[i], text = it.texts[k], toks = it.toks[k] || [], starts = byCell.get(i * 2 + k) || [];
  c.textContent = '';
  if (!toks.length && !starts.length){ c.textContent = text; return; }
  const cur = at >= 0 && hits[at][0] === i && hits[at][1] === k ? hits[at][2] : -1;
  const len = needle.length;
  let pos = 0, ti = 0, tokEnd = 0, cls = '', mi = 0, mark = null;
  while (pos < text.length){
    while (pos >= tokEnd){
      if (ti < toks.length){ cls = CLS[toks[ti]] || ''; tokEnd = tokEnd + toks[ti + 1]; ti += 2; }
      else { cls = ''; tokEnd = text.length; break; }
    }
    while (mi < starts.length && starts[mi] + len <= pos){ mi++; mark = null; }
    const inMatch = mi < starts.length && starts[mi] <= pos;
    let end = Math.min(tokEnd, text.length);
    if (inMatch) end = Math.min(end, starts[mi] + len);
    else if (mi < starts.length) end = Math.min(end, starts[mi]);
    const piece = text.slice(pos, end);
    let parent = c;
    if (inMatch){
      if (!mark){ mark = el('mark', starts[mi] === cur ? 'cur' : ''); c.appendChild(mark); }
      parent = mark;
    } else mark = null;
    parent.appendChild(cls ? el('span', cls, piece) : document.createTextNode(piece));
    pos = end;
  }
}

function buildRow(i){
  const it = items[i];
  if (it.fold !== undefined) return el('div', 'row fold', '⋯ ' + it.fold + ' unchanged lines ⋯');
  if (!diff){
    const r = el('div', 'row');
    r.appendChild(el('span', 'n', String(it.no)));
    const t = el('span', 't'); paintCell(t, i, 0); r.appendChild(t);
    return r;
  }
  const r = el('div', 'row pair ' + it.tag);
  ['l', 'r'].forEach((side, k) => {
    const s = el('div', 'side ' + side);
    s.appendChild(el('span', 'n', it.nos[k] ? String(it.nos[k]) : ''));
    const t = el('span', 't'); paintCell(t, i, k); s.appendChild(t);
    r.appendChild(s);
  });
  return r;
}

const rowEls = new Array(items.length);
const blocks = [];
let rowHeight = 19.5;
function fill(b){
  if (b.filled) return;
  b.filled = true;
  const frag = document.createDocumentFragment();
  for (let i = b.from; i < b.to; i++){ rowEls[i] = buildRow(i); frag.appendChild(rowEls[i]); }
  b.el.replaceChildren(frag);
  b.el.style.height = '';
  b.el.classList.add('filled');
  observer.unobserve(b.el);
}
const observer = new IntersectionObserver(entries => {
  for (const e of entries) if (e.isIntersecting) fill(blocks[+e.target.dataset.b]);
}, {root: view, rootMargin: '800px 0px'});

function build(){
  const frag = document.createDocumentFragment();
  if (diff){
    const h = el('div', 'hdr'); h.appendChild(el('div', '', D.left_title)); h.appendChild(el('div', '', D.right_title));
    frag.appendChild(h);
  }
  for (let from = 0; from < items.length; from += BLOCK){
    const b = {el: el('div', 'blk'), from, to: Math.min(from + BLOCK, items.length), filled: false};
    b.el.dataset.b = String(blocks.length);
    blocks.push(b); frag.appendChild(b.el);
  }
  view.appendChild(frag);
  if (blocks.length) fill(blocks[0]);  // the first screen is there in the first frame
  const probe = rowEls[0];
  if (probe) rowHeight = probe.getBoundingClientRect().height || rowHeight;
  for (const b of blocks){
    if (!b.filled){ b.el.style.height = ((b.to - b.from) * rowHeight) + 'px'; observer.observe(b.el); }
  }
  info.textContent = summary();
}

function rowOf(i){ fill(blocks[Math.floor(i / BLOCK)]); return rowEls[i]; }
function repaint(i, k){
  const r = rowEls[i]; if (!r) return;  // not built yet: it is painted with the search when it is
  const cell = r.querySelectorAll('.t')[k]; if (cell) paintCell(cell, i, k);
}

function lower(it, k){
  if (!it.low) it.low = it.texts.map(t => { const l = t.toLowerCase(); return l.length === t.length ? l : null; });
  return it.low[k];
}
function search(){
  const old = byCell;
  needle = q.value.toLowerCase(); hits = []; byCell = new Map(); at = -1;
  if (needle){
    items.forEach((it, i) => {
      if (it.fold !== undefined) return;
      for (let k = 0; k < it.texts.length; k++){
        // A line whose lower case changes its length is searched as written, so offsets stay true.
        const low = lower(it, k), hay = low === null ? it.texts[k] : low, want = low === null ? q.value : needle;
        let from = 0, s, starts = null;
        while ((s = hay.indexOf(want, from)) !== -1){
          (starts || (starts = [])).push(s); hits.push([i, k, s]); from = s + want.length;
        }
        if (starts) byCell.set(i * 2 + k, starts);
      }
    });
  }
  for (const key of new Set([...old.keys(), ...byCell.keys()])) repaint(Math.floor(key / 2), key % 2);
  if (!needle){ info.textContent = summary(); return; }
  if (hits.length) go(1); else info.textContent = 'no match';
}
function go(step){
  if (!hits.length) return;
  const prev = at >= 0 ? hits[at] : null;
  at = (at + step + hits.length) % hits.length;
  if (prev) repaint(prev[0], prev[1]);
  const [i, k] = hits[at];
  rowOf(i); repaint(i, k);
  const m = rowEls[i].querySelector('mark.cur') || rowEls[i];
  m.scrollIntoView({block: 'center', inline: 'nearest'});
  info.textContent = (at + 1).toLocaleString() + ' of ' + hits.length.toLocaleString() + ' matches';
}
function goToLine(n){
  if (!n || !items.length) return;
  let i = diff ? items.findIndex(it => it.no >= n) : Math.min(n, items.length) - 1;
  if (i < 0) i = items.length - 1;
  document.querySelectorAll('.target').forEach(x => x.classList.remove('target'));
  const r = rowOf(i); r.classList.add('target'); r.scrollIntoView({block: 'center'});
}

let timer = null;
q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { timer = null; search(); }, 150); });
q.addEventListener('keydown', e => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  if (timer || q.value.toLowerCase() !== needle){ clearTimeout(timer); timer = null; search(); return; }
  go(e.shiftKey ? -1 : 1);
});
document.getElementById('next').onclick = () => go(1);
document.getElementById('prev').onclick = () => go(-1);
document.getElementById('wrap').onchange = e => view.classList.toggle('wrap', e.target.checked);
const lineBox = document.getElementById('line');
lineBox.addEventListener('keydown', e => {
  if (e.key !== 'Enter') return;
  e.preventDefault(); goToLine(parseInt(lineBox.value.replace(/[^0-9]/g, ''), 10));
});
document.getElementById('copy').onclick = () => {
  const text = diff ? D.right_text : D.text;
  const done = () => { info.textContent = 'copied ' + text.split('\n').length.toLocaleString() + ' lines'; };
  const fallback = () => {
    const ta = document.createElement('textarea'); ta.value = text; document.body.appendChild(ta); ta.select();
    try { document.execCommand('copy') ? done() : (info.textContent = 'copy blocked: select and press Ctrl+C'); }
    catch (err) { info.textContent = 'copy blocked: select and press Ctrl+C'; }
    ta.remove();
  };
  if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
  else fallback();
};
build();
