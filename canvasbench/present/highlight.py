"""Syntax highlighting of generated code with pygments: a standalone page with line numbers, or tokens per line."""

from __future__ import annotations

from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import HtmlLexer, JavascriptLexer, TextLexer, XmlLexer
from pygments.token import STANDARD_TYPES

# Every token colour of these two reads at 4.5:1 or more on its background (WCAG AA); "friendly" had
# comments at 2.9:1. The dark one is used under the browser's dark preference.
STYLE = "xcode"
DARK_STYLE = "github-dark"

_PAGE_CSS = (
    "body{margin:0;background:#fff;font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    "table.highlighttable{border-collapse:collapse;width:100%}"
    "td.linenos{background:#f6f6f6;color:#999;text-align:right;padding:0 8px;user-select:none;"
    "border-right:1px solid #e5e5e5;vertical-align:top}"
    "td.code{padding:0 10px;width:100%;vertical-align:top}"
    "pre{margin:0;font:inherit;line-height:inherit;white-space:pre}"
    ".linenos pre{color:#999}"
    ":root{color-scheme:light dark}@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}"
    "td.linenos{background:#161b22;border-color:#30363d}.linenos pre{color:#848d97}}"
)


def _style_css() -> str:
    # Classes instead of inline styles keep a 2,000-line page several times smaller.
    light = str(HtmlFormatter(style=STYLE, cssclass="hl").get_style_defs(".hl"))
    dark = "".join(line for line in HtmlFormatter(style=DARK_STYLE).get_style_defs(".hl").splitlines()
                   if line.startswith(".hl ."))  # fmt: skip
    return f"{light}@media (prefers-color-scheme:dark){{.hl{{background:none}}{dark}}}"


def lexer_for(kind: str) -> Lexer:
    """The pygments lexer for an artifact kind (html, svg, js) or plain text."""
    if kind == "html":
        return HtmlLexer(stripnl=False)
    if kind == "svg":
        return XmlLexer(stripnl=False)
    if kind in ("js", "javascript"):
        return JavascriptLexer(stripnl=False)
    return TextLexer(stripnl=False)


def highlight_fragment(code: str, kind: str) -> str:
    """Highlighted HTML (a table: line numbers | code) with pygments CSS classes; text escaped, no scripts."""
    formatter = HtmlFormatter(style=STYLE, linenos="table", cssclass="hl", wrapcode=True)
    return highlight(code, lexer_for(kind), formatter)


def highlighted_page(code: str, kind: str) -> str:
    """A complete HTML page showing the code highlighted with line numbers."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<style>{_PAGE_CSS}{_style_css()}</style></head><body>{highlight_fragment(code, kind)}</body></html>"
    )


# Token classes carry a prefix: the viewer's own classes (`.n` line numbers, `.t` code) must not meet pygments'.
TOKEN_PREFIX = "p-"
# Past this size pygments would take many seconds (about 5 s a MB on this machine; lexers can also backtrack
# on hostile input): plain text.
MAX_HIGHLIGHT_CHARS = 1_000_000


def token_css(scope: str, style: str = STYLE) -> str:
    """A pygments style's token colours for the spans `line_tokens` describes, inside `scope`."""
    rules = HtmlFormatter(style=style, classprefix=TOKEN_PREFIX).get_style_defs(scope)
    return "".join(line.split(" /*")[0] for line in rules.splitlines() if line.startswith(scope + " ."))


def _utf16_length(text: str) -> int:
    # The browser slices strings in UTF-16 code units: an emoji is 2 there, 1 here.
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def line_tokens(code: str, kind: str) -> tuple[list[str], list[list[int]]]:
    """Each line of `code` (split on \\n) as flat [class index, UTF-16 length, ...] pairs, and the class names.

    Only class names of our own and lengths travel: the text itself is sliced from the line in the page, so
    a lexer that drops or changes a character can misplace a colour but never the text shown.
    """
    classes: list[str] = [""]
    index: dict[str, int] = {"": 0}
    lines: list[list[int]] = [[]]
    if len(code) > MAX_HIGHLIGHT_CHARS or kind not in ("html", "svg", "js", "javascript"):
        return classes, [[] for _ in code.split("\n")]
    lexer = lexer_for(kind)
    lexer.ensurenl = False  # our lines are the text's own: no newline added at the end
    class_of: dict[Any, int] = {}  # token type -> class index (the loop below runs once per token: kept lean)
    row = lines[0]
    for ttype, value in lexer.get_tokens(code):
        cls = class_of.get(ttype)
        if cls is None:
            known = ttype
            while known not in STANDARD_TYPES:
                known = known.parent
            name = TOKEN_PREFIX + STANDARD_TYPES[known] if STANDARD_TYPES[known] else ""
            cls = class_of[ttype] = index.setdefault(name, len(index))
            if cls == len(classes):
                classes.append(name)
        for k, piece in enumerate(value.split("\n") if "\n" in value else (value,)):
            if k:
                row = []
                lines.append(row)
            if not piece:
                continue
            size = len(piece) if piece.isascii() else _utf16_length(piece)
            # Whitespace takes the colour before it, so a run of one colour stays one span.
            if row and (row[-2] == cls or piece.isspace()):
                row[-1] += size
            else:
                row += [cls, size]
    # A lexer that dropped trailing newlines still gives every line its (empty) entry.
    lines += [[] for _ in range(code.count("\n") + 1 - len(lines))]
    return classes, lines
