"""Pages that keep state in localStorage, sessionStorage or cookies run in the sandbox, in real Chromium.

The sandbox's opaque origin makes every read of them throw; a game that loads its high score on its first
line would be `crashed` here and work for the user who saves and opens it. The stand-ins live in memory,
for one page's life, and hold nothing of the app's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from canvasbench.render import CheckLimits, RenderEngine, check_artifact
from canvasbench.render.processes import chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed"),
]
LIMITS = CheckLimits(load_timeout_s=15.0, sample_s=1.5, step_timeout_s=10.0)

HIGH_SCORE_GAME = """<!DOCTYPE html><html><head><title>Snake</title></head><body style="margin:0;background:#111">
<canvas id="c" width="600" height="400"></canvas>
<script>
let best = parseInt(localStorage.getItem('snake-best') || '0');
const seen = document.cookie.includes('seen=1'); document.cookie = 'seen=1; max-age=31536000';
const ctx = document.getElementById('c').getContext('2d');
let x = 0;
function frame() {
  ctx.fillStyle = '#111'; ctx.fillRect(0, 0, 600, 400);
  ctx.fillStyle = '#0f0'; ctx.fillRect(x % 560, 200, 40, 40);
  ctx.fillStyle = '#fff'; ctx.font = '20px sans-serif'; ctx.fillText('Best: ' + best + (seen ? '' : ' (new)'), 10, 30);
  x += 4; if (x > best) { best = x; localStorage.setItem('snake-best', best); }
  requestAnimationFrame(frame);
}
frame();
</script></body></html>"""

# Each line is one thing a page does with storage; the page throws naming the ones that went wrong.
SEMANTICS = """<!DOCTYPE html><html><body style="margin:0;background:#000">
<canvas id="c" width="400" height="300"></canvas>
<script>
const checks = {
  'setItem/getItem': () => { localStorage.setItem('a', 1); return localStorage.getItem('a') === '1'; },
  'property access': () => {
    localStorage.b = 'x'; return localStorage.getItem('b') === 'x' && localStorage['b'] === 'x';
  },
  'length and keys': () => localStorage.length === 2 && Object.keys(localStorage).sort().join() === 'a,b',
  'removeItem': () => { localStorage.removeItem('a'); return localStorage.getItem('a') === null; },
  'missing is null': () => localStorage.getItem('nothing') === null && localStorage.nothing === undefined,
  'hasOwnProperty': () => localStorage.hasOwnProperty('b') && !localStorage.hasOwnProperty('a'),
  'sessionStorage JSON': () => {
    sessionStorage.setItem('s', JSON.stringify({v: 2})); return JSON.parse(sessionStorage.getItem('s')).v === 2;
  },
  'two separate stores': () => localStorage.getItem('s') === null,
  'clear': () => { localStorage.clear(); return localStorage.length === 0 && localStorage.key(0) === null; },
  'cookies': () => {
    document.cookie = 'seen=1; path=/'; document.cookie = 'n=2'; return document.cookie === 'seen=1; n=2';
  },
  'expired cookie goes': () => {
    document.cookie = 'seen=; expires=Thu, 01 Jan 1970 00:00:00 GMT'; return document.cookie === 'n=2';
  },
  'looks like a Storage': () => String(localStorage) === '[object Storage]',
};
const failed = Object.keys(checks).filter(name => { try { return !checks[name](); } catch (e) { return true; } });
const ctx = document.getElementById('c').getContext('2d');
ctx.fillStyle = failed.length ? '#c00' : '#0c0'; ctx.fillRect(50, 50, 300, 200);
if (failed.length) throw new Error('storage went wrong: ' + failed.join(', '));
</script></body></html>"""


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    """One browser for the file."""
    eng = RenderEngine(max_concurrent=1)
    yield eng
    eng.close()


def test_a_game_that_keeps_its_high_score_in_local_storage_renders(engine: RenderEngine) -> None:
    check = check_artifact(HIGH_SCORE_GAME, "html", limits=LIMITS, engine=engine)
    assert check.verdict == "renders", check.evidence
    assert check.js_errors == 0 and check.animates is True


def test_storage_and_cookies_behave_as_a_browser_s_do_within_the_page(engine: RenderEngine) -> None:
    check = check_artifact(SEMANTICS, "html", limits=LIMITS, engine=engine)
    assert check.verdict == "renders", check.evidence
    assert check.js_errors == 0, check.errors
