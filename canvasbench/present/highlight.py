"""Syntax highlighting of generated code with pygments: a standalone page with line numbers."""

from __future__ import annotations

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import HtmlLexer, JavascriptLexer, TextLexer, XmlLexer

STYLE = "friendly"

_PAGE_CSS = (
    "body{margin:0;background:#fff;font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    "table.highlighttable{border-collapse:collapse;width:100%}"
    "td.linenos{background:#f6f6f6;color:#999;text-align:right;padding:0 8px;user-select:none;"
    "border-right:1px solid #e5e5e5;vertical-align:top}"
    "td.code{padding:0 10px;width:100%;vertical-align:top}"
    "pre{margin:0;font:inherit;line-height:inherit;white-space:pre}"
    ".linenos pre{color:#999}"
)


def _style_css() -> str:
    # Classes instead of inline styles keep a 2,000-line page several times smaller.
    return str(HtmlFormatter(style=STYLE, cssclass="hl").get_style_defs(".hl"))


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
