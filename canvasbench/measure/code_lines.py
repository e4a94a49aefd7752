"""Line metrics: how many lines an artifact has, and how many of them are code, judged by pygments.

A line is a *code line* when it holds at least one token that is neither whitespace nor a comment.
HTML and SVG are lexed with pygments' HtmlLexer, which hands `<script>` bodies to the JavaScript
lexer and `<style>` bodies to the CSS lexer, so `//`, `/* */` and `<!-- -->` comments (single- or
multi-line) never count. `<!DOCTYPE>`, `<?xml?>` and CDATA markers are markup, so they do count.

Two rules keep degenerate output honest (a model stuck emitting thousands of `.` lines must not
claim thousands of code lines):
- filler: a token made only of dots (`.`, `...`, `…`) is not code in any language: a lone dot is
  never a statement, rule or element, it is what a model in a loop emits;
- text nodes: plain text between HTML/SVG tags counts only when it has something a reader sees as
  content (a letter, a digit or a symbol such as an emoji), so lines of `---` or `***` in body text
  are decoration, while a line of visible words ("Score: 0") is part of the page.

Speed: a 10,000-line response must be measured well under a second, and stock pygments needs about
a second for 10,000 lines of JavaScript (some 15 regex attempts per token, and its identifier
pattern covers all of Unicode; see benchmarks/linecount_speed.py). `_FastJavascriptLexer` puts one
extra rule in front of the stock rules that swallows runs of plain ASCII code (identifiers, numbers,
strings, brackets, operators) in a single token, and only where the stock lexer would end in the
same state; everything else (comments, regex literals, template literals, line starts) still goes
through the stock rules. CSS declarations and HTML attributes get the same treatment, and
tests/test_linecount.py checks that the fast and the stock lexers mark exactly the same lines as code.

One deliberate difference from stock pygments: a `<script>` or `<style>` with no closing tag (a page
cut off by the output limit) is lexed as script/style to the end, as a browser would; stock pygments
lexes only its first line as JS and the rest as HTML text, which would count every comment as code.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any, ClassVar

from pygments.lexer import Lexer, bygroups, include, inherit, using
from pygments.lexers.css import CssLexer
from pygments.lexers.html import HtmlLexer
from pygments.lexers.javascript import JavascriptLexer
from pygments.token import Comment, Name, Punctuation, String, Text, Whitespace, _TokenType

from canvasbench.measure.lines import count_lines

__all__ = ["code_line_flags", "count_code_lines", "count_lines"]

# Keywords after which the stock JavaScript lexer expects a regex literal (state 'slashstartsregex').
# `super` is left out on purpose: the stock lexer has a special rule for `super(...)`.
_REGEX_KEYWORDS = (
    "typeof|instanceof|in|void|delete|new|for|while|do|break|return|continue|switch|case|default|"
    "if|else|throw|try|catch|finally|yield|await|async|this|of|static|export|import|debugger|"
    "extends|super|var|let|const|with|function|class"
)
_KEYWORDS_NO_SUPER = _REGEX_KEYWORDS.replace("|super", "")

# After an operator or such a keyword the stock lexer is in 'slashstartsregex', which only differs
# from 'root' when the next non-space character is a slash (a regex literal) or `<!--`. Anything
# else pops straight back to 'root', so swallowing the operator and the whitespace is equivalent.
_SAFE_NEXT = r"(?=[^\s/])(?!<!--)"


def _fast_run(closers: str) -> str:
    """A run of plain code that leaves the stock lexer in the state it would reach itself."""
    return (
        # At a line start the stock rule `^(?=\s|/|<!--)` enters 'slashstartsregex': leave it alone.
        r"(?!^[\s/<])"
        r"(?:"
        # identifiers that do not change the lexer state (keywords are handled below)
        r"(?!(?:" + _REGEX_KEYWORDS + r")\b)[A-Za-z_$][\w$]*"
        r"|[0-9][0-9A-Za-z_$]*"
        r"|\"(?:\\\\|\\[^\\]|[^\"\\])*\""
        r"|'(?:\\\\|\\[^\\]|[^'\\])*'"
        r"|[" + closers + r"]"
        # whitespace, newlines included: in 'root' the stock lexer eats it as one token too, so
        # the line-start rule above never sees the next line either
        r"|\s+"
        r"|(?>(?:"
        + _KEYWORDS_NO_SUPER
        + r")\b)\s*+"
        + _SAFE_NEXT
        # a whole operator run at once (atomic), so `=>` is never split into `=` and `>`
        + r"|(?>(?:(?!<!--)[-+*%=<>!&|^~?:,;({\[])+)\s*+"
        + _SAFE_NEXT
        + r")++"  # possessive: a run is never re-split when what follows fails to match
    )


class _FastJavascriptLexer(JavascriptLexer):
    """The stock JavaScript lexer with a fast path for plain code; comments are found as before."""

    name = "JavaScript (line counting)"
    tokens: ClassVar[dict[str, Any]] = {
        "root": [(_fast_run(r")\]}."), Name.Other), include("stock-root")],
        "stock-root": JavascriptLexer.tokens["root"],
        # Inside `${...}` a `}` closes the interpolation: there the fast path leaves `}` alone.
        "interp-inside": [
            (r"\}", String.Interpol, "#pop"),
            (_fast_run(r")\]."), Name.Other),
            include("stock-root"),
        ],
    }


# CSS: a declaration's name, and a value made of plain words, numbers, hex colours and commas.
# Function calls (`rgb(`, `url(`), strings, comments, `!important` and `}` stay with the stock rules.
_CSS_VALUE_RUN = (
    r"(?:[ \t]+|,|#[0-9A-Za-z]+|(?>[+-]?[0-9]*\.?[0-9]+[A-Za-z%]*)"
    r"|[A-Za-z_-][\w-]*(?![\w(-]))++"
)


class _FastCssLexer(CssLexer):
    """The stock CSS lexer with a fast path for plain declarations; comments are found as before."""

    name = "CSS (line counting)"
    tokens: ClassVar[dict[str, Any]] = {
        "content": [
            (r"([A-Za-z_-][\w-]*)(\s*)(:)", bygroups(Name, Whitespace, Punctuation), "value-start"),
            inherit,
        ],
        "value-start": [
            (r"(" + _CSS_VALUE_RUN + r")(;)", bygroups(Name, Punctuation), "#pop"),
            (_CSS_VALUE_RUN, Name),
            inherit,
        ],
    }


_SCRIPT_END = (
    r"(<)(\s*)(/)(\s*)(script)(\s*)(>)",
    bygroups(Punctuation, Text, Punctuation, Text, Name.Tag, Text, Punctuation),
    "#pop",
)


class _FastHtmlLexer(HtmlLexer):
    """The stock HTML lexer with the fast JS/CSS lexers inside, and cut-off scripts kept as script."""

    name = "HTML (line counting)"
    tokens: ClassVar[dict[str, Any]] = {
        "script-content": [
            _SCRIPT_END,
            (r".+?(?=<\s*/\s*script\s*>)", using(_FastJavascriptLexer)),
            # No closing tag: the page was cut off inside its script, and a browser runs the rest
            # as script too. (Stock pygments lexes only one line as JS and the rest as HTML text,
            # which would count every `// comment` of a truncated page as code.)
            (r".+", using(_FastJavascriptLexer), "#pop"),
        ],
        "style-content": [
            (
                r"(<)(\s*)(/)(\s*)(style)(\s*)(>)",
                bygroups(Punctuation, Text, Punctuation, Text, Name.Tag, Text, Punctuation),
                "#pop",
            ),
            (r".+?(?=<\s*/\s*style\s*>)", using(_FastCssLexer)),
            (r".+", using(_FastCssLexer), "#pop"),  # cut off inside the style sheet, as above
        ],
        # Inside a tag: whole `name="value"` attributes at once (the stock lexer's quoted values
        # are shortest matches up to the next quote, which `"[^"]*"` reproduces).
        "tag": [
            (
                r"""(?:\s+|[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+)(?=[\s/>])|[\w:-]+(?![\w:-]*\s*=))++""",
                Name.Attribute,
            ),
            inherit,
        ],
    }


_COMPILE_LOCK = threading.Lock()
_compiled = False


def _compile_once() -> None:
    """Compile the lexers' rules before first use: pygments does it lazily and not thread-safely."""
    global _compiled
    with _COMPILE_LOCK:
        if not _compiled:
            for lexer_class in (_FastHtmlLexer, _FastJavascriptLexer, _FastCssLexer):
                lexer_class()
            _compiled = True


def _lexer_for(kind: str) -> Lexer | None:
    if not _compiled:
        _compile_once()
    kind = kind.lower()
    if kind in ("html", "svg", "xml", "xhtml"):
        return _FastHtmlLexer()
    if kind in ("js", "javascript", "mjs"):
        return _FastJavascriptLexer()
    if kind == "css":
        return _FastCssLexer()
    return None


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_FILLER = re.compile(r"[\s.…]*")


def _is_filler(value: str) -> bool:
    """True for text made only of whitespace and dots: never code in any language we count."""
    return _FILLER.fullmatch(value) is not None


def _has_visible_content(value: str) -> bool:
    """True when plain text has a letter, digit or symbol (emoji, ©) rather than only punctuation."""
    return any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in value)


def _counts(ttype: _TokenType, value: str) -> bool:
    """Does this piece of a token (no newline inside) make its line a code line?"""
    if ttype in Comment and ttype not in Comment.Preproc and ttype not in Comment.Hashbang:
        return False
    if _is_filler(value):
        return False
    if ttype is Text or ttype in Text.Whitespace:
        return _has_visible_content(value)
    return True


def _mark(tokens: Iterable[tuple[int, _TokenType, str]], flags: bytearray) -> None:
    """Set flags[n] for every line n that a counting piece of a token touches."""
    line = 0
    for _, ttype, value in tokens:
        if "\n" not in value:
            if not flags[line] and _counts(ttype, value):
                flags[line] = 1
            continue
        for offset, piece in enumerate(value.split("\n")):
            if piece and not flags[line + offset] and _counts(ttype, piece):
                flags[line + offset] = 1
        line += value.count("\n")


def code_line_flags(code: str, kind: str) -> list[bool]:
    """Per line of code, whether it is a code line (see the module docstring for the rules)."""
    code = _normalise(code)
    total = count_lines(code)
    flags = bytearray(code.count("\n") + 1)
    lexer = _lexer_for(kind)
    if lexer is None:
        # No lexer for this kind: every line with something other than filler counts.
        for number, line in enumerate(code.split("\n")):
            flags[number] = 0 if _is_filler(line) else 1
    else:
        # get_tokens_unprocessed: we normalised newlines ourselves and need no token filters.
        _mark(lexer.get_tokens_unprocessed(code), flags)
    return [bool(flag) for flag in flags[:total]]


def count_code_lines(code: str, kind: str) -> int:
    """Lines of code with at least one token that is neither whitespace, comment nor filler."""
    return sum(code_line_flags(code, kind))
