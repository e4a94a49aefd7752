"""The code viewer in real Chromium: colours per token, search marks only the match, placeholders whole,
hostile code shown as text, readable under the dark preference. One browser for the module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canvasbench.present.code_page import viewer_page
from canvasbench.sandbox.document import sandbox_document
from tests import browser_helpers
from tests.browser_helpers import CHROMIUM
from tests.fakes.behaviour import CANVAS_PAGE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

SAMPLE = (
    "<!doctype html>\n<!-- a comment -->\n<div class=\"box\" id='b'>Hello</div>\n"
    "<script>\nconst speed = 42; // px per frame\nfunction move(x) { return x + speed; }\n</script>\n" + CANVAS_PAGE
)
HOSTILE_LINES = [
    "</script><img src=x onerror=\"document.title='pwned'\">",
    "<template shadowrootmode=\"open\"><script>document.title='pwned'</script></template>",
    "<iframe src=\"javascript:parent.document.title='pwned'\"></iframe><!-- \u2028 -->",
    "</textarea></style></title><svg onload=\"document.title='pwned'\">",
]


browser = browser_helpers.browser  # one Chromium for the module


def _open(browser: Any, page_html: str, scheme: str = "light") -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_content(page_html)
    page.wait_for_selector("#view .row .t")
    return page


# Reads what a user sees of the visible code: each coloured piece and each highlighted piece of text.
_SEEN = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const bg = s => { const c = rgb(s); return c.length === 4 && c[3] === 0 ? null : s; };
  const view = document.getElementById('view').getBoundingClientRect();
  const rows = [...document.querySelectorAll('#view .row')].filter(r => {
    const b = r.getBoundingClientRect(); return b.bottom > view.top && b.top < view.bottom; });
  const marked = [], colours = new Set(), rowBackgrounds = new Set();
  for (const row of rows){
    rowBackgrounds.add(bg(getComputedStyle(row).backgroundColor));
    const cell = row.querySelector('.t');
    rowBackgrounds.add(bg(getComputedStyle(cell).backgroundColor));
    let run = '';
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()){
      const style = getComputedStyle(n.parentElement);
      if (n.textContent.trim()) colours.add(style.color);
      let lit = false;
      for (let e = n.parentElement; e && e !== cell; e = e.parentElement)
        if (bg(getComputedStyle(e).backgroundColor)) lit = true;
      if (lit) run += n.textContent; else if (run){ marked.push(run); run = ''; }
    }
    if (run) marked.push(run);
  }
  return {marked, colours: [...colours], rowBackgrounds: [...rowBackgrounds],
          background: getComputedStyle(document.body).backgroundColor,
          info: document.getElementById('info').textContent};
}"""


def _luminance(css: str) -> float:
    r, g, b = (int(float(v)) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return sum(
        w * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        for w, c in zip((0.2126, 0.7152, 0.0722), (r, g, b), strict=True)
    )


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_is_coloured_by_token_and_readable_in_either_scheme(browser: Any, scheme: str) -> None:
    page = _open(browser, viewer_page(SAMPLE, "html"), scheme)
    seen = page.evaluate(_SEEN)
    # Tags, attributes, strings, keywords and comments each have a colour of their own.
    assert len(seen["colours"]) >= 5, seen["colours"]
    tag = page.evaluate("() => [...document.querySelectorAll('.t span')].find(s => s.textContent === 'div')")
    assert tag is not None
    # The viewer follows the browser's preference, and every colour reads on its background (WCAG AA).
    assert (_luminance(seen["background"]) < 0.1) == (scheme == "dark"), seen["background"]
    low = [
        (c, round(_contrast(c, seen["background"]), 2))
        for c in seen["colours"]
        if _contrast(c, seen["background"]) < 4.5
    ]
    assert not low, low
    line_number = page.evaluate("() => getComputedStyle(document.querySelector('.row .n')).color")
    assert _contrast(line_number, seen["background"]) >= 3
    page.context.close()


def test_search_marks_the_matched_characters_only(browser: Any) -> None:
    filler = "".join(f"<p>line {i}</p>\n" for i in range(400))
    page = _open(browser, viewer_page(SAMPLE + "\n" + filler + '<p class="box">again</p>\n', "html"))
    # The needle crosses four colours: attribute name, `=`, string, and it differs in case. Typing searches
    # once the typing pauses, at the first match (Enter then goes on to the next).
    page.fill("#q", 'CLASS="bo')
    page.wait_for_function("() => / of /.test(document.getElementById('info').textContent)")
    seen = page.evaluate(_SEEN)
    assert seen["info"] == "1 of 2 matches"
    assert seen["marked"] == ['class="bo'], seen["marked"]  # the match, not its line, is highlighted
    assert seen["rowBackgrounds"] == [None], "no line is highlighted as a whole"
    page.press("#q", "Enter")  # next: the second match, on a line far below, scrolled into view
    page.wait_for_function("() => document.getElementById('info').textContent.startsWith('2 of')")
    seen = page.evaluate(_SEEN)
    assert seen["marked"] == ['class="bo'] and seen["rowBackgrounds"] == [None]
    page.press("#q", "Shift+Enter")
    page.wait_for_function("() => document.getElementById('info').textContent.startsWith('1 of')")
    # Enter before the typing pause searches at once and shows the first match, not the second (typed and
    # pressed in one task here, so the pause cannot pass between them however busy the machine).
    typed_then_enter = (
        "() => { const q = document.getElementById('q'); q.value = 'line 39'; q.dispatchEvent(new Event('input'));"
        " q.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));"
        " return document.getElementById('info').textContent; }"
    )
    assert page.evaluate(typed_then_enter) == "1 of 11 matches"  # line 39 and lines 390-399
    # Go to line: the line is shown, whatever its distance.
    last = 250
    page.fill("#line", str(last))
    page.press("#line", "Enter")
    shown = page.evaluate(
        "() => { const t = document.querySelector('.target'); const b = t.getBoundingClientRect();"
        " return [t.querySelector('.n').textContent, b.top >= 0 && b.bottom <= innerHeight]; }"
    )
    assert shown == [str(last), True]
    page.context.close()


def test_no_placeholder_is_cut(browser: Any) -> None:
    page = _open(browser, viewer_page(SAMPLE, "html"))
    # The placeholder lives in each input's user-agent shadow root, which only the DevTools protocol reaches.
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    found: list[int] = []

    def walk(node: dict[str, Any]) -> None:
        attributes = node.get("attributes") or []
        if dict(zip(attributes[::2], attributes[1::2], strict=True)).get("id") == "placeholder":
            found.append(node["backendNodeId"])
        for child in [*(node.get("children") or []), *(node.get("shadowRoots") or [])]:
            walk(child)

    walk(root)
    measured = []
    for backend_id in found:
        handle = cdp.send("DOM.resolveNode", {"backendNodeId": backend_id})["object"]["objectId"]
        result = cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": handle,
                "functionDeclaration": "function(){ return [this.textContent, this.scrollWidth, this.clientWidth]; }",
                "returnByValue": True,
            },
        )
        measured.append(result["result"]["value"])
    assert {text for text, _, _ in measured} >= {"Search", "Go to line"}, measured
    assert all(scroll <= client for _, scroll, client in measured), measured
    page.context.close()


def test_hostile_code_is_shown_as_written_and_never_runs(browser: Any) -> None:
    hostile = "\n".join(HOSTILE_LINES)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    # As the dashboard shows it: the viewer inside the sandbox wrapper.
    page.set_content(sandbox_document(viewer_page(hostile, "html"), "html", height=700, title="code viewer"))
    page.wait_for_function("() => document.querySelector('iframe')")
    deadline_ms = 20_000
    inner = None
    for _ in range(deadline_ms // 100):
        inner = next((f for f in page.frames if f.parent_frame is not None), None)
        if inner is not None and inner.evaluate("() => document.querySelectorAll('#view .row .t').length") >= 4:
            break
        page.wait_for_timeout(100)
    assert inner is not None
    page.wait_for_timeout(300)  # time for an onerror or onload to fire, were there an element to fire it
    shown = inner.evaluate("() => [...document.querySelectorAll('#view .row .t')].map(t => t.textContent)")
    assert shown == HOSTILE_LINES
    assert (
        inner.evaluate(
            "() => document.querySelectorAll('#view img, #view svg, #view iframe, #view script, #view template').length"
        )
        == 0
    )
    assert "pwned" not in inner.evaluate("() => document.title") and "pwned" not in page.title()
    context.close()
