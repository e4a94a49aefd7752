"""Line metrics: code lines judged by pygments, comments in HTML/CSS/JS, honest degenerate counts."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import CssLexer, HtmlLexer, JavascriptLexer

from canvasbench.measure import code_lines
from canvasbench.measure.analysis import analyse_response
from canvasbench.measure.code_lines import code_line_flags, count_code_lines, count_lines
from tests.responses import degenerate_page, read, threejs_page


def annotated(*rows: tuple[str, str]) -> tuple[str, list[bool]]:
    """Source from ("C", line) code rows and ("-", line) non-code rows, with the expected flags."""
    return "\n".join(line for _, line in rows), [mark == "C" for mark, _ in rows]


HTML_WITH_COMMENTS = annotated(
    ("C", "<!DOCTYPE html>"),
    ("-", "<!-- single-line html comment -->"),
    ("-", "<!--"),
    ("-", "  multi-line html comment with <div>tags</div> inside"),
    ("-", "-->"),
    ("C", "<html><head>"),
    ("C", "<style>"),
    ("-", "  /* css comment */"),
    ("-", "  /*"),
    ("-", "   * multi-line css comment { color: red; }"),
    ("-", "   */"),
    ("C", "  body { margin: 0; } /* trailing comment after code */"),
    ("C", "  .btn:hover {"),
    ("C", "    background: linear-gradient(90deg, #000080, #1084d0);"),
    ("-", ""),
    ("C", "  }"),
    ("C", "</style>"),
    ("C", "</head><body>"),
    ("C", "<h1>Score: 0</h1>"),
    ("C", "  Visible words in a text node"),
    ("-", "  -----"),
    ("-", "     "),
    ("C", "<script>"),
    ("-", "  // js line comment"),
    ("-", "  /* js block comment */"),
    ("-", "  /**"),
    ("-", "   * JSDoc with code-looking text: const x = 1;"),
    ("-", "   */"),
    ("C", "  const url = 'http://example.com/*not-a-comment*/'; // real comment"),
    ("C", "  const tpl = `line one // not a comment"),
    ("C", "  /* still inside the template literal */`;"),
    ("C", "  const re = /\\/\\/+/g;"),
    ("C", "  if (a / b > 2) { draw(); }"),
    ("C", "  }"),
    ("C", "</script>"),
    ("C", "</body></html>"),
)

SVG_WITH_COMMENTS = annotated(
    ("C", '<?xml version="1.0" encoding="UTF-8"?>'),
    ("-", "<!-- generated blueprint -->"),
    ("C", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'),
    ("C", "  <style><![CDATA["),
    ("-", "    /* part colours */"),
    ("C", "    .part { fill: #eee; stroke: #222; }"),
    ("C", "  ]]></style>"),
    ("C", '  <path d="M0 0'),
    ("C", "           L 100 100"),
    ("C", '           Z" class="part"/>'),
    ("C", "  <script><![CDATA["),
    ("-", "    // rotate the fan"),
    ("C", "    document.querySelector('path').setAttribute('transform', 'rotate(10)');"),
    ("C", "  ]]></script>"),
    ("C", "</svg>"),
)


@pytest.mark.parametrize(
    ("sample", "kind"),
    [(HTML_WITH_COMMENTS, "html"), (SVG_WITH_COMMENTS, "svg")],
    ids=["html-css-js", "svg"],
)
def test_comment_lines_are_not_code(sample: tuple[str, list[bool]], kind: str) -> None:
    code, expected = sample
    assert code_line_flags(code, kind) == expected
    assert count_code_lines(code, kind) == sum(expected)


def test_plain_javascript_and_css() -> None:
    js, js_expected = annotated(
        ("-", "// helpers"),
        ("C", "export function clamp(v, lo, hi) {"),
        ("C", "  return Math.min(hi, Math.max(lo, v)); /* inline */"),
        ("C", "}"),
        ("-", "/* end */"),
    )
    css, css_expected = annotated(("-", "/* theme */"), ("-", ""), ("C", ":root { --accent: #f60; }"))
    assert code_line_flags(js, "js") == js_expected
    assert code_line_flags(css, "css") == css_expected


def test_a_1500_line_threejs_page_counts_exactly_its_code_lines() -> None:
    page, code_lines = threejs_page(1500)
    assert count_lines(page) == len(page.splitlines())
    assert count_lines(page) >= 1490
    assert count_code_lines(page, "html") == code_lines


def test_degenerate_output_gives_honest_numbers() -> None:
    # 5,000 lines of "." and 3,000 blank lines inside the page body: only the 8 lines of real markup count.
    result = analyse_response(f"```html\n{degenerate_page(dots=5000, blanks=3000)}\n```")
    assert result.kind == "html"
    assert result.lines == 8018
    assert result.code_lines == 8


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("<script>\n" + ".\n" * 2000 + "...\n" * 10 + "</script>", "html"),
        ("<style>\n" + ".\n" * 2000 + "</style>", "html"),
        (".\n" * 2000, "js"),
        ("…\n" * 300 + "\n" * 300, "svg"),
        ("<script>\n" + ". . .\n" * 500 + "</script>", "html"),
        (".\n" * 100, "text"),
    ],
    ids=["dots-in-script", "dots-in-style", "dots-as-js", "ellipsis-and-blanks", "spaced-dots", "unknown-kind"],
)
def test_lines_of_dots_are_filler_in_every_language(code: str, kind: str) -> None:
    assert count_code_lines(code, kind) <= 2  # at most the <script>/<style> tag lines


@pytest.mark.parametrize(
    ("text", "lines"),
    [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("a\r\nb\r\n", 2), ("\n\n", 2), ("a\rb\r", 2), ("a\r\rb", 3)],
)
def test_count_lines(text: str, lines: int) -> None:
    assert count_lines(text) == lines


def test_empty_artifact_has_no_code_lines() -> None:
    assert count_code_lines("", "html") == 0
    assert count_code_lines("", "none") == 0


def _stock_flags(code: str, lexer: object) -> list[bool]:
    flags = bytearray(code.count("\n") + 1)
    code_lines._mark(lexer.get_tokens_unprocessed(code), flags)  # type: ignore[attr-defined]
    return [bool(flag) for flag in flags[: count_lines(code)]]


TRICKY_JS = """\
const a = b / c / d; // division, not a regex
const r = /[/"']+/g.test(s); /* regex with quotes */
x = y
  /z/g.exec(w)
return /"/.test(q);
s = `tpl ${ {k: 1}.k } // still template ${`nested ${deep}`}`;
label: for (let i = 0; i < 10; i++) { if (i % 2) continue label; }
const café = 1; café / 2;
obj = { re: /}/, s: '}' };
a = b ? /x/ : /y/;
while (n--) /x/.test(list[n]);
f = async () => { await g(); } // arrow
o?.p?.(q) ?? r;
#!not a hashbang mid-file
x = `${a + b}} ${ c ? `${d}` : '}' }`; y = a / b;
"""

TRICKY_CSS = """\
@media (max-width: 600px) { .a { display: none; } }
.b { background: url(data:image/png;base64,AAAA/*x*/); /* real */ }
.c { content: "/* not a comment */"; width: calc(100% - 10px); }
.d{margin:0 auto;-webkit-user-select:none}
.e { color: #fff !important; transition: all .3s ease-in-out }
:root { --x: 1px; } .f { padding: var(--x) 2px; }
"""


@pytest.mark.parametrize(
    ("code", "kind", "stock"),
    [
        (threejs_page(600)[0], "html", HtmlLexer),
        (read("split_files.md"), "html", HtmlLexer),
        (read("gemini_fenced_with_notes.md"), "html", HtmlLexer),
        (TRICKY_JS, "js", JavascriptLexer),
        (f"<html><script>\n{TRICKY_JS}</script><style>\n{TRICKY_CSS}</style></html>", "html", HtmlLexer),
        (TRICKY_CSS, "css", CssLexer),
    ],
    ids=["threejs", "split-files", "boids", "tricky-js", "tricky-html", "tricky-css"],
)
def test_fast_lexers_mark_the_same_lines_as_stock_pygments(code: str, kind: str, stock: type) -> None:
    # The speed-ups in linecount must never change which lines count as code.
    assert code_line_flags(code, kind) == _stock_flags(code, stock())


def test_a_10000_line_response_is_measured() -> None:
    page, code_lines = threejs_page(10_000)
    result = analyse_response(f"Here you go:\n```html\n{page}\n```")
    assert result.code_lines == code_lines
    assert result.response_lines == count_lines(page) + 3


def test_a_page_cut_off_inside_its_script_counts_like_the_complete_page() -> None:
    # Truncated pages are common (output limit hit): their JS comments must stay comments.
    page, _ = threejs_page(400)
    cut = "\n".join(page.splitlines()[:250])
    assert code_line_flags(cut, "html") == code_line_flags(page, "html")[:250]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (".a { width: " + "1" * 5000 + " }", "css"),
        ("<style>.a { margin: " + "1 " * 5000 + "}</style>", "html"),
        ("x = " + "a1 " * 5000 + "/ 2", "js"),
        ("<div " + "a " * 5000 + "b='", "html"),
    ],
    ids=["css-digits", "css-values", "js-run", "html-attributes"],
)
def test_long_runs_without_a_terminator_do_not_hang(code: str, kind: str) -> None:
    assert count_code_lines(code, kind) == 1


def test_a_final_row_is_columns_of_the_runs_table(tmp_path: Path) -> None:
    from canvasbench.providers.base import GenerationResult
    from canvasbench.run.final_row import final_row
    from canvasbench.store import RunStore

    store = RunStore(tmp_path / "metrics.db")
    try:
        columns = set(store.table("runs").columns_dict)
    finally:
        store.close()
    raw = read("split_files.md")
    result = GenerationResult(status="done", text=raw, finish_reason="stop")
    values = final_row("openai:fake", result, analyse_response(raw), timeline=[], finished_at="2026-01-01T00:00:00Z")
    assert set(values) <= columns
    assert values["artifact_kind"] == "html"
    assert values["truncated"] == 0
    assert values["artifact"].startswith("<!DOCTYPE html>")


def test_first_use_from_many_threads_at_once_counts_correctly() -> None:
    # The runner measures several finished runs concurrently, possibly before any lexer was used.
    script = (
        "import threading\n"
        "from canvasbench.measure.code_lines import count_code_lines\n"
        "from tests.responses import threejs_page\n"
        "page, expected = threejs_page(300)\n"
        "results = []\n"
        "threads = [threading.Thread(target=lambda: results.append(count_code_lines(page, 'html')))"
        " for _ in range(8)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "assert results == [expected] * 8, results\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, cwd=Path(__file__).parent.parent)


JS_PIECES = [
    *TRICKY_JS.splitlines(),
    "}",
    "  }",
    "})();",
    ".",
    "...",
    "",
    "/* multi\n line */",
    "// line comment",
    "`multi\nline ${x} /* not */`",
    "}\n/re/.test(x)",
    "if (a) {\n  b();\n}",
    "q = 1 /* x */\n/re/g.test(s)",
    "<!-- old comment",
    "s = 'a\\\nb';",
]
CSS_PIECES = [*TRICKY_CSS.splitlines(), "/* multi\n line */", "}", ".", "a {\n  color: red;\n}"]
HTML_PIECES = [
    "<div class=\"a\" id=b data-x='1'>",
    "</div>",
    "<input type=checkbox checked>",
    '<img src=x.png alt="a > b">',
    "<!-- multi\nline -->",
    "Hello world",
    "---",
    '<p class="a"\n   id="b">text</p>',
    '<div a=b"c>',
]


@pytest.mark.parametrize("seed", range(3))
def test_fast_lexers_agree_with_stock_pygments_on_random_mixes(seed: int) -> None:
    rng = random.Random(seed)
    separators = ["\n", "\n\n", "\n  ", " ", "\t", ";\n", "\n\t"]
    for _ in range(150):
        js = "".join(rng.choice(JS_PIECES) + rng.choice(separators) for _ in range(rng.randint(1, 12)))
        css = "\n".join(rng.choice(CSS_PIECES) for _ in range(rng.randint(1, 8)))
        markup = "\n".join(rng.choice(HTML_PIECES) for _ in range(rng.randint(1, 6)))
        page = f"{markup}\n<style>\n{css}\n</style>\n<script>\n{js}\n</script>\n{markup}"
        assert code_line_flags(js, "js") == _stock_flags(js, JavascriptLexer()), js
        assert code_line_flags(css, "css") == _stock_flags(css, CssLexer()), css
        assert code_line_flags(page, "html") == _stock_flags(page, HtmlLexer()), page
