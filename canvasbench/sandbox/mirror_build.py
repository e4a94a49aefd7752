"""Filling the library mirror with `npm pack`: every package at set-up, and one version on first use.

A fetch can be cancelled (Ctrl-C), and a version that could not be had is not asked for again for a while.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from canvasbench.paths import mirror_dir
from canvasbench.sandbox.mirror import MIRROR_PACKAGES, Mirror, MirrorError, load_mirror


def _package_dir(dest: Path, name: str, version: str) -> Path:
    return dest / f"{name}@{version}"


def _pack(npm: str, dest: Path, name: str, spec: str, timeout: float, generation: int) -> Path:
    """`npm pack name@spec` unpacked into dest/name@version (the version npm chose); returns that folder."""
    with tempfile.TemporaryDirectory(dir=dest, prefix=".pack-") as tmp:
        work = Path(tmp)
        with subprocess.Popen(
            [npm, "pack", f"{name}@{spec}", "--silent", "--pack-destination", str(work)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=work,
            stdin=subprocess.DEVNULL,
        ) as proc:
            deadline = time.monotonic() + timeout
            while proc.poll() is None:
                if _generation[0] != generation or time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise MirrorError(f"'npm pack {name}@{spec}' was stopped after {timeout:.0f} s or by Ctrl-C.")
                time.sleep(0.05)
            stdout, stderr = proc.communicate()
        tarballs = list(work.glob("*.tgz"))
        if proc.returncode != 0 or not tarballs:
            detail = (stderr or stdout).strip().splitlines()[-1:] or ["no tarball"]
            raise MirrorError(f"'npm pack {name}@{spec}' failed: {detail[0]}")
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(work / "x", filter="data")
        unpacked = work / "x" / "package"
        if not (unpacked / "package.json").is_file():
            raise MirrorError(f"The npm tarball of {name}@{spec} has no package/package.json.")
        version = json.loads((unpacked / "package.json").read_text(encoding="utf-8")).get("version", spec)
        target = _package_dir(dest, name, str(version))
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)  # same filesystem: a complete folder appears at once
        return target


_fetch_lock = threading.Lock()
# Bumped by `cancel_fetches()`: a fetch started before stops. Only those: one interrupted pool (Ctrl-C in a
# command, a test, a dashboard's stopped check) must not leave the rest of the process unable to fetch; the
# interrupted pool starts no new check, so it starts no new fetch.
_generation = [0]


def cancel_fetches() -> None:
    """Stop every registry fetch in progress now (Ctrl-C)."""
    _generation[0] += 1


_fetch_failed: dict[tuple[str, str, str], float] = {}  # (dest, name, spec) -> when; not retried for a while
_RETRY_FAILED_S = 600.0


def fetch_version(name: str, spec: str, dest: Path | None = None, *, timeout: float = 120.0) -> bool:
    """Fetch one version of a package from the npm registry into the mirror; False when it cannot be had."""
    dest = (dest or mirror_dir()).expanduser()
    key = (str(dest), name, spec)
    npm = shutil.which("npm")
    if npm is None:
        return False
    generation = _generation[0]
    with _fetch_lock:
        if _generation[0] != generation:  # cancelled while waiting for the fetch before this one
            return False
        failed = _fetch_failed.get(key)
        if failed is not None and time.monotonic() - failed < _RETRY_FAILED_S:
            return False
        try:
            dest.mkdir(parents=True, exist_ok=True)
            _pack(npm, dest, name, spec, timeout, generation)
        except (MirrorError, OSError, ValueError, tarfile.TarError):
            if _generation[0] == generation:  # a real failure (not a Ctrl-C): do not ask again for a while
                _fetch_failed[key] = time.monotonic()
            return False
        return True


def build_mirror(
    dest: Path | None = None,
    *,
    packages: tuple[tuple[str, str], ...] = MIRROR_PACKAGES,
    progress: Any = None,
) -> Path:
    """Fetch every mirror package with `npm pack` and unpack it into `dest` (skips ones present)."""
    dest = (dest or mirror_dir()).expanduser()
    npm = shutil.which("npm")
    missing = [(n, v) for n, v in packages if not (_package_dir(dest, n, v) / "package.json").is_file()]
    if not missing:
        return dest
    if npm is None:
        raise MirrorError(
            "'npm' is not on PATH: install Node.js and npm (e.g. 'sudo apt-get install nodejs npm'), "
            "then run 'canvasbench mirror build' again."
        )
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MirrorError(f"Cannot create the mirror folder {dest}: {exc.strerror}.") from exc
    for name, version in missing:
        if progress:
            progress(f"{name}@{version}")
        _pack(npm, dest, name, version, 300, _generation[0])
    (dest / "mirror.json").write_text(
        json.dumps({"packages": [f"{n}@{v}" for n, v in packages]}, indent=1) + "\n", encoding="utf-8"
    )
    return dest


_CDN_URL = re.compile(r"https?://[^\s\"'`<>()]+")


MAX_FETCHES_PER_CHECK = 4  # library versions fetched from the registry for one page


def prefetch_versions(code: str, root: Path | None = None) -> Mirror:
    """Fetch library versions the page names that the mirror lacks (npm registry); the mirror after that."""
    mirror = load_mirror(root)
    fetched = 0
    for url in dict.fromkeys(_CDN_URL.findall(code)):
        wanted = mirror.missing_version(url)
        if wanted is None:
            continue
        if fetched >= MAX_FETCHES_PER_CHECK:
            break
        fetched += 1
        if fetch_version(*wanted, mirror.root):
            mirror = load_mirror(root)
    return mirror
