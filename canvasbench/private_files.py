"""Files that hold model output or run data, created so only their owner can read them and no planted link is
followed: folders 0700 checked with lstat (ours, not a link, nobody else may write), files 0600 with
O_EXCL|O_NOFOLLOW, and a fresh name when one is taken (never an overwrite)."""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from canvasbench.paths import recovery_dir

FILE_MODE = 0o600
DIR_MODE = 0o700
_NAMES_TRIED = 100


class UnsafeFolder(OSError):
    """A folder another user could use to redirect or read what we write there."""


def checked_folder(folder: Path) -> Path:
    """`folder` created 0700 if missing; refused (UnsafeFolder) when it is a link, not ours, or others may write it."""
    with contextlib.suppress(FileExistsError):
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(folder, DIR_MODE)  # mkdir never follows a link in its last component: it fails instead
    refusal = _refusal(os.lstat(folder))
    if refusal:
        raise UnsafeFolder(f"{folder} {refusal}")
    return folder


def _refusal(info: os.stat_result) -> str | None:
    """Why a folder (as lstat sees it) is not safe to write private files in; None when it is."""
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return "is a link or not a folder"
    if info.st_uid != os.geteuid():
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"may be written by other users (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def _ours(folder: Path) -> bool:
    try:
        return _refusal(os.lstat(folder)) is None
    except OSError:
        return False


def create_private(folder: Path, stem: str, suffix: str) -> tuple[Path, int]:
    """A new file `stem{suffix}` (else `stem-2{suffix}`, ...) in a checked folder, opened for writing, mode 0600."""
    checked_folder(folder)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for index in range(1, _NAMES_TRIED + 1):
        path = folder / (f"{stem}{suffix}" if index == 1 else f"{stem}-{index}{suffix}")
        try:
            return path, os.open(path, flags, FILE_MODE)
        except FileExistsError:  # a planted link or an earlier file of ours: both stay as they are
            continue
    raise FileExistsError(f"{folder} already holds {_NAMES_TRIED} files named {stem}*{suffix}")


def _user_folders() -> list[Path]:
    """The user's own recovery folders: in the runtime dir when there is one, and under ~/.local/state."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return [*([Path(runtime) / "canvasbench-recovered"] if runtime else []), Path(state) / "canvasbench" / "recovered"]


def fallback_folders() -> Iterator[Path]:
    """Per-user folders for when the configured one cannot be used: runtime dir, ~/.local/state, a new temp dir."""
    yield from _user_folders()
    yield Path(tempfile.mkdtemp(prefix="canvasbench-recovered-"))  # made 0700 by us, under a fresh name


def write_private(folders: Iterator[Path] | list[Path], stem: str, suffix: str, body: str) -> Path | None:
    """Write `body` to a new private file in the first folder that takes it; None when none does."""
    for folder in folders:
        path: Path | None = None
        try:
            path, fd = create_private(folder, stem, suffix)
            with open(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            return path
        except OSError:
            if path is not None:  # our own half-written file (a full disk): never someone else's
                with contextlib.suppress(OSError):
                    path.unlink()
    return None


def create_private_file(path: Path) -> bool:
    """Create `path` empty with mode 0600 unless it exists (True: created); the folder is not changed."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        os.close(os.open(path, flags, FILE_MODE))
    except FileExistsError:
        return False
    return True


def find_recovery_file(run_id: str) -> Path | None:
    """The newest recovery file of a run in the folders `write_recovery_file` uses (None: there is none)."""
    temp = [f for f in Path(tempfile.gettempdir()).glob("canvasbench-recovered-*") if _ours(f)]  # not others'
    found: list[tuple[float, Path]] = []
    for folder in [recovery_dir(), *_user_folders(), *temp]:
        name = glob.escape(run_id)
        for path in (*folder.glob(f"{name}.txt"), *folder.glob(f"{name}-*.txt")):
            with contextlib.suppress(OSError):
                info = path.lstat()
                if stat.S_ISREG(info.st_mode):  # never a link someone planted
                    found.append((info.st_mtime, path))
    return max(found)[1] if found else None

