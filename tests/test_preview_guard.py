"""The preview's in-page guard against hostile pages, in real Chromium, as a person's browser shows a preview.

Each artifact below tries to get a working `RTCPeerConnection` from a fresh realm (a nested frame's window)
after tampering with the prototypes the guard could have relied on, and aims STUN at a loopback UDP
listener that must receive nothing. The documents are the dashboard's own (`sandbox_document`) in the
dashboard's frame tree (an app page, a wrapper frame per preview, the artifact inside); the app page is
answered by a route, since what is under test is the guard, not Streamlit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from canvasbench.sandbox.document import sandbox_document
from tests import browser_helpers
from tests.browser_helpers import CHROMIUM
from tests.loopback import Listener, loopback_listener

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

APP = "http://app.canvasbench.test"

# Shared by every hostile page: tries a constructor and reports to the test (the app page) what happened.
TRY = """
window.__report = function (where, what) {
  try { top.postMessage({guardProbe: where + ': ' + what}, '*'); } catch (e) {}
};
window.__try = function (C, where) {
  if (typeof C !== 'function') { __report(where, 'blocked (none)'); return; }
  try {
    var pc = new C({iceServers: [{urls: 'stun:127.0.0.1:{UDP}'},
                                 {urls: 'turn:127.0.0.1:{UDP}', username: 'leak-' + where, credential: 'x'}]});
    pc.createDataChannel('x');
    pc.createOffer().then(function (o) { return pc.setLocalDescription(o); });
    __report(where, 'ESCAPED');
  } catch (e) { __report(where, 'blocked ' + e.name); }
};
window.__realm = function (win, where) {
  try { __try(win && win.RTCPeerConnection, where); } catch (e) { __report(where, 'blocked ' + e.name); }
};
"""
TRY = " ".join(TRY.split())
PROBE = f"<script>{TRY}</script>"
# What a child realm runs when it gets to run at all (a sandboxed page's child has an origin of its own).
CHILD = f"<script>{TRY}__try(window.RTCPeerConnection, 'child');</script>"


def _quoted(markup: str) -> str:
    return markup.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _js(markup: str) -> str:
    return markup.replace("\\", "\\\\").replace("'", "\\'").replace("</", "<\\/")


def hostile_pages() -> dict[str, str]:
    """One page per way to a fresh realm; each reports every attempt (`ESCAPED` when one worked)."""
    child = _js(CHILD)
    tamper = """
      var noop = function () { return []; };
      Element.prototype.matches = function () { return false; };
      Element.prototype.querySelectorAll = noop; Document.prototype.querySelectorAll = noop;
      DocumentFragment.prototype.querySelectorAll = noop;
      Element.prototype.remove = function () {}; Node.prototype.removeChild = function (n) { return n; };
      Element.prototype.closest = function () { return null; };
      NodeList.prototype.forEach = function () {}; Array.prototype.forEach = function () {};
      Object.defineProperty(Node.prototype, 'nodeType', {get: function () { return 3; }});
      Object.defineProperty(Element.prototype, 'localName', {get: function () { return 'div'; }});
      RegExp.prototype.exec = function () { return null; }; RegExp.prototype.test = function () { return false; };
      Function.prototype.call = function () {}; Function.prototype.apply = function () {};
      Object.defineProperty(Object.prototype, 'get', {get: function () { return function () {}; }, configurable: true});
      Object.defineProperty(Object.prototype, 'signal',
                            {get: function () { return AbortSignal.abort(); }, configurable: true});
      window.MutationObserver = function () { this.observe = function () {}; };
      delete Object.prototype.get;
    """
    pages = {
        "tampered srcdoc": f"""<script>{tamper}
          var f = document.createElement('iframe');
          f.srcdoc = '{child}';
          document.body.appendChild(f);
          __realm(f.contentWindow, 'tampered appendChild'); __realm(window[0], 'tampered window[0]');
          setTimeout(function () {{ __realm(window[0], 'tampered later'); }}, 800);
        </script>""",
        "srcdoc after tampering": f"""<script>
          Element.prototype.matches = function () {{ return false; }};
          Element.prototype.querySelectorAll = function () {{ return []; }};
          Element.prototype.remove = function () {{}};
          document.body.insertAdjacentHTML('beforeend', '<iframe srcdoc="{_js(_quoted(CHILD))}"></iframe>');
          var f = document.createElement('iframe'); f.srcdoc = '{child}'; document.body.append(f);
        </script>""",
        "about:blank sync": """<script>
          var f = document.createElement('iframe'); document.body.append(f);
          __realm(f.contentWindow, 'append contentWindow'); __realm(window[0], 'append window[0]');
          __realm(window.frames[0], 'frames[0]');
          try { __realm(f.contentDocument && f.contentDocument.defaultView, 'contentDocument'); } catch (e) {}
          var g = document.createElement('iframe'); document.body.insertBefore(g, document.body.firstChild);
          __realm(window[0], 'insertBefore window[0]');
          var h = document.createElement('frame'); document.body.prepend(h); __realm(window[0], 'frame');
          var t = document.createTextNode('x'); document.body.appendChild(t);
          t.before(document.createElement('iframe')); __realm(window[0], 'text.before');
          document.body.replaceChildren(document.body.firstChild || '', document.createElement('iframe'));
          __realm(window[0], 'replaceChildren');
          var r = document.createRange(); r.selectNodeContents(document.body);
          r.insertNode(document.createElement('iframe')); __realm(window[0], 'range.insertNode');
          document.body.insertAdjacentElement('beforeend', document.createElement('iframe'));
          __realm(window[0], 'insertAdjacentElement');
          var o = document.createElement('object'); o.type = 'text/html'; document.body.append(o);
          __realm(window[0], 'object');
          var e = document.createElement('embed'); document.body.append(e); __realm(window[0], 'embed');
          var n = document.createElementNS('http://www.w3.org/1999/xhtml', 'IFRAME'); document.body.append(n);
          __realm(window[0], 'createElementNS');
          __report('window.open', String(window.open('about:blank')));
        </script>""",
        "write into child": f"""<script>
          var f = document.createElement('iframe'); document.body.appendChild(f);
          try {{ f.contentDocument.write('{child}'); __report('child write', 'ESCAPED'); }}
          catch (e) {{ __report('child write', 'blocked ' + e.name); }}
          try {{ window[0].document.write('{child}'); __report('window[0] write', 'ESCAPED'); }}
          catch (e) {{ __report('window[0] write', 'blocked ' + e.name); }}
        </script>""",
        "document.write": """<script>
          document.write('<iframe id="w1"></iframe><script>__realm(window[0], "write then script")<\\/script>');
          document.write('<ifr'); document.write('ame id="w2"></iframe>');
          document.write('<script>__realm(window[0], "split write")<\\/script>');
          document.write('<IFRAME\\tid="w3"></IFRAME><script>__realm(window[0], "upper case write")<\\/script>');
        </script>""",
        "document.open": f"""<script>
          addEventListener('load', function () {{
            var report = window.__report, realm = window.__realm;
            document.open();
            document.write('<body><iframe srcdoc="{_js(_quoted(CHILD))}"></iframe><script>' +
              'top.postMessage({{guardProbe: "reopened: " + (window[0] ? "ESCAPED" : "blocked")}}, "*")' +
              '<\\/script></body>');
            document.close();
            realm(window[0], 'after open');
            setTimeout(function () {{ realm(window[0], 'after open later'); }}, 500);
          }});
        </script>""",
        "shadow roots": f"""<div id="open"></div><script>
          var host = document.createElement('div'), root = host.attachShadow({{mode: 'closed'}});
          var f = document.createElement('iframe'); f.srcdoc = '{child}'; root.appendChild(f);
          document.body.appendChild(host);
          __realm(f.contentWindow, 'closed shadow'); __realm(window[0], 'closed shadow window[0]');
          var inner = document.createElement('div'), deep = inner.attachShadow({{mode: 'open'}});
          var outer = document.createElement('div'); outer.attachShadow({{mode: 'open'}}).appendChild(inner);
          deep.innerHTML = '<iframe></iframe>';
          document.body.append(outer); __realm(window[0], 'nested shadow');
          document.getElementById('open').attachShadow({{mode: 'open'}}).innerHTML = '<iframe></iframe>';
          __realm(window[0], 'shadow innerHTML');
        </script>""",
        "markup sinks": """<div id="d" contenteditable="true"></div><script>
          customElements.define('x-spy', class extends HTMLElement {
            connectedCallback() { __realm(window[0], 'custom element ' + this.id); }
          });
          var d = document.getElementById('d');
          d.innerHTML = '<iframe></iframe><x-spy id="innerHTML"></x-spy>';
          d.insertAdjacentHTML('beforeend', '<iframe></iframe><x-spy id="insertAdjacentHTML"></x-spy>');
          var r = document.createRange(); r.selectNodeContents(d);
          d.append(r.createContextualFragment('<iframe></iframe><x-spy id="fragment"></x-spy>'));
          var s = document.createElement('span'); d.append(s);
          s.outerHTML = '<iframe></iframe><x-spy id="outerHTML"></x-spy>';
          d.focus(); document.execCommand('insertHTML', false, '<iframe></iframe><x-spy id="execCommand"></x-spy>');
          __realm(window[0], 'execCommand');
          var t = document.createElement('template'); t.innerHTML = '<iframe></iframe>';
          document.body.append(t.content.cloneNode(true)); __realm(window[0], 'template');
          var doc = new DOMParser().parseFromString('<iframe></iframe>', 'text/html');
          document.body.append(document.adoptNode(doc.body.firstChild)); __realm(window[0], 'DOMParser');
          if (document.body.setHTMLUnsafe) {
            var u = document.createElement('div'); document.body.append(u);
            u.setHTMLUnsafe('<div><template shadowrootmode="open"><iframe></iframe></template></div>');
            __realm(window[0], 'setHTMLUnsafe');
          }
        </script>""",
        "parsed elsewhere": """<table id="t"></table><select id="s"></select><script>
          var parsed = new DOMParser().parseFromString(
            '<table><caption><iframe></iframe></caption><thead><tr><td><iframe></iframe></td></tr></thead></table>' +
            '<select><option><iframe></iframe></option></select>', 'text/html');
          var t = document.getElementById('t');
          if (parsed.querySelector('caption')) t.caption = parsed.querySelector('caption');
          __realm(window[0], 'table caption');
          if (parsed.querySelector('thead')) t.tHead = parsed.querySelector('thead');
          __realm(window[0], 'table head');
          var sel = document.getElementById('s'), opt = parsed.querySelector('option');
          if (opt) { sel.options[0] = opt; __realm(window[0], 'options index'); }
          var xml = new DOMParser().parseFromString(
            '<div xmlns:h="http://www.w3.org/1999/xhtml"><h:iframe/></div>', 'application/xml');
          document.body.append(document.adoptNode(xml.documentElement)); __realm(window[0], 'xml prefix');
          var x = new XMLHttpRequest();
          x.open('GET', 'data:text/html,<table><caption><iframe></iframe></caption></table>', false);
          try { x.send(); var doc = x.responseXML || x.response;
                if (doc && doc.querySelector && doc.querySelector('caption')) t.caption = doc.querySelector('caption');
          } catch (e) {}
          __realm(window[0], 'xhr document');
        </script>""",
        "initial markup": f"""<iframe srcdoc="{_quoted(CHILD)}" title="markup"></iframe>
          <frameset><frame></frameset><object data="about:blank"></object>
          <script>__realm(window[0], 'markup window[0]');
            __realm(document.querySelector('iframe') && document.querySelector('iframe').contentWindow, 'markup frame');
          </script>
          <div id="dsd"><template shadowrootmode="open"><iframe srcdoc="{_quoted(CHILD)}"></iframe></template></div>
          <script>var sr = document.getElementById('dsd').shadowRoot;
            __realm(sr && sr.querySelector('iframe') && sr.querySelector('iframe').contentWindow, 'declarative shadow');
            __realm(window[0], 'declarative window[0]');
          </script>""",
        "constructors": """<script>
          __try(window.RTCPeerConnection, 'own'); __try(window.webkitRTCPeerConnection, 'webkit');
          try { delete window.RTCPeerConnection; } catch (e) {}
          try { Object.defineProperty(window, 'RTCPeerConnection', {value: 1}); } catch (e) {}
          __try(window.RTCPeerConnection, 'after delete');
        </script>""",
    }
    # Frame tags in the page's scripts are spelt with a JS escape (`<i\\u0066rame`): the same text at run time,
    # but not in the source, where the preview renames frame tags before the browser sees them; so each
    # attempt here reaches the guard itself. Only "initial markup" is about the source.
    runtime = {name: body if name == "initial markup" else _spelt_at_run_time(body) for name, body in pages.items()}
    return {
        name: f"<!doctype html><html><head><title>{name}</title>{PROBE}</head><body>{body}</body></html>"
        for name, body in runtime.items()
    }


def _spelt_at_run_time(code: str) -> str:
    code = re.sub(r"<(/?)([iI])([fF])", lambda m: f"<{m[1]}{m[2]}\\u00{ord(m[3]):x}", code)
    return code.replace("shadowrootmode", "shadowr\\u006ftmode")


def app_page(count: int) -> str:
    """An app page with `count` preview frames, collecting what the pages report."""
    frames = "".join(f'<iframe src="/wrapper/{i}" style="width:640px;height:400px"></iframe>' for i in range(count))
    return (
        "<!doctype html><html><body><script>window.__reports = [];"
        "addEventListener('message', function (e) {"
        " if (e.data && e.data.guardProbe) __reports.push(e.data.guardProbe); });"
        f"</script>{frames}</body></html>"
    )


def person_context(browser: Any) -> Any:
    """A context as a person's desktop browser shows the app: a large screen, a normal window."""
    return browser.new_context(viewport={"width": 1440, "height": 900}, screen={"width": 1920, "height": 1080})


def serve(context: Any, documents: list[str]) -> None:
    """The app page and one wrapper document per artifact, answered by routes (nothing else is answered)."""

    def answer(route: Any) -> None:
        url = route.request.url
        if url == APP + "/":
            route.fulfill(status=200, body=app_page(len(documents)), content_type="text/html")
        elif url.startswith(APP + "/wrapper/"):
            route.fulfill(status=200, body=documents[int(url.rsplit("/", 1)[1])], content_type="text/html")
        else:
            route.continue_()

    context.route(APP + "/**", answer)


browser = browser_helpers.browser  # one Chromium for the module


def _run(browser: Any, listener: Listener, pages: dict[str, str], expected: int) -> list[str]:
    context = person_context(browser)
    try:
        serve(context, [sandbox_document(listener.fill(code), "html") for code in pages.values()])
        page = context.new_page()
        page.goto(APP + "/")
        page.wait_for_function(f"() => window.__reports.length >= {expected}", timeout=60_000, polling=200)
        page.wait_for_timeout(2500)  # anything a leaked connection sends arrives meanwhile
        return list(page.evaluate("window.__reports"))
    finally:
        context.close()


def test_no_hostile_page_gets_a_fresh_realm_or_reaches_the_network(browser: Any) -> None:
    pages = hostile_pages()
    with loopback_listener() as listener:
        reports = _run(browser, listener, pages, expected=45)
        received = list(listener.received)
    print("\n".join(reports))
    escaped = [r for r in reports if "ESCAPED" in r]
    assert escaped == [], reports
    assert received == [], f"the loopback listener heard: {received}; reports: {reports}"
    assert "window.open: null" in reports
    # Each kind of attempt did run (the page was not simply broken by the guard).
    for where in (
        "tampered appendChild",
        "append window[0]",
        "split write",
        "after open",
        "closed shadow",
        "custom element innerHTML",
        "markup window[0]",
        "own",
    ):
        assert any(r.startswith(where + ":") for r in reports), (where, reports)


CROSS_TALK = """<!doctype html><html><head><title>side</title></head><body><h1>side</h1><script>
var heard = [];
addEventListener('message', function (e) { heard.push(String(e.data && e.data.note)); });
onmessage = function (e) { heard.push('onmessage ' + String(e.data && e.data.note)); };
postMessage({note: 'to myself'}, '*');  // a page's own messages (setImmediate shims) still arrive
setTimeout(function () {
  for (var i = 0; i < top.frames.length; i++) {
    if (top.frames[i] === parent) continue;  // the other previews only
    try { top.frames[i].frames[0].postMessage({note: 'from ' + document.title}, '*'); } catch (e) {}
  }
}, 300);
setTimeout(function () { top.postMessage({guardProbe: 'heard: ' + heard.sort().join(' | ')}, '*'); }, 1500);
</script></body></html>"""
SPOOF = """<!doctype html><html><body><h1>still here</h1><script>
var text = 'Your session expired: sign in again at https://evil.example/login';
parent.postMessage({canvasbenchBlocked: text}, '*');
parent.postMessage({canvasbench: '', kind: 'navigation', value: text}, '*');
parent.postMessage({canvasbench: undefined, kind: 'navigation', value: 'https://evil.example/login'}, '*');
top.postMessage({guardProbe: 'spoof sent'}, '*');
</script></body></html>"""
PRECONNECTS = """<!doctype html><html><body><h1>links</h1>
<iframe src="http://127.0.0.1:{TCP}/markup-frame"></iframe><a id="a" href="http://127.0.0.1:{TCP}/anchor">go</a>
<script>
var a = document.getElementById('a');
a.dispatchEvent(new MouseEvent('click', {bubbles: false, cancelable: true}));
var b = document.createElement('a'); b.href = 'http://127.0.0.1:{TCP}/shadow';
var host = document.createElement('div'); document.body.append(host);
host.attachShadow({mode: 'closed'}).append(b);
b.dispatchEvent(new MouseEvent('click', {bubbles: true, composed: false, cancelable: true}));
top.postMessage({guardProbe: 'preconnects tried'}, '*');
</script></body></html>"""


def test_pages_cannot_message_each_other_or_put_text_in_our_notice(browser: Any) -> None:
    with loopback_listener() as listener:
        context = person_context(browser)
        try:
            pages = [CROSS_TALK, CROSS_TALK.replace("side", "other"), SPOOF, listener.fill(PRECONNECTS)]
            serve(context, [sandbox_document(code, "html") for code in pages])
            page = context.new_page()
            page.goto(APP + "/")
            page.wait_for_function("() => window.__reports.length >= 4", timeout=60_000, polling=200)
            page.wait_for_timeout(2000)  # a preconnect, if any, arrives meanwhile
            reports = sorted(page.evaluate("window.__reports"))
            wrappers = [f for f in page.frames if f.parent_frame == page.main_frame]
            notices = [f.evaluate("() => document.querySelector('.notice')?.innerText || ''") for f in wrappers]
            framed = [f.evaluate("() => !!document.querySelector('iframe')") for f in wrappers]
            received = list(listener.received)
        finally:
            context.close()
    # Each side hears its own message only (twice: listener and onmessage), never the other side's.
    assert reports.count("heard: onmessage to myself | to myself") == 2, reports
    # The spoofing page keeps its frame: no notice, and none of its text anywhere.
    assert framed[2] and notices[2] == "", notices
    assert not any("evil.example" in text or "session" in text for text in notices), notices
    # Links and markup frames aimed at the listener: refused before any connection is opened.
    assert received == [], received
    assert "http://127.0.0.1" in notices[3] and "navigate" in notices[3], notices
