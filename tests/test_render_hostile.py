"""Hostile pages in the render check: it sees what a viewer sees, and nothing reaches the network.

Each page aims at a real loopback listener (a UDP and a TCP socket on 127.0.0.1) that must receive
nothing: navigation of its own frame, meta refresh, form submission, WebRTC (STUN/TURN) from every
kind of frame, and every beacon a page can send.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from canvasbench.paths import mirror_dir
from canvasbench.render import CheckLimits, RenderCheck, RenderEngine, check_artifact
from canvasbench.render.processes import chromium_path
from tests.loopback import Listener, loopback_listener

HOSTILE = Path(__file__).parent / "render_pages" / "hostile"
LIMITS = CheckLimits(load_timeout_s=15.0, sample_s=1.5, step_timeout_s=10.0)

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    eng = RenderEngine(max_concurrent=1)
    yield eng
    eng.close()


def check_hostile(engine: RenderEngine, name: str) -> tuple[RenderCheck, list[str]]:
    """Check a hostile page aimed at a fresh listener; returns the check and what the listener got."""
    with loopback_listener() as listener:
        check = check_artifact(fill(listener, name), "html", mirror=mirror_dir(), limits=LIMITS, engine=engine)
        time.sleep(0.5)  # anything sent late still arrives before the listener closes
        return check, list(listener.received)


def fill(listener: Listener, name: str) -> str:
    return listener.fill((HOSTILE / name).read_text(encoding="utf-8"))


def test_a_page_that_navigates_itself_is_framed_stays_and_is_recorded(engine: RenderEngine) -> None:
    check, received = check_hostile(engine, "navigate_self.html")
    assert received == []
    assert check.details["title"] == "framed=true"  # top !== self: it cannot tell the checker from a viewer
    assert check.details["top_is_self"] is False
    assert any("/leak?ua=" in url for url in check.navigations)
    assert "navigate away" in check.evidence
    # It navigated (and was refused), so what it drew is still what gets judged.
    assert check.verdict == "renders", check.evidence
    assert check.details["text_chars"] > 20


def test_meta_refresh_is_refused_and_the_page_is_still_judged(engine: RenderEngine) -> None:
    check, received = check_hostile(engine, "meta_refresh.html")
    assert received == []
    assert any("/refresh?k=secret" in url for url in check.navigations), check.navigations
    assert check.verdict == "renders", check.evidence
    assert "navigate away" in check.evidence


def test_form_submissions_are_refused_and_recorded(engine: RenderEngine) -> None:
    check, received = check_hostile(engine, "form_submit.html")
    assert received == []
    assert any("/steal" in url for url in check.navigations), check.navigations
    assert check.verdict == "renders", check.evidence


def test_webrtc_is_disabled_in_every_frame_and_the_attempt_is_noted(engine: RenderEngine) -> None:
    check, received = check_hostile(engine, "webrtc.html")
    assert received == []  # no STUN binding request, no TURN allocation, over UDP or TCP
    assert check.details["webrtc_attempts"] >= 2
    assert "WebRTC connection attempt" in check.evidence


def test_no_beacon_reaches_the_network(engine: RenderEngine) -> None:
    check, received = check_hostile(engine, "beacons.html")
    assert received == []
    assert check.verdict in ("renders", "renders with errors"), check.evidence
    assert check.blocked_requests  # reported, not silently dropped


def test_a_page_that_tampers_with_prototypes_first_gets_no_fresh_realm(engine: RenderEngine) -> None:
    # Issue 19: with matches/querySelectorAll/remove replaced, a srcdoc frame brought RTCPeerConnection back.
    check, received = check_hostile(engine, "webrtc_tampered.html")
    assert received == []  # no STUN binding request, no ICE check carrying the page's data
    assert check.details["webrtc_attempts"] >= 1  # its own attempt, refused and counted
    assert check.verdict == "renders", check.evidence


def test_a_page_that_lies_to_the_probe_still_gets_its_verdict_and_stores_nothing_bulky(engine: RenderEngine) -> None:
    # The probe runs in the page's world: this page finds the check's state and makes its frame count a string,
    # its contexts huge or not numbers, its canvas infinitely wide and its title a megabyte. The check used to
    # end in a traceback ("invalid literal for int()") and store no verdict at all.
    check, received = check_hostile(engine, "probe_tampered.html")
    assert check.verdict == "renders with errors", check.evidence
    assert "undefinedHelper is not defined" in check.evidence
    assert len(json.dumps(check.details)) < 40_000  # the 1 MB title and the 100 kB context name are cut
    assert received == []


def test_a_page_cannot_tell_the_check_it_drew_or_animated(engine: RenderEngine) -> None:
    # It draws nothing (its colours are the canvas's CSS), looks for the check's state on `window` (it found it
    # behind a symbol there once) to mark its canvas drawn and its frames many, and sends the texts the check
    # listens for, looked for in the source of the canvas functions the check wrapped. The check said "renders:
    # drew a 2D canvas 1280×800, 7150 animation frames".
    check, received = check_hostile(engine, "probe_lies.html")
    assert check.verdict == "blank", check.evidence
    assert "canvas got a 2D context but nothing was ever drawn on it" in check.evidence
    assert not check.drawn and not check.frames
    assert received == []


def test_a_page_cannot_tell_the_check_from_a_persons_browser_by_its_natives(engine: RenderEngine) -> None:
    # It reads the source, name, length and prototype of the natives the check wraps (as bot checks do) and
    # draws an orbit only when they look patched; in a person's browser it throws and shows nothing. The check
    # said "renders ... with no errors".
    check, received = check_hostile(engine, "tells_patched_natives.html")
    assert check.verdict == "crashed", check.evidence
    assert any("the orbit data did not load" in e for e in check.errors), check.errors
    assert not check.drawn and not check.frames
    assert received == []


def test_a_page_cannot_tell_it_is_watched_by_what_the_checks_hooks_call(engine: RenderEngine) -> None:
    # It replaces the built-ins a wrapper might call (a Set's add, an array's iterator, a WeakMap's set, setters on
    # Object.prototype, DOM getters) and calls the natives the check wraps; it draws a comet only if anything ran
    # while they did. The check's hooks called the page's replacements ("Array.Symbol(Symbol.iterator) WeakMap.set
    # set 2d ...") and it said "renders with errors" for a page that throws in a person's browser.
    check, received = check_hostile(engine, "tells_hook_calls.html")
    assert check.verdict == "crashed", check.evidence
    assert any("the comet data did not load" in e for e in check.errors), check.errors
    assert check.details["title"] == "Comet"  # what it saw called follows its name in its title: nothing
    assert not check.drawn and not check.frames
    assert received == []


def test_a_page_cannot_tell_it_is_watched_by_the_checks_probe_or_styles(engine: RenderEngine) -> None:
    # It watches its DOM functions and getters, its element tree and its style sheets, and draws a starfield once
    # anything reads or changes them, as the check's probe and its canvas-only style did from the page's world.
    # The check said "renders" for a page that shows an empty canvas in a person's browser.
    check, received = check_hostile(engine, "tells_probe_calls.html")
    assert check.verdict == "blank", check.evidence
    assert check.details["title"] == "Starfield"
    assert not check.drawn
    assert received == []


def test_a_page_cannot_tell_it_is_watched_by_what_reads_its_console(engine: RenderEngine) -> None:
    # It logs a regexp, a date and a function with their own toString, an element and errors with getters, an
    # error whose class's prototype is a Proxy, a proxy, and draws a pendulum only if any was read: the check's
    # DevTools connection described them (read "regexp, date, function"), which a person's browser with DevTools
    # closed never does. The check said "renders" for a page that throws.
    check, received = check_hostile(engine, "tells_watching_console.html")
    assert check.verdict == "crashed", check.evidence
    assert any("the pendulum settings did not load" in e for e in check.errors), check.errors
    # Its console.error as the check took it: nothing read but each real error's own plain message.
    assert "[object] [object] [function] [object] Error: e TypeError Error: f [object]" in check.errors
    assert not check.drawn and not check.frames
    assert received == []


def test_a_page_that_hides_its_errors_from_the_browser_is_still_judged_with_them(engine: RenderEngine) -> None:
    # Its animation stops on a ReferenceError and a promise of it fails; an onerror returning true, listeners
    # calling preventDefault and redefined event getters hide both. The browser then reports nothing, and the
    # check said "renders ... with no errors" of a page frozen at its 20th frame.
    check, received = check_hostile(engine, "hides_errors.html")
    assert check.verdict == "renders with errors", check.evidence
    stopped = "Uncaught ReferenceError: updatePhysics is not defined (line 20, column"
    assert any(e.startswith(stopped) for e in check.errors), check.errors
    assert any(e.startswith("Uncaught TypeError: the level data did not load") for e in check.errors), check.errors
    assert check.js_errors == 2
    assert received == []


def test_a_page_that_breaks_the_probe_is_still_judged_by_what_it_drew_and_threw(engine: RenderEngine) -> None:
    # It replaces document.querySelectorAll and Array.from with functions that throw, so every script the check
    # runs in its world fails. The check ended at once with no look taken: "blank", for a page that drew and threw.
    check, received = check_hostile(engine, "probe_broken.html")
    assert check.verdict == "renders with errors", check.evidence
    assert "undefinedHelper is not defined" in check.evidence
    assert check.drawn
    assert received == []
