"""The sandbox document, highlighting and markdown escaping: pure string helpers behind every preview."""

from __future__ import annotations

import html
import re

from canvasbench.highlight import highlighted_page
from canvasbench.sandbox import INNER_CSP, inner_page, sandbox_document
from ui.format import md, money, seconds


def _srcdoc(outer: str) -> str:
    match = re.search(r'srcdoc="([^"]*)"', outer)
    assert match, "the outer page holds one srcdoc iframe"
    return html.unescape(match.group(1))


def test_the_outer_page_holds_only_a_sandboxed_iframe_without_same_origin() -> None:
    outer = sandbox_document("<script>alert(1)</script>", "html", height=400)
    assert outer.count("<iframe") == 1
    assert 'sandbox="allow-scripts"' in outer
    assert "allow-same-origin" not in outer and "allow-top-navigation" not in outer and "allow-popups" not in outer
    # The artifact is only ever inside the (escaped) srcdoc attribute: the outer page runs no script.
    assert "<script" not in re.sub(r'srcdoc="[^"]*"', "", outer)
    assert "<script>alert(1)</script>" in _srcdoc(outer)


def test_an_artifact_cannot_break_out_of_the_srcdoc_attribute() -> None:
    hostile = '"></iframe><script>parent.document.title="pwned"</script><iframe x="'
    outer = sandbox_document(hostile, "html", height=300)
    assert outer.count("<iframe") == 1 and outer.count("</iframe>") == 1
    assert hostile in _srcdoc(outer)


def test_the_csp_comes_first_and_blocks_network_calls() -> None:
    page = inner_page("<!DOCTYPE html>\n<html><head><title>x</title></head><body></body></html>", "html")
    assert page.startswith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy"')
    assert "connect-src data: blob:" in INNER_CSP and "form-action 'none'" in INNER_CSP
    # Markup that only looks like a head (in a comment) cannot move the CSP after the scripts.
    tricky = inner_page("<!-- <head> --><script>fetch('/x')</script>", "html")
    assert tricky.index("Content-Security-Policy") < tricky.index("<script>")


def test_svg_and_plain_text_get_their_own_pages() -> None:
    svg = inner_page('<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>', "svg")
    assert "<body><svg" in svg and "Content-Security-Policy" in svg
    text = inner_page("no code here <b>", "none")
    assert "no code here &lt;b&gt;" in text


def test_reload_changes_the_document_but_not_the_artifact() -> None:
    a = sandbox_document("<p>x</p>", "html", height=200, revision=0)
    b = sandbox_document("<p>x</p>", "html", height=200, revision=1)
    assert a != b and _srcdoc(a) == _srcdoc(b)


def test_highlighted_code_has_line_numbers_and_escapes_the_code() -> None:
    page = highlighted_page("<script>\nconst a = 1;\n</script>\n", "html")
    assert "linenos" in page and ">3<" in page
    assert "<script>" not in page.split("<body>", 1)[1]


def test_markdown_escaping_keeps_untrusted_text_literal() -> None:
    assert md("[x](http://e) <b> :red[hi] *a*") == (
        "\\[x\\]\\(http\\:\\/\\/e\\) \\<b\\> \\:red\\[hi\\] \\*a\\*".replace("\\/", "/")
    )
    assert seconds(0.25) == "250 ms" and seconds(75) == "1 min 15 s" and seconds(None) == "–"
    assert money(None) == "unknown" and money(0.5) == "$0.500"
