"""The sandbox document, highlighting and markdown escaping: pure string helpers behind every preview."""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterator
from typing import Any

from streamlit.testing.v1.element_tree import Block

from canvasbench.present.highlight import highlighted_page
from canvasbench.sandbox.cdn_url import parse_cdn_url
from canvasbench.sandbox.document import (
    CDN_HOSTS,
    INNER_CSP,
    OFFLINE,
    OUTER_CSP,
    PreviewNetwork,
    inner_csp,
    inner_page,
    requested_viewport,
    rewrite_cdn_urls,
    sandbox_document,
)
from canvasbench.sandbox.preview_server import cdn_url_of
from ui.format import md


def _srcdoc(outer: str) -> str:
    match = re.search(r'srcdoc="([^"]*)"', outer)
    assert match, "the outer page holds one srcdoc iframe"
    return html.unescape(match.group(1))


def _outside_srcdoc(outer: str) -> str:
    return re.sub(r'srcdoc="[^"]*"', "", outer)


def test_the_outer_page_holds_one_sandboxed_iframe_without_same_origin() -> None:
    outer = sandbox_document("<script>alert(1)</script>", "html")
    assert outer.count("<iframe") == 1
    # Pointer lock is allowed (first-person demos need it, Esc releases it); nothing that leaves the frame is.
    assert 'sandbox="allow-scripts allow-pointer-lock"' in outer and 'allow="fullscreen"' in outer
    assert "allow-same-origin" not in outer and "allow-top-navigation" not in outer and "allow-popups" not in outer
    # The artifact is only ever inside the (escaped) srcdoc attribute; the outer page runs only our script.
    assert "alert(1)" not in _outside_srcdoc(outer)
    assert _outside_srcdoc(outer).count("<script") == 1
    assert "<script>alert(1)</script>" in _srcdoc(outer)


def test_the_outer_csp_stops_the_frame_navigating_anywhere() -> None:
    outer = sandbox_document("<p>x</p>", "html")
    assert f'content="{html.escape(OUTER_CSP, quote=True)}"' in outer
    assert "frame-src 'none'" in OUTER_CSP and "child-src 'none'" in OUTER_CSP
    # The notice is built from text nodes: a destination URL can never become markup in the outer page.
    assert "innerHTML" not in _outside_srcdoc(outer) and "securitypolicyviolation" in outer


def test_an_artifact_cannot_break_out_of_the_srcdoc_attribute() -> None:
    hostile = '"></iframe><script>parent.document.title="pwned"</script><iframe x="'
    outer = sandbox_document(hostile, "html")
    assert outer.count("<iframe") == 1 and outer.count("</iframe>") == 1
    # ...and its frame tags are inert renamed elements in there (the guard never lets a frame connect).
    assert hostile.replace("iframe", "x-iframe") in _srcdoc(outer)


def test_the_csp_and_guard_come_first_and_allow_no_network_but_the_mirror() -> None:
    page = inner_page("<!DOCTYPE html>\n<html><head><title>x</title></head><body></body></html>", "html")
    assert page.startswith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy"')
    assert page.index("RTCPeerConnection") < page.index("<html>"), "WebRTC goes before any of the page's scripts"
    assert "connect-src data: blob:;" in INNER_CSP and "form-action 'none'" in INNER_CSP
    assert "https:" not in INNER_CSP and "http:" not in INNER_CSP
    # Markup that only looks like a head (in a comment) cannot move the CSP after the scripts.
    tricky = inner_page("<!-- <head> --><script>fetch('/x')</script>", "html")
    assert tricky.index("Content-Security-Policy") < tricky.index("fetch('/x')")

    # Called bare (as the render check does, which answers requests itself), subresources may be asked for.
    assert "script-src 'unsafe-inline' 'unsafe-eval' blob: data: https:" in html.unescape(page)
    assert "connect-src data: blob:;" in html.unescape(page)
    assert "https:" not in html.unescape(_srcdoc(sandbox_document("<p>x</p>", "html"))).split("<p>")[0]

    mirror = "http://127.0.0.1:4242"
    offline = inner_csp(PreviewNetwork(mirror_origin=mirror))
    for directive in offline.split("; "):
        sources = set(directive.split()[1:])
        assert not sources & {"https:", "http:", "*", "ws:", "wss:"}, directive
    assert f"script-src 'unsafe-inline' 'unsafe-eval' blob: data: {mirror}" in offline
    live = inner_csp(PreviewNetwork(mirror_origin=mirror, live=True))
    assert "img-src data: blob: http://127.0.0.1:4242 https:" in live
    assert f"connect-src data: blob: {mirror};" in live, "no fetch or WebSocket to the web even when live"


def test_library_urls_are_rewritten_exactly_as_the_one_pattern_of_old_would() -> None:
    """The fast rewrite (find `//HOST`, then look for its scheme) matches what one case-blind pattern did."""
    hosts = "|".join(re.escape(h) for h in CDN_HOSTS)
    reference = re.compile(r"(?:https?:)?//(" + hosts + r")(?=[/?#\"'`\s\\)]|$)", re.IGNORECASE)
    base = "http://127.0.0.1:4242"
    pieces = [
        "https:",
        "HTTP:",
        "http",
        "s:",
        "httpſ:",
        "//",
        "/",
        ":",
        "x",
        " ",
        "'",
        ")",
        "?",
        "\n",
        "unpkg.com",
        "UNPKG.COM",
        "cdn.jsdelivr.net",
        "Esm.Sh",
        "esm.shop",
        "d3js.org",
        "ga.jspm.io",
    ]
    rng = random.Random(21)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected = reference.sub(lambda m: base + "/cdn/" + m.group(1).lower(), text)
        assert rewrite_cdn_urls(text, base) == expected, text


def test_a_declarative_shadow_root_is_renamed_in_any_spelling() -> None:
    for spelling in ("shadowrootmode", "ShadowRootMode", "SHADOWROOTMODE", "\u017fhadowrootmode"):
        page = inner_page(f'<div><template {spelling}="open"><b>x</b></template></div>', "html", OFFLINE)
        assert '<template data-x="open">' in page and f"<template {spelling}" not in page, spelling


def test_library_urls_are_rewritten_to_the_mirror_and_back() -> None:
    mirror = "http://127.0.0.1:4242"
    code = (
        '<script src="https://unpkg.com/three@0.160.0/build/three.min.js"></script>'
        '<script type="importmap">{"imports": {"three": "https://cdn.jsdelivr.net/npm/three@0.170.0/+esm"}}</script>'
        "<script>import('//esm.sh/d3@7'); const u = 'https://cdnjs.cloudflare.com/ajax/libs/p5.js/' + v;</script>"
        '<img src="https://example.com/unpkg.com/x.png"><a href="https://notunpkg.com/">x</a>'
    )
    out = rewrite_cdn_urls(code, mirror)
    assert f'"{mirror}/cdn/unpkg.com/three@0.160.0/build/three.min.js"' in out
    assert f'"{mirror}/cdn/cdn.jsdelivr.net/npm/three@0.170.0/+esm"' in out
    assert f"import('{mirror}/cdn/esm.sh/d3@7')" in out
    assert f"'{mirror}/cdn/cdnjs.cloudflare.com/ajax/libs/p5.js/' + v" in out
    assert "https://example.com/unpkg.com/x.png" in out and "https://notunpkg.com/" in out
    assert cdn_url_of("/cdn/unpkg.com/three@0.160.0/build/three.min.js?module") == (
        "https://unpkg.com/three@0.160.0/build/three.min.js?module"
    )
    assert cdn_url_of("/cdn/evil.example/x.js") is None and cdn_url_of("/elsewhere") is None
    # Every host we rewrite is one the mirror recognises, so a rewritten URL is never a dead end by name.
    for host in CDN_HOSTS:
        path = "/d3.v7.min.js" if host == "d3js.org" else "/npm:d3@7/x.js" if host == "ga.jspm.io" else "/d3@7/x.js"
        if host == "cdnjs.cloudflare.com":
            path = "/ajax/libs/d3/7.9.0/d3.min.js"
        if host in ("cdn.jsdelivr.net", "fastly.jsdelivr.net"):
            path = "/npm/d3@7/x.js"
        assert parse_cdn_url(f"https://{host}{path}") is not None, host


def test_the_preview_is_laid_out_at_a_desktop_viewport_and_scaled() -> None:
    outer = sandbox_document("<p>x</p>", "html")
    assert 'data-w="1280" data-h="800" data-fit="1"' in outer and "aspect-ratio:1280/800" in outer
    assert "width:1280px;height:800px" in outer and "Full screen" in outer
    assert requested_viewport('<meta name="viewport" content="width=800, initial-scale=1">') == (800, 500)
    assert requested_viewport('<meta name="viewport" content="width=device-width">') == (1280, 800)
    assert requested_viewport("<meta name=viewport content='width=1024,height=768'>") == (1024, 768)
    # An SVG is shown in its own proportions, filling the preview; one with only a pixel size gets a viewBox.
    assert requested_viewport('<svg viewBox="0 0 640 480" width="640" height="480">', "svg") == (1280, 960)
    assert requested_viewport('<svg width="100" height="900">', "svg") == (1280, 1600)
    svg = _srcdoc(sandbox_document('<svg width="320" height="200"><rect width="320" height="200"/></svg>', "svg"))
    assert '<svg viewBox="0 0 320 200" width="320" height="200">' in svg
    code = sandbox_document("<pre>code</pre>", "html", height=480)
    assert 'data-fit="0"' in code and "height:480px" in code and 'class="fs"' not in code


def test_a_refresh_in_the_markup_never_reaches_the_browser() -> None:
    page = inner_page("<head><META HTTP-EQUIV='Refresh' content='0;url=http://127.0.0.1:9/x?k=1'></head>", "html")
    assert "x-blocked-refresh" in page and "Refresh'" not in page


def test_frames_in_the_markup_never_reach_the_browser() -> None:
    # The preload scanner would preconnect to a markup frame's host before the guard takes the frame out.
    page = inner_page('<IFRAME src="http://127.0.0.1:9/f"></IFRAME><frame><object data="x"><embed src=y>', "html")
    body = page.split("</script>")[-1]
    assert "<x-IFRAME src=" in body and "</x-IFRAME>" in body and "<x-frame>" in body
    assert "<x-object" in body and "<x-embed" in body
    assert "<iframe" not in body.lower()


def test_the_guard_and_its_wrapper_share_a_key_the_page_cannot_read() -> None:
    outer = sandbox_document("<p>x</p>", "html")
    key = re.search(r'var KEY = "([0-9a-f]{32})"', outer)
    assert key and f'KEY = "{key.group(1)}"' in html.unescape(_srcdoc(outer))
    # Another page gets another key; the guard's script (with the key) removes itself before the page runs.
    assert key.group(1) not in sandbox_document("<p>y</p>", "html")
    assert "if (me) drop(me);" in html.unescape(_srcdoc(outer))


def test_svg_and_plain_text_get_their_own_pages() -> None:
    svg = inner_page('<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>', "svg")
    assert "<body><svg" in svg and "Content-Security-Policy" in svg
    text = inner_page("no code here <b>", "none")
    assert "no code here &lt;b&gt;" in text


def test_reload_changes_the_document_but_not_the_artifact() -> None:
    a = sandbox_document("<p>x</p>", "html", revision=0)
    b = sandbox_document("<p>x</p>", "html", revision=1)
    assert a != b and _srcdoc(a) == _srcdoc(b)


def test_highlighted_code_has_line_numbers_and_escapes_the_code() -> None:
    page = highlighted_page("<script>\nconst a = 1;\n</script>\n", "html")
    assert "linenos" in page and ">3<" in page
    assert "<script>" not in page.split("<body>", 1)[1]


def test_markdown_escaping_keeps_untrusted_text_literal() -> None:
    assert md("[x](http://e) <b> :red[hi] *a*") == (
        "\\[x\\]\\(http\\:\\/\\/e\\) \\<b\\> \\:red\\[hi\\] \\*a\\*".replace("\\/", "/")
    )


def _sidebar_popovers(at: Any) -> list[str]:
    """The labels of the sidebar's popovers (a closed popover draws nothing until clicked)."""

    def walk(node: Any) -> Iterator[str]:
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if type(child) is Block and proto is not None and proto.WhichOneof("type") == "popover":
                yield str(proto.popover.label)
            yield from walk(child)

    return list(walk(at.sidebar))


def test_previews_are_offline_unless_the_visible_setting_is_turned_on() -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from canvasbench.store import RunStore
    from tests.browser_helpers import seed_comparison
    from ui.frame import LIVE_NETWORK

    page = '<script src="https://unpkg.com/three@0.128.0/build/three.min.js"></script><img src="https://e.com/p.png">'
    comparison, _ = seed_comparison(RunStore(), models=("openai:a",), artifacts=[("html", page)])
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    at.query_params["comparison"] = comparison
    at.run()
    assert not at.exception
    toggle = at.toggle(key=LIVE_NETWORK)
    assert toggle.value is False and "Live network in previews" in toggle.label
    # One click away in the sidebar, its button saying what is in effect.
    assert _sidebar_popovers(at) == ["Offline (local mirror only)"]
    inner = _srcdoc(at.get("iframe")[0].proto.srcdoc)
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', inner)
    assert csp and "https:" not in html.unescape(csp.group(1))
    mirror = re.search(r"(http://127\.0\.0\.1:\d+)/cdn/unpkg\.com/three@0\.128\.0/build/three\.min\.js", inner)
    assert mirror and mirror.group(1) in html.unescape(csp.group(1)), "the CSP allows the mirror it points at"

    toggle.set_value(True).run()
    assert _sidebar_popovers(at) == ["Live network: on"]
    inner = _srcdoc(at.get("iframe")[0].proto.srcdoc)
    assert "https://unpkg.com/three@0.128.0/build/three.min.js" in inner
    assert "img-src data: blob: http://127.0.0.1:" in html.unescape(inner) and " https:" in html.unescape(inner)
