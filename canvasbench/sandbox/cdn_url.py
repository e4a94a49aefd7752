"""What a CDN URL asks for: the CDN, the npm package, its version or range, the file, and whether as an ES module.

Pure string work, shared by the mirror (which answers the request) and the tests; versions compare as numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# cdnjs names its libraries its own way; the npm package behind each.
CDNJS_LIBRARIES = {
    "three.js": "three",
    "p5.js": "p5",
    "d3": "d3",
    "gsap": "gsap",
    "Chart.js": "chart.js",
    "chart.js": "chart.js",
    "matter-js": "matter-js",
    "tone": "tone",
    "cannon.js": "cannon",
    "lil-gui": "lil-gui",
    "tween.js": "@tweenjs/tween.js",
    "simplex-noise": "simplex-noise",
    "react": "react",
    "react-dom": "react-dom",
    "babel-standalone": "@babel/standalone",
    "vue": "vue",
    "alpinejs": "alpinejs",
    "jquery": "jquery",
    "lodash.js": "lodash",
    "animejs": "animejs",
    "anime.js": "animejs",
    "pixi.js": "pixi.js",
    "phaser": "phaser",
    "leaflet": "leaflet",
    "echarts": "echarts",
    "konva": "konva",
    "two.js": "two.js",
    "paper.js": "paper",
    "howler": "howler",
    "marked": "marked",
    "mathjs": "mathjs",
}


# jsdelivr's /gh/ paths serve a GitHub repository at a tag.
GITHUB_REPOS = {"mrdoob/three.js": "three"}


# Static and dynamic import specifiers: `from "x"`, `import "x"`, `import("x")`.
# A version or range worth asking the registry for (digits and dots, an optional caret/tilde/pre-release).
VERSION_SPEC = re.compile(r"[\^~]?v?\d{1,4}(\.\d{1,6}){0,2}(-[0-9A-Za-z.]{1,20})?")


@dataclass(frozen=True)
class CdnRequest:
    cdn: str  # unpkg / jsdelivr / cdnjs / esm.sh / skypack / jspm
    package: str
    spec: str | None  # version or range as written, None when unversioned
    subpath: str  # path inside the package, "" for the entry point
    esm: bool  # the CDN rewrites bare imports (esm.sh, skypack, jsdelivr +esm, unpkg ?module)
    bare_file: bool = False  # cdnjs: a file name, looked for in dist/, build/, lib/
    preamble: str = ""  # script prepended to the served file (compatibility shims)


def split_package(path: str) -> tuple[str, str | None, str] | None:
    """`@scope/name@1.2/sub/file.js` -> (name, spec, subpath)."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    if parts[0].startswith("@"):
        if len(parts) < 2:
            return None
        head, rest = parts[0] + "/" + parts[1], parts[2:]
        name, _, spec = head[1:].partition("@")
        name = "@" + name
    else:
        head, rest = parts[0], parts[1:]
        name, _, spec = head.partition("@")
    return name, (spec or None), "/".join(rest)


def parse_cdn_url(url: str) -> CdnRequest | None:
    """Recognise a library request on a known CDN; None for anything else."""
    parts = urlsplit(url)
    host, path, query = parts.hostname or "", parts.path, parts.query
    if host == "unpkg.com":
        split = split_package(path)
        return split and CdnRequest("unpkg", *split, esm="module" in query.split("&"))
    if host in ("cdn.jsdelivr.net", "fastly.jsdelivr.net"):
        if path.startswith("/npm/"):
            split = split_package(path[len("/npm/") :])
            if not split:
                return None
            name, spec, sub = split
            esm = sub == "+esm" or sub.endswith("/+esm")
            sub = sub.removesuffix("+esm").rstrip("/")
            return CdnRequest("jsdelivr", name, spec, sub, esm)
        if path.startswith("/gh/"):
            bits = [p for p in path[len("/gh/") :].split("/") if p]
            if len(bits) < 2:
                return None
            repo, _, tag = f"{bits[0]}/{bits[1]}".partition("@")
            package = GITHUB_REPOS.get(repo)
            return CdnRequest("jsdelivr", package, tag or None, "/".join(bits[2:]), False) if package else None
        return None
    if host == "cdnjs.cloudflare.com":
        bits = [p for p in path.split("/") if p]
        if len(bits) < 4 or bits[:2] != ["ajax", "libs"]:
            return None
        package = CDNJS_LIBRARIES.get(bits[2])
        if not package:
            return None
        return CdnRequest("cdnjs", package, bits[3], "/".join(bits[4:]), False, bare_file=True)
    if host == "esm.sh":
        path = re.sub(r"^/(v\d+|stable)(?=/)", "", path)
        split = split_package(path)
        return split and CdnRequest("esm.sh", *split, esm=True)
    if host == "esm.run":
        split = split_package(path)
        return split and CdnRequest("jsdelivr", *split, esm=True)
    if host == "cdn.skypack.dev":
        split = split_package(path)
        return split and CdnRequest("skypack", *split, esm=True)
    if host == "cdn.tailwindcss.com":
        # Pages set `tailwind.config = {...}` after loading the v3 script; v4 has no such global.
        shim = "globalThis.tailwind = globalThis.tailwind || { config: {} };"
        return CdnRequest("unpkg", "@tailwindcss/browser", None, "", False, preamble=shim)
    if host == "d3js.org":
        found = re.fullmatch(r"/d3\.v(\d+)(\.min)?\.js", path)
        return found and CdnRequest("unpkg", "d3", found.group(1), f"dist/d3{found.group(2) or ''}.js", False)
    if host == "ga.jspm.io" and path.startswith("/npm:"):
        split = split_package(path[len("/npm:") :])
        return split and CdnRequest("jspm", *split, esm=False)
    return None


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:3])


def normalise_spec(package: str, spec: str | None) -> str | None:
    if spec in (None, "", "latest", "next"):
        return None
    assert spec is not None
    if package == "three" and re.fullmatch(r"r\d+", spec):
        return f"0.{spec[1:]}.0"  # three's tags r128 == npm 0.128.0
    return spec


def satisfies(version: str, spec: str) -> bool:
    """A loose semver match: exact, prefix (`0.160`, `3`), caret and tilde ranges."""
    wanted = version_key(spec)
    have = version_key(version)
    if not wanted:
        return False
    if spec.startswith("^"):
        significant = 2 if wanted[0] == 0 else 1
        return have[:significant] == wanted[:significant] and have >= wanted
    if spec.startswith("~"):
        return have[:2] == wanted[:2] and have >= wanted
    if spec.startswith(">="):
        return have >= wanted
    return have[: len(wanted)] == wanted
