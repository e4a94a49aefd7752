"""Telling whether a process is still alive across pid reuse and zombies (Linux /proc, else a signal probe).

A token names the machine too: a database on a shared disk is used from several, and a pid means nothing
on another machine, so a process there is never declared dead from here.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The fields after the command name, which may itself hold spaces and parentheses.
    return stat.rsplit(")", 1)[1].split()


def worker_token(pid: int | None = None) -> str:
    """Identify a live process so a later one can tell whether it died (pid reuse included)."""
    pid = os.getpid() if pid is None else pid
    fields = _stat_fields(pid)
    return f"{pid}:{fields[19] if fields else ''}@{socket.gethostname()}"


def worker_alive(token: str | None) -> bool:
    """Whether the process that wrote this token is still running (a zombie has died: it is only unreaped)."""
    if not token or ":" not in token:
        return False
    token, _, host = token.partition("@")  # tokens written before hosts were recorded have none
    if host and host != socket.gethostname():
        return True  # another machine's process: we cannot tell, and must not end its runs
    pid_text, start = token.split(":", 1)
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if Path("/proc").is_dir():
        fields = _stat_fields(pid)
        return fields is not None and start != "" and fields[19] == start and fields[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
