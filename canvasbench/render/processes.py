"""Finding the Chromium binary and watching its renderer processes (Linux /proc)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def chromium_path() -> str | None:
    """`CANVASBENCH_CHROMIUM`, else the Debian chromium on PATH."""
    explicit = os.environ.get("CANVASBENCH_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid`, read from /proc (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def renderer_pids(root_pid: int, marker: str) -> list[int]:
    """Renderer processes of the browsers (among this process's descendants) launched with `marker` in a switch."""
    below = descendants(root_pid)
    browsers = [p for p in below if marker.encode() in _cmdline(p) and b"--type=" not in _cmdline(p)]
    return [p for browser in browsers for p in descendants(browser) if b"--type=renderer" in _cmdline(p)]


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def main_thread_cpu_s(pid: int) -> float | None:
    """CPU seconds the process's main thread has used (None when it is gone or /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    except (OSError, ValueError, IndexError):
        return None


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",  # WebGL still works: Chromium falls back to SwiftShader
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # navigator.webdriver reads false, as in a person's browser (a page could behave only when watched).
    "--disable-blink-features=AutomationControlled",
    "--disable-extensions",
    "--mute-audio",
    # Every frame of the check in one renderer: requests of an out-of-process frame can start before
    # the request router is attached to it (seen: a sandboxed srcdoc frame's first script bypassed it).
    "--disable-site-isolation-trials",
    "--disable-features=IsolateSandboxedIframes,IsolateOrigins,site-per-process",
    # Safety net under the request routing: no host name resolves, so nothing can reach the network
    # (WebSocket, prefetch, anything a future Chromium adds) even if it slipped past the router.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # ...and whatever still goes out (IP literals, loopback included) is sent to a proxy that cannot
    # be resolved, so it fails; routed requests are answered before they ever reach it.
    "--proxy-server=http://proxy.canvasbench.invalid:9",
    "--proxy-bypass-list=<-loopback>",
    # WebRTC is removed from every frame by the init script; these keep ICE off non-proxied UDP too.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--enforce-webrtc-ip-permission-check",
)
