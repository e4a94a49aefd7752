const D = JSON.parse(document.getElementById('data').textContent);
const view = document.getElementById('view'), q = document.getElementById('q'), info = document.getElementById('info');
const diff = D.mode === 'diff';
const rows = [];  // per displayed row: {el, texts:[left,right] or [text], nos}
function cell(cls, text){ const d = document.createElement('div'); d.className = cls; d.textContent = text; return d; }
function build(){
  const frag = document.createDocumentFragment();
  if (diff){
    const h = document.createElement('div'); h.className = 'hdr';
    h.appendChild(cell('', D.left_title)); h.appendChild(cell('', D.right_title)); frag.appendChild(h);
    for (const [tag, ln, lt, rn, rt] of D.rows){
      const r = document.createElement('div');
      if (tag === 'fold'){ r.className = 'row fold'; r.textContent = '⋯ ' + ln + ' unchanged lines ⋯'; frag.appendChild(r); continue; }
      r.className = 'row pair ' + tag;
      const L = document.createElement('div'); L.className = 'side l';
      L.appendChild(cell('n', ln ? String(ln) : '')); L.appendChild(cell('t', lt));
      const R = document.createElement('div'); R.className = 'side r';
      R.appendChild(cell('n', rn ? String(rn) : '')); R.appendChild(cell('t', rt));
      r.appendChild(L); r.appendChild(R); frag.appendChild(r);
      rows.push({el: r, texts: [lt, rt], no: ln || rn});
    }
  } else {
    const lines = D.text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    lines.forEach((t, i) => {
      const r = document.createElement('div'); r.className = 'row';
      r.appendChild(cell('n', String(i + 1))); r.appendChild(cell('t', t));
      frag.appendChild(r); rows.push({el: r, texts: [t], no: i + 1});
    });
  }
  view.appendChild(frag);
  info.textContent = diff ? D.summary : rows.length.toLocaleString() + ' lines';
}
let hits = [], at = -1, marked = [];
function paint(row, needle, current){
  const cells = row.el.querySelectorAll('.t');
  row.texts.forEach((text, k) => {
    const c = cells[k]; if (!c) return;
    if (!needle){ c.textContent = text; return; }
    c.textContent = '';
    const low = text.toLowerCase(); let from = 0, i;
    while ((i = low.indexOf(needle, from)) !== -1){
      c.appendChild(document.createTextNode(text.slice(from, i)));
      const m = document.createElement('mark'); m.textContent = text.slice(i, i + needle.length); c.appendChild(m);
      from = i + needle.length;
    }
    c.appendChild(document.createTextNode(text.slice(from)));
  });
  row.el.classList.toggle('cur', !!current);
}
function search(){
  for (const r of marked){ r.el.classList.remove('hit', 'cur'); paint(r, ''); }
  marked = []; hits = []; at = -1;
  const needle = q.value.toLowerCase();
  if (!needle){ info.textContent = diff ? D.summary : rows.length.toLocaleString() + ' lines'; return; }
  for (const r of rows){ if (r.texts.some(t => t.toLowerCase().includes(needle))) hits.push(r); }
  for (const r of hits){ r.el.classList.add('hit'); }
  marked = hits.slice();
  if (hits.length) go(1); else info.textContent = 'no match';
}
function go(step){
  if (!hits.length) return;
  if (at >= 0) paint(hits[at], '', false);
  at = (at + step + hits.length) % hits.length;
  const needle = q.value.toLowerCase();
  paint(hits[at], needle, true);
  hits[at].el.scrollIntoView({block: 'center'});
  info.textContent = (at + 1) + ' of ' + hits.length + ' matches';
}
let timer = null;
q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 150); });
q.addEventListener('keydown', e => { if (e.key === 'Enter'){ e.preventDefault(); if (timer){ clearTimeout(timer); timer = null; if (!hits.length) { search(); return; } } go(e.shiftKey ? -1 : 1); } });
document.getElementById('next').onclick = () => go(1);
document.getElementById('prev').onclick = () => go(-1);
document.getElementById('wrap').onchange = e => view.classList.toggle('wrap', e.target.checked);
document.getElementById('line').addEventListener('keydown', e => {
  if (e.key !== 'Enter') return;
  const n = parseInt(e.target.value, 10); if (!n) return;
  const r = rows.find(r => r.no >= n) || rows[rows.length - 1]; if (!r) return;
  document.querySelectorAll('.target').forEach(x => x.classList.remove('target'));
  r.el.classList.add('target'); r.el.scrollIntoView({block: 'center'});
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
