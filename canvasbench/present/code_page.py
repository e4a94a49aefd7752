"""A self-contained code viewer page for long outputs: syntax colours, line numbers, wrap, search, copy, go
to line, and a side-by-side diff of two artifacts.

The code is model output (hostile text): it travels as JSON inside the page and is only ever put in the
DOM as text nodes (`textContent`), never as markup; its colours travel as class numbers and lengths
(`highlight.line_tokens`). The page is meant to run inside the nested sandbox.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from canvasbench.paths import DATA_DIR
from canvasbench.present.highlight import DARK_STYLE, line_tokens, token_css
from canvasbench.redact import redact

CONTEXT = 3  # unchanged lines kept around each change in a diff; longer unchanged stretches fold
_MAX_DIFF_LINES = 30_000  # each side; beyond it the diff would take seconds: compare them one at a time


# The sandbox renames this attribute wherever it appears in a page (declarative shadow roots): in the data
# it is spelled with an escape, so the code is shown as written.
_SANDBOX_REWRITTEN = re.compile(r"s(?=hadowrootmode)", re.IGNORECASE)


def _json(value: Any) -> str:
    # `<` as \u003c: no `</script>` (or `<!--`) in the text can end the data block early.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return _SANDBOX_REWRITTEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def diff_rows(left: str, right: str) -> list[list[Any]]:
    """Aligned rows [tag, left line no, left text, right line no, right text]; tag eq/del/ins/chg/fold."""
    a, b = left.splitlines(), right.splitlines()
    rows: list[list[Any]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            n = i2 - i1
            if n > 2 * CONTEXT + 1:
                rows += [["eq", i1 + k + 1, a[i1 + k], j1 + k + 1, b[j1 + k]] for k in range(CONTEXT)]
                rows.append(["fold", n - 2 * CONTEXT, "", 0, ""])
                rows += [
                    ["eq", i2 - CONTEXT + k + 1, a[i2 - CONTEXT + k], j2 - CONTEXT + k + 1, b[j2 - CONTEXT + k]]
                    for k in range(CONTEXT)
                ]
            else:
                rows += [["eq", i1 + k + 1, a[i1 + k], j1 + k + 1, b[j1 + k]] for k in range(n)]
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            li, rj = i1 + k, j1 + k
            lhs = (li + 1, a[li]) if li < i2 else (0, "")
            rhs = (rj + 1, b[rj]) if rj < j2 else (0, "")
            kind = "chg" if lhs[0] and rhs[0] else ("del" if lhs[0] else "ins")
            rows.append([kind, lhs[0], lhs[1], rhs[0], rhs[1]])
    return rows


def too_big_to_diff(left: str, right: str) -> bool:
    """Whether two texts are too long to diff quickly."""
    return max(left.count("\n"), right.count("\n")) > _MAX_DIFF_LINES


# The viewer's own style and script, kept as files so they read as CSS and JavaScript.
_STYLE = (
    (DATA_DIR / "code_viewer.css").read_text(encoding="utf-8")
    + token_css(".t")
    + "@media (prefers-color-scheme:dark){"
    + token_css(".t", DARK_STYLE)
    + "}"
)
_SCRIPT = (DATA_DIR / "code_viewer.js").read_text(encoding="utf-8")

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>code</title><style>{style}</style></head><body>"
    "<div id='bar'><input id='q' type='search' placeholder='Search' aria-label='Search' size='18'>"
    "<button id='prev' title='Previous match (Shift+Enter)'>↑</button>"
    "<button id='next' title='Next match (Enter)'>↓</button>"
    "<input id='line' type='text' inputmode='numeric' placeholder='Go to line' aria-label='Go to line'>"
    "<label><input id='wrap' type='checkbox'> Wrap</label><button id='copy' title='{copy_title}'>Copy</button>"
    "<span id='info' class='info'></span></div><div id='view'></div>"
    "<script type='application/json' id='data'>{data}</script><script>{script}</script></body></html>"
)


def viewer_page(code: str, kind: str = "html") -> str:
    """A page showing one text highlighted, with line numbers, wrap, search next/previous, copy and go to line."""
    code = redact(code)  # masked before it is cut into tokens, so the colours fit the text the page shows
    classes, tokens = line_tokens(code.replace("\r\n", "\n").replace("\r", "\n"), kind)
    data = {"mode": "code", "text": code, "classes": classes, "tokens": tokens}
    return _PAGE.format(style=_STYLE, copy_title="Copy the whole code", data=_json(data), script=_SCRIPT)


def diff_page(left: str, right: str, left_title: str, right_title: str) -> str:
    """A side-by-side diff of two texts (unchanged stretches folded), with the same search and go-to-line."""
    rows = diff_rows(left, right)
    changed = sum(r[0] != "eq" and r[0] != "fold" for r in rows)
    summary = f"{changed:,} changed rows · {left.count(chr(10)) + 1:,} vs {right.count(chr(10)) + 1:,} lines"
    data = {
        "mode": "diff",
        "rows": rows,
        "left_title": left_title,
        "right_title": right_title,
        "summary": summary,
        "right_text": right,
    }
    return _PAGE.format(style=_STYLE, copy_title="Copy the right-hand code", data=_json(data), script=_SCRIPT)
