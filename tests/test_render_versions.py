"""Exact library versions: a version the mirror lacks is fetched from the npm registry on first use and
kept under the mirror folder; only when the registry cannot be reached is the nearest one served, and
the check says so ("served X@A for X@B").

The first test downloads one small package (simplex-noise, a few kB) with `npm pack`: a package-registry
download, the only network use here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from canvasbench.paths import mirror_dir
from canvasbench.sandbox.mirror import MIRROR_PACKAGES, load_mirror
from canvasbench.sandbox.mirror_build import build_mirror, prefetch_versions

PAGE = """<!doctype html><html><body><script type="module">
import { createNoise2D } from 'https://cdn.jsdelivr.net/npm/simplex-noise@4.0.1/dist/esm/simplex-noise.js';
document.body.textContent = createNoise2D()(0.5, 0.5).toFixed(3);
</script></body></html>"""
URL = "https://cdn.jsdelivr.net/npm/simplex-noise@4.0.1/dist/esm/simplex-noise.js"

needs_npm = pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")


@pytest.fixture
def own_mirror(tmp_path: Path) -> Path:
    """A mirror folder of this test's own: the packages `mirror build` fetches, linked from the default one."""
    default = mirror_dir()
    have = set(load_mirror(default).summary())
    if any(f"{n}@{v}" not in have for n, v in MIRROR_PACKAGES):
        build_mirror(default)
    root = tmp_path / "mirror"
    for name, version in MIRROR_PACKAGES:
        link = root / f"{name}@{version}"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(default / f"{name}@{version}", target_is_directory=True)
    return root


@needs_npm
@pytest.mark.timeout(300)
def test_a_version_the_mirror_lacks_is_fetched_on_first_use_and_served_exactly(own_mirror: Path) -> None:
    assert load_mirror(own_mirror).missing_version(URL) == ("simplex-noise", "4.0.1")
    mirror = prefetch_versions(PAGE, own_mirror)
    hit = mirror.resolve(URL)
    assert hit is not None and hit.exact
    assert hit.served == "simplex-noise@4.0.1" and hit.substitution is None
    assert (own_mirror / "simplex-noise@4.0.1" / "package.json").is_file()  # kept for the next check
    assert load_mirror(own_mirror).missing_version(URL) is None  # nothing to fetch a second time


@needs_npm
@pytest.mark.timeout(300)
def test_an_unreachable_registry_serves_the_nearest_version_and_says_which(
    own_mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loopback port 9 (discard) refuses at once: the registry cannot be reached.
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    mirror = prefetch_versions(PAGE, own_mirror)
    hit = mirror.resolve(URL)
    assert hit is not None and not hit.exact
    assert hit.substitution == f"served simplex-noise@{hit.version} for simplex-noise@4.0.1"
    assert not (own_mirror / "simplex-noise@4.0.1").exists()


REACT_PAGE = """<!DOCTYPE html><html><head>
<script src="https://unpkg.com/react@18/umd/react.development.js"></script>
<script src="https://unpkg.com/react-dom@18/umd/react-dom.development.js"></script>
<script src="https://unpkg.com/@babel/standalone/babel.min.js"></script>
</head><body><div id="root"></div>
<script type="text/babel">
function App() {
  const [n, setN] = React.useState(0);
  return (<div style={{padding: 40, fontFamily: 'sans-serif'}}>
    <h1>Counter</h1><p>Clicked {n} times</p><button onClick={() => setN(n + 1)}>Add one</button></div>);
}
ReactDOM.createRoot(document.getElementById('root')).render(<App />);
</script></body></html>"""


@needs_npm
@pytest.mark.timeout(400)
def test_a_react_and_babel_page_gets_its_libraries_from_the_registry_and_renders(own_mirror: Path) -> None:
    # React, ReactDOM and Babel are not pre-fetched, but generated UIs load them all the time: a page that
    # names them gets the versions it asks for (a range, or the latest for a URL without a version).
    from canvasbench.render import check_artifact

    check = check_artifact(REACT_PAGE, "html", mirror=own_mirror)
    assert check.verdict == "renders", check.evidence
    served = " ".join(check.served)
    assert "react@18." in served and "react-dom@18." in served and "@babel/standalone@" in served, served


def test_a_package_nobody_listed_is_never_asked_of_the_registry(own_mirror: Path) -> None:
    # A page could spell data into a package name; only pre-fetched or listed libraries are fetched.
    mirror = load_mirror(own_mirror)
    assert mirror.missing_version("https://unpkg.com/secret-token-abc123@1.0.0/index.js") is None
    assert mirror.missing_version("https://unpkg.com/react@18/umd/react.development.js") == ("react", "18")
    assert mirror.missing_version("https://unpkg.com/@babel/standalone/babel.min.js") == ("@babel/standalone", "latest")


@needs_npm
def test_an_interrupted_pool_leaves_the_process_able_to_fetch(tmp_path: Path) -> None:
    # One pool's Ctrl-C (a command, a dashboard's stopped check, a test) stops the fetches in progress only:
    # it once refused every later fetch of the process, so later checks were served the nearest version.
    from canvasbench.sandbox.mirror_build import cancel_fetches, fetch_version

    cancel_fetches()
    assert fetch_version("simplex-noise", "4.0.1", tmp_path / "mirror")
    assert (tmp_path / "mirror" / "simplex-noise@4.0.1" / "package.json").is_file()
