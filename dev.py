#!/usr/bin/env python3
"""Set up and run CanvasBench on a fresh machine: `python3 dev.py dashboard` (`--demo`: stand-ins on a demo
database, no key or network needed) or `python3 dev.py test`.

Only the standard library is used here, because this script runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".canvasbench-installed"
CHROMIUM = Path("/usr/bin/chromium")
DEMO_DB = ROOT / "storage" / "demo.db"


def say(message: str) -> None:
    """Progress for the person waiting."""
    print(f"[canvasbench setup] {message}", flush=True)


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a command from the project root; stop with its exit code if it fails."""
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    """Create .venv and install the project (with test tools) whenever pyproject.toml changes."""
    if not PY.exists():
        say("creating .venv")
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    say("installing Python packages into .venv (first run takes a few minutes)")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def apt_install(*packages: str) -> bool:
    """Install Debian packages when we are root on a Debian-like system; say what to do otherwise."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        say(f"please install the system packages {' '.join(packages)} (apt-get install {' '.join(packages)})")
        return False
    say(f"installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    return subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env).returncode == 0


def ensure_chromium(required: bool) -> None:
    """Debian's chromium drives render checks and the browser tests (never a downloaded browser)."""
    if CHROMIUM.exists():
        return
    if apt_install("chromium", "fonts-liberation") and CHROMIUM.exists():
        return
    if required:
        sys.exit(f"{CHROMIUM} is needed for the browser tests: install Debian's chromium package.")
    say("render checks are off until chromium is installed")


def ensure_mirror(required: bool) -> None:
    """Build the offline CDN library mirror from the npm registry's packages (once)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if not shutil.which("npm"):
        apt_install("npm")
    if not shutil.which("npm"):
        if required:
            sys.exit("npm is needed to build the offline library mirror: install Node.js and npm.")
        say("the offline library mirror is not built (no npm); pages that load CDN libraries will show as blocked")
        return
    result = subprocess.run([str(BIN / "canvasbench"), "mirror", "build"], cwd=ROOT, env=env)
    if result.returncode != 0 and required:
        sys.exit(result.returncode)


def demo_environment(environ: dict[str, str]) -> dict[str, str]:
    """`environ` set up for the demo: the stand-ins switched on, and the demo's own database in use."""
    return {**environ, "CANVASBENCH_DEMO": "1", "CANVASBENCH_DB": str(DEMO_DB), "CANVASBENCH_DEMO_DB": str(DEMO_DB)}


def dashboard(extra: list[str], demo: bool = False) -> None:
    """Install what is missing, then serve the dashboard (it runs app.py once itself before the first visitor).

    With `demo`, the dashboard opens storage/demo.db and, on start, launches the stand-ins' comparison.
    """
    ensure_venv()
    ensure_chromium(required=False)
    if not demo:  # the showcase pages load no library: the demo needs no mirror, so no network
        ensure_mirror(required=False)
    env = None
    if demo:
        DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
        env = demo_environment(dict(os.environ))
        say(f"demo: stand-in models on {DEMO_DB} (your own database is not touched; no key or network needed)")
    say("starting the dashboard: open the URL below")
    server = subprocess.Popen([str(PY), "-m", "streamlit", "run", str(ROOT / "app.py"), *extra], cwd=ROOT, env=env)
    try:
        sys.exit(server.wait())
    except KeyboardInterrupt:
        server.terminate()
        sys.exit(server.wait())


def test(extra: list[str]) -> None:
    """Install what is missing (the test browser included), lint, type-check and run every test."""
    ensure_venv()
    ensure_chromium(required=True)
    ensure_mirror(required=True)
    run(BIN / "ruff", "check", ".")
    run(BIN / "mypy")  # canvasbench/, ui/, pages/ and app.py (pyproject's [tool.mypy] files)
    run(PY, "-m", "pytest", *extra)


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The sub-command and its flags; whatever is left over goes to Streamlit or pytest."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["dashboard", "test", "setup"])
    parser.add_argument(
        "--demo", action="store_true",
        help="dashboard only: a separate demo database with stand-in models streaming showcase pages",
    )  # fmt: skip
    args, extra = parser.parse_known_args(argv)
    if args.demo and args.command != "dashboard":
        parser.error("--demo goes with dashboard: python3 dev.py dashboard --demo")
    return args, extra


def main() -> None:
    """Parse the one sub-command."""
    args, extra = parse(sys.argv[1:])
    if args.command == "dashboard":
        dashboard(extra, demo=args.demo)
    elif args.command == "test":
        test(extra)
    else:
        ensure_venv()
        ensure_chromium(required=False)
        ensure_mirror(required=False)


if __name__ == "__main__":
    main()
