"""The offline CDN mirror: npm packages unpacked under `storage/mirror`, answering CDN URLs.

Generated pages load libraries from unpkg, jsdelivr, cdnjs, skypack, esm.sh (import maps, ES modules,
old global builds). `mirror_build.build_mirror()` fetches a fixed set of packages with `npm pack` (the package
registry's own client) and unpacks them; `Mirror.resolve(url)` maps a CDN URL to a file in it, or
None — the render check then blocks the request instead of waiting on the network.
"""

from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from canvasbench.errors import CanvasBenchError
from canvasbench.paths import mirror_dir
from canvasbench.sandbox.cdn_url import (
    VERSION_SPEC,
    CdnRequest,
    normalise_spec,
    parse_cdn_url,
    satisfies,
    split_package,
    version_key,
)

# (npm name, exact version). Two three.js versions: the modern module build with its addons, and
# r128 for pages that use the old global build (build/three.min.js and examples/js/ were removed later).
MIRROR_PACKAGES: tuple[tuple[str, str], ...] = (
    ("three", "0.170.0"),
    ("three", "0.128.0"),
    ("p5", "1.11.3"),
    ("d3", "7.9.0"),
    ("gsap", "3.12.7"),
    ("chart.js", "4.4.1"),
    ("matter-js", "0.20.0"),
    ("cannon-es", "0.20.0"),
    ("cannon", "0.6.2"),
    ("lil-gui", "0.20.0"),
    ("tone", "15.0.4"),
    ("@tweenjs/tween.js", "23.1.3"),
    ("simplex-noise", "4.0.3"),
    # cdn.tailwindcss.com (the v3 "play CDN") is not an npm package; the v4 browser build does the
    # same job (styles utility classes in the page), so generated UIs look as intended offline.
    ("@tailwindcss/browser", "4.1.17"),
)

# Libraries generated pages load often that setup does not pre-fetch: the first page that names one gets
# the version its URL asks for from the npm registry. Only names listed here or pre-fetched are ever
# requested, so a page cannot make the checker ask the registry for a name of its own making.
FETCHED_ON_FIRST_USE: frozenset[str] = frozenset(
    {
        "react",
        "react-dom",
        "@babel/standalone",
        "preact",
        "htm",
        "vue",
        "alpinejs",
        "jquery",
        "lodash",
        "animejs",
        "pixi.js",
        "phaser",
        "leaflet",
        "echarts",
        "konva",
        "two.js",
        "paper",
        "howler",
        "marked",
        "mathjs",
        "@react-three/fiber",
        "framer-motion",
        "chartjs-adapter-date-fns",
    }
)


# Directories where a bare file name (cdnjs style) is looked for inside a package.
_FILE_DIRS = ("", "dist", "build", "lib", "dist/umd", "build/umd")
_JS_SUFFIXES = (".js", ".mjs", ".cjs")
_IMPORT_RE = re.compile(r"""((?<![@.$\w])(?:from\s*|import\s*\(?\s*))(["'])([^"'\s]+)\2""")


class MirrorError(CanvasBenchError):
    """The mirror cannot be built (no npm, a failed download, an unwritable folder)."""


@dataclass(frozen=True)
class MirrorHit:
    """A CDN request answered from the mirror."""

    package: str
    version: str
    path: Path
    content_type: str
    body: bytes
    requested: str | None = None  # the version or range the URL named, None when unversioned
    exact: bool = True  # the version served is the one the URL names (or satisfies its range)

    @property
    def served(self) -> str:
        """`name@version` as served."""
        return f"{self.package}@{self.version}"

    @property
    def substitution(self) -> str | None:
        """ "served three@0.170.0 for three@0.121.1" when another version had to stand in."""
        return None if self.exact else f"served {self.served} for {self.package}@{self.requested}"


def _content_type(path: Path) -> str:
    if path.suffix in _JS_SUFFIXES:
        return "text/javascript; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def _export_target(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("browser", "import", "module", "default"):
            if key in value:
                return _export_target(value[key])
    return None


class _Package:
    """One unpacked package version."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.meta: dict[str, Any] = json.loads((root / "package.json").read_text(encoding="utf-8"))
        self.name: str = self.meta["name"]
        self.version: str = self.meta["version"]

    def _file(self, rel: str) -> Path | None:
        rel = rel.removeprefix("./").lstrip("/")
        candidate = (self.root / rel).resolve()
        if not candidate.is_relative_to(self.root.resolve()) or not candidate.is_file():
            return None
        return candidate

    def _exported(self, sub: str) -> Path | None:
        exports = self.meta.get("exports")
        if not isinstance(exports, dict):
            return None
        key = "./" + sub if sub else "."
        if key in exports:
            target = _export_target(exports[key])
            return self._file(target) if target else None
        for pattern, value in exports.items():
            if pattern.endswith("*") and key.startswith(pattern[:-1]):
                target = _export_target(value)
                if target:
                    return self._file(target.replace("*", key[len(pattern) - 1 :]))
        return None

    def entry(self, cdn: str, esm: bool) -> Path | None:
        """The file a CDN serves for the bare package URL."""
        fields = ["module"] if esm else ["unpkg", "jsdelivr"] if cdn == "unpkg" else ["jsdelivr", "unpkg"]
        if esm:
            exported = self._exported("")
            if exported:
                return exported
        else:
            fields.append("browser")
        for name in [*fields, "main"]:
            value = self.meta.get(name)
            if isinstance(value, str) and (found := self._file(value)):
                return found
        return self._file("index.js")

    def find(self, request: CdnRequest) -> Path | None:
        """The file a request names in this package, if it has it."""
        sub = request.subpath
        if not sub:
            return self.entry(request.cdn, request.esm)
        if request.bare_file:
            for folder in _FILE_DIRS:
                if found := self._file(f"{folder}/{sub}" if folder else sub):
                    return found
            return None
        found = self._file(sub) or self._exported(sub)
        if found:
            return found
        for suffix in (".js", ".mjs", "/index.js"):
            if found := self._file(sub + suffix):
                return found
        return None


class Mirror:
    """The unpacked packages under one folder, answering CDN URLs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.packages: dict[str, list[_Package]] = {}
        if root.is_dir():
            for meta in sorted(root.glob("*/package.json")) + sorted(root.glob("@*/*/package.json")):
                try:
                    pkg = _Package(meta.parent)
                except (OSError, ValueError, KeyError):
                    continue  # a half-written folder from an interrupted build
                self.packages.setdefault(pkg.name, []).append(pkg)
        for versions in self.packages.values():
            versions.sort(key=lambda p: version_key(p.version), reverse=True)

    @property
    def empty(self) -> bool:
        """No packages: the mirror was never built."""
        return not self.packages

    def summary(self) -> list[str]:
        """`name@version` of every mirrored package."""
        return [f"{p.name}@{p.version}" for versions in self.packages.values() for p in versions]

    def _candidates(self, request: CdnRequest) -> list[tuple[_Package, bool]]:
        """Mirrored versions to try, each with whether it is the version the URL asks for."""
        versions = self.packages.get(request.package, [])
        spec = normalise_spec(request.package, request.spec)
        if spec is None:
            return [(p, True) for p in versions]
        exact = [p for p in versions if p.version == spec.lstrip("=v")]
        near = [p for p in versions if satisfies(p.version, spec) and p not in exact]
        # Then any other mirrored version, nearest first, marked as a substitution: only served when
        # the registry cannot be reached for the right one (the evidence then says so).
        wanted = version_key(spec)
        rest = sorted(
            (p for p in versions if p not in exact and p not in near),
            key=lambda p: [abs(a - b) for a, b in zip(version_key(p.version), wanted, strict=False)],
        )
        return [(p, True) for p in exact + near] + [(p, False) for p in rest]

    def missing_version(self, url: str) -> tuple[str, str] | None:
        """(package, version or range) a CDN URL asks for that no mirrored version satisfies; else None.

        Only packages the mirror already knows or FETCHED_ON_FIRST_USE lists are named: an unknown name could
        be a page spelling data into a package name, and fetching it would carry that data to the registry.
        """
        request = parse_cdn_url(url)
        if request is None or (request.package not in self.packages and request.package not in FETCHED_ON_FIRST_USE):
            return None
        spec = normalise_spec(request.package, request.spec)
        if spec is None and request.package not in self.packages:
            return request.package, "latest"  # what the CDN answers for a URL without a version
        if spec is None or not VERSION_SPEC.fullmatch(spec):
            return None
        if any(exact for _, exact in self._candidates(request)):
            return None  # the right version is here (a folder URL or a missing file is not a reason to fetch)
        return request.package, spec.lstrip("=v")

    def resolve(self, url: str) -> MirrorHit | None:
        """The mirrored file for a CDN URL, rewritten as the CDN would; None when not mirrored."""
        request = parse_cdn_url(url)
        if request is None:
            return None
        spec = normalise_spec(request.package, request.spec)
        for pkg, exact in self._candidates(request):
            path = pkg.find(request)
            if path is None:
                continue
            body = path.read_bytes()
            if path.suffix in _JS_SUFFIXES and request.esm:
                body = _rewrite_imports(body, pkg, path, request)
            if request.preamble:
                body = request.preamble.encode() + b"\n" + body
            return MirrorHit(pkg.name, pkg.version, path, _content_type(path), body, spec, exact)
        return None


def _cdn_url(cdn: str, package: str, version: str | None, sub: str, esm: bool) -> str:
    spec = f"{package}@{version}" if version else package
    tail = f"/{sub}" if sub else ""
    if cdn == "esm.sh":
        return f"https://esm.sh/{spec}{tail}"
    if cdn == "skypack":
        return f"https://cdn.skypack.dev/{spec}{tail}"
    if cdn == "jsdelivr":
        return f"https://cdn.jsdelivr.net/npm/{spec}{tail}" + ("/+esm" if esm else "")
    if cdn == "jspm":
        return f"https://ga.jspm.io/npm:{spec}{tail}"
    return f"https://unpkg.com/{spec}{tail}" + ("?module" if esm else "")


def _rewrite_imports(body: bytes, pkg: _Package, path: Path, request: CdnRequest) -> bytes:
    """Point relative imports at the file's real location and (for ESM CDNs) bare imports at the CDN."""
    text = body.decode("utf-8", errors="replace")
    folder = path.parent.relative_to(pkg.root.resolve()).as_posix()
    cdn = "unpkg" if request.cdn == "cdnjs" else request.cdn

    def replace(match: re.Match[str]) -> str:
        prefix, quote, spec = match.groups()
        if spec.startswith(("./", "../")):
            # The page asked for the entry (no path): relative imports would resolve against the
            # package URL, not the file's folder, so make them absolute.
            joined = (Path("/") / folder / spec).resolve().as_posix().lstrip("/")
            target = _cdn_url(cdn, pkg.name, pkg.version, joined, False)
        elif request.esm and not spec.startswith(("/", "http:", "https:", "data:", "blob:")):
            split = split_package(spec)
            if split is None:
                return match.group(0)
            name, version, sub = split
            # A package importing itself (three's addons import 'three') stays on the same version.
            target = _cdn_url(cdn, name, version or (pkg.version if name == pkg.name else None), sub, True)
        else:
            return match.group(0)
        return f"{prefix}{quote}{target}{quote}"

    return _IMPORT_RE.sub(replace, text).encode("utf-8")


@cache
def _load_cached(root: str, stamp: float) -> Mirror:
    return Mirror(Path(root))


def load_mirror(root: Path | None = None) -> Mirror:
    """The mirror at `root` (default `storage/mirror`), re-read when a build changed it."""
    root = (root or mirror_dir()).expanduser()
    try:
        stamp = max((p.stat().st_mtime for p in [root, *root.iterdir()]), default=0.0)
    except OSError:
        stamp = 0.0
    return _load_cached(str(root), stamp)
