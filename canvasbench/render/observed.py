"""What a watched page did: its console, errors, requests and heartbeat, and its renderer's CPU time.

The checker (`check.py`) fills an `Observed` from the browser's events while the page runs, and asks it
whether the page stopped responding: from the page's own progress (a heartbeat it sends) against the CPU
time its renderer's main thread spends, never from wall time.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import ConsoleMessage

from canvasbench.render.limits import CheckLimits
from canvasbench.render.page_scripts import DREW, HANDOFF, HEARTBEAT, THREW
from canvasbench.render.probe_facts import text
from canvasbench.render.processes import main_thread_cpu_s, renderer_pids
from canvasbench.render.verdict import MAX_MESSAGES, MAX_REQUESTS
from canvasbench.sandbox.mirror import MirrorHit

ARTIFACT_HOST = "artifact.canvasbench.invalid"
# Console errors that are the sandbox doing its job (counted apart, not as the page's JS errors),
# and resource failures we already report as blocked or failed requests.
# Each is produced by the sandbox alone (a saved copy of the page does not see it): alert/confirm/print
# ignored, autofocus refused in a cross-origin frame, pointer lock (allowed now; kept for older documents).
_SANDBOX_MESSAGES = ("Ignored call to", "Blocked script execution", "Blocked autofocusing", "Blocked pointer lock")
_NAVIGATION_MESSAGES = ("Unsafe attempt to initiate navigation", "Blocked form submission")
_POPUP_MESSAGE = "Blocked opening"
_RESOURCE_MESSAGE = "Failed to load resource"
_CSP_MESSAGE = "Content Security Policy"
_URL_IN_MESSAGE = re.compile(r"(?:https?|wss?)://[^\s'\"]+")
_LOCAL_URL = re.compile(rf"https?://{re.escape(ARTIFACT_HOST)}/([^\s'\"?#]+)")
# Errors that stop a script before any of it runs: parse errors and failed module links.
_STARTUP_FAILURE = re.compile(
    r"^Uncaught SyntaxError|Failed to resolve module specifier|does not provide an export named|"
    r"Failed to fetch dynamically imported module"
)


class NotResponding(Exception):
    """The page's main thread computed without finishing a task (no heartbeat) for longer than allowed."""


class PageCpu:
    """CPU seconds used by the main thread of each renderer process of one slot's browser (its page's alone)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self._pids: list[int] = []
        self._listed_at = float("-inf")

    def readings(self) -> dict[int, float] | None:
        """pid -> main-thread CPU seconds; None where /proc cannot tell (the caller falls back to time)."""
        now = time.monotonic()
        if now - self._listed_at > 1.0:  # a renderer may start later (the page's own, after navigation)
            self._pids = renderer_pids(os.getpid(), self.marker)
            self._listed_at = now
        found = {pid: cpu for pid in self._pids if (cpu := main_thread_cpu_s(pid)) is not None}
        return found or None


@dataclass(frozen=True)
class Look:
    """The page at one moment."""

    probe: dict[str, Any]
    shot: bytes
    drawn: bool
    animates: bool | None = None  # set when a late drawer was looked at twice
    at: float = field(default_factory=time.monotonic)


@dataclass
class Observed:
    """What the page did while it ran (filled by event handlers)."""

    js_errors: int = 0
    errors: list[str] = field(default_factory=list)
    startup_failures: int = 0
    blocked: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    mirrored: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    substitutions: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    popups: int = 0
    sandbox_blocks: int = 0
    crashed: bool = False
    crash_event: asyncio.Event = field(default_factory=asyncio.Event)
    heartbeat_at: float = field(default_factory=time.monotonic)
    beats: int = 0
    cpu: PageCpu | None = None
    hang: str = ""  # what was seen when it was called not responding
    drew: str = ""  # the page's first drawing call (it says so itself, even if it stops responding next)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per part of the check
    lines_before: int | None = None  # lines the preview document puts before the artifact's (page_error)
    ran_on: tuple[int, float] | None = None  # its animation frames and the clock when it last ran on after the looks
    _baseline: dict[int, float] | None = None  # main-thread CPU per renderer at the last heartbeat seen
    _baseline_beats: int = -1

    def restart(self) -> None:
        """Progress is counted from now (the page is about to be opened)."""
        self.heartbeat_at = time.monotonic()
        self._baseline, self._baseline_beats = None, -1

    def stuck(self, limits: CheckLimits) -> bool:
        """Whether the page's main thread stopped finishing tasks: it computed `stuck_cpu_s` of CPU since its
        last heartbeat (an endless loop), or finished none for `silent_s` although it only waited."""
        silent = time.monotonic() - self.heartbeat_at
        readings = self.cpu.readings() if self.cpu is not None else None
        if readings is None:
            if silent > limits.step_timeout_s:
                self.hang = f"its main thread finished no task for {silent:.0f} s"
                return True
            return False
        if self._baseline is None or self.beats != self._baseline_beats:
            self._baseline, self._baseline_beats = dict(readings), self.beats
            return False
        for pid, cpu in readings.items():
            self._baseline.setdefault(pid, cpu)  # a renderer seen for the first time counts from now
        burnt = sum(max(0.0, cpu - self._baseline[pid]) for pid, cpu in readings.items())
        if burnt > limits.stuck_cpu_s:
            self.hang = (
                f"its main thread computed for {burnt:.1f} s of CPU time ({silent:.0f} s on the clock) "
                "without finishing a task"
            )
            return True
        if silent > limits.silent_s:
            # Mostly waiting (software GL, a stuck call) or computing on a machine too busy to give it the CPU.
            how = "waiting, not computing" if burnt < 0.1 * silent else "computing, on a busy machine"
            self.hang = (
                f"its main thread finished no task for {silent:.0f} s while using {burnt:.1f} s of CPU time ({how})"
            )
            return True
        return False

    def error(self, message: str) -> None:
        self.js_errors += 1
        if _STARTUP_FAILURE.search(message) and "JSON" not in message:
            self.startup_failures += 1
        if len(self.errors) < MAX_MESSAGES and message not in self.errors:
            self.errors.append(message[:500])

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "debug" and msg.text.startswith(HANDOFF):
            return  # the counts' handover: ArtifactWorld takes it through DevTools
        if msg.type == "debug" and msg.text == HEARTBEAT:
            self.heartbeat_at = time.monotonic()
            self.beats += 1
            return
        if msg.type == "debug" and msg.text.startswith(DREW + " "):
            self.drew = self.drew or msg.text[len(DREW) + 1 :][:40]
            return
        if msg.type == "debug" and msg.text.startswith(THREW + " "):
            self.error(hidden_error(msg.text[len(THREW) + 1 :], self.lines_before))
            return
        if msg.type != "error":
            return
        text = msg.text
        if text.startswith(_POPUP_MESSAGE):
            self.popups += 1
        elif text.startswith(_NAVIGATION_MESSAGES):
            self.sandbox_blocks += 1
            url = _URL_IN_MESSAGE.search(text)
            self.navigate(url.group(0).rstrip(".,;'") if url else text[:120])
        elif _CSP_MESSAGE in text:
            # The dashboard's CSP refused a connection or frame: a blocked request, not a JS error.
            self.sandbox_blocks += 1
            url = _URL_IN_MESSAGE.search(text)
            if url:
                found = url.group(0).rstrip(".,;")
                local = local_file(found)
                if local is not None:
                    self.missing(local)  # a file beside the page, refused by the preview's CSP
                else:
                    self.block(found)
        elif text.startswith(_SANDBOX_MESSAGES):
            self.sandbox_blocks += 1
        elif not text.startswith(_RESOURCE_MESSAGE):
            self.error(text)

    def block(self, url: str) -> None:
        if url not in self.blocked and len(self.blocked) < MAX_REQUESTS:
            self.blocked.append(url)

    def navigate(self, url: str) -> None:
        if url not in self.navigations and len(self.navigations) < MAX_REQUESTS:
            self.navigations.append(url)

    def missing(self, name: str) -> None:
        if name not in self.missing_files and len(self.missing_files) < MAX_REQUESTS:
            self.missing_files.append(name)

    def serve(self, url: str, hit: MirrorHit) -> None:
        if len(self.mirrored) < MAX_REQUESTS:
            self.mirrored.append(url)
        if hit.served not in self.served:
            self.served.append(hit.served)
        note = hit.substitution
        if note and note not in self.substitutions:
            self.substitutions.append(note)


_SRCDOC_FRAME = re.compile(r"about:srcdoc:(\d+):(\d+)")


_UNCAUGHT = re.compile(r"^Uncaught (\(in promise\) )?")


def page_error(name: str | None, message: str, stack: str | None, lines_before: int | None) -> str:
    """An uncaught error as the check records it, with the line of the artifact it came from when known.

    `lines_before`: the lines the preview document puts before the artifact's own (None: not an HTML page).
    """
    # The browser names a rejection from its own code (a fetch's .json()) "Uncaught (in promise) SyntaxError".
    name = _UNCAUGHT.sub("", name or "") or "Error"
    text = f"Uncaught {name}: {message}"
    frame = _SRCDOC_FRAME.search(stack or "")
    if frame is not None and lines_before is not None:
        line = int(frame.group(1)) - lines_before
        if line >= 1:
            text += f" (line {line}, column {frame.group(2)})"
    return text


def hidden_error(sent: str, lines_before: int | None) -> str:
    """An uncaught error the page marked handled, from the [name, message, stack] the init script sent."""
    try:
        name, message, stack = json.loads(sent)
    except (ValueError, TypeError):  # the script sends three fields; anything else is still an error thrown
        name, message, stack = None, sent, None
    # The page's own values: a field of the wrong type says nothing.
    return page_error(text(name, 2000), text(message, 2000) or "an error it then hid", text(stack, 2000), lines_before)


def local_file(url: str) -> str | None:
    """The file name a request for something beside the page asks for (None for any other request)."""
    parts = urlsplit(url)
    if parts.hostname != ARTIFACT_HOST or parts.path in ("", "/", "/index.html"):
        return None
    return parts.path.lstrip("/")


def local_files_in(messages: list[str]) -> list[str]:
    """Files beside the page named in error messages (a Worker built from `worker.js`)."""
    return [m.group(1) for message in messages for m in _LOCAL_URL.finditer(message)]


class Phases:
    """Wall seconds spent in each part of one check (where a slow check's time went)."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into
        self.at = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.into[name] = round(self.into.get(name, 0.0) + now - self.at, 2)
        self.at = now
