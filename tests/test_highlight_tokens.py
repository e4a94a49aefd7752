"""The viewer's colours: per line, class numbers and UTF-16 lengths that cover exactly the line's text."""

from __future__ import annotations

import re

import pytest

from canvasbench.present.highlight import MAX_HIGHLIGHT_CHARS, line_tokens
from tests.fakes.behaviour import CANVAS_PAGE, SVG_IMAGE

SAMPLES = {
    "html": CANVAS_PAGE + "\n<p title='é😀 \t'>emoji 😀 and tabs\t</p>\n\n<!-- end -->",
    "svg": SVG_IMAGE,
    "js": "const s = `multi\nline 😀`;\n// comment\n  \nfunction f(a) { return a + 1; }\n",
    "none": "plain text\nwith two lines",
}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_each_lines_tokens_cover_exactly_its_text(kind: str) -> None:
    code = SAMPLES[kind]
    classes, lines = line_tokens(code, kind)
    assert len(lines) == len(code.split("\n"))
    assert classes[0] == "" and all(re.fullmatch(r"p-[a-z0-9]+", name) for name in classes[1:])
    for text, tokens in zip(code.split("\n"), lines, strict=True):
        assert sum(tokens[1::2]) == (0 if kind == "none" else _utf16(text))
        assert all(0 <= cls < len(classes) for cls in tokens[::2])
        assert all(tokens[k] != tokens[k + 2] for k in range(0, len(tokens) - 2, 2)), "one span per run of a colour"
    if kind != "none":
        assert len(classes) >= 4  # tags, attributes, strings, comments or keywords are told apart


def test_huge_code_is_left_plain() -> None:
    classes, lines = line_tokens("<p>x</p>\n" * (MAX_HIGHLIGHT_CHARS // 9 + 1), "html")
    assert classes == [""] and not any(lines)
