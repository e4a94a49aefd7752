"""Library files a shared artifact loads from a CDN, inlined once per share file from the offline mirror.

A share file must open offline from `file://`, where no CDN answers and the artifact's frame (an opaque origin)
can load nothing but `data:` and `blob:` URLs. So every CDN URL the mirror can answer is replaced in the
artifact by a short placeholder, and each library is stored once in the file as a `data:` URL; the share
page's one script of ours puts the `data:` URLs in place of the placeholders when it builds each preview's
`srcdoc` (four artifacts using three.js carry it once). ES modules go through one import map: a module's
own imports (relative, bare or absolute) are rewritten to absolute CDN URLs before it is encoded, and the
import map sends each of those URLs to its library. Where a mirrored file has a minified twin
(`three.module.js` → `three.module.min.js`), the twin is inlined: the same code, half the size.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from canvasbench.sandbox.cdn_url import parse_cdn_url
from canvasbench.sandbox.document import CDN_HOSTS
from canvasbench.sandbox.mirror import Mirror, MirrorHit

# Any URL on a CDN host, up to where a quote, space, bracket or backslash ends it.
_CDN_URL = re.compile(
    r"(?:https?:)?//(?:" + "|".join(re.escape(h) for h in CDN_HOSTS) + r")(?:[/?#][^\"'`\s\\()<>]*)?",
    re.IGNORECASE,
)
_IMPORT_MAP = re.compile(r"<script\b[^>]*\btype\s*=\s*[\"']?importmap[\"']?[^>]*>(.*?)</script\s*>", re.I | re.S)
# Static and dynamic imports and re-exports: `from "x"`, `import "x"`, `import("x")`.
_SPECIFIER = re.compile(r"""((?<![@.$\w])(?:from\s*|import\s*\(?\s*))(["'])([^"'\s]+)\2""")
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
MAX_MODULES = 400  # a page cannot make a share file walk an endless graph of imports


@dataclass(frozen=True)
class Library:
    """One inlined library file: where the page asked for it, what was served, its licence and its bytes."""

    url: str
    package: str
    version: str
    file: str
    licence: str
    data_url: str


@dataclass
class LibraryPack:
    """The libraries of every artifact in one share file, each stored once, named by placeholder."""

    mirror: Mirror
    token: str  # random per file: model output cannot spell a placeholder in advance
    libraries: list[Library] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # CDN URLs the mirror cannot answer (they stay as written)
    _index: dict[str, int] = field(default_factory=dict)
    _data: dict[str, int] = field(default_factory=dict)  # data URL -> index: the same file asked for twice

    def placeholder(self, index: int) -> str:
        """The token an artifact carries where library `index` goes."""
        return f"cblib{self.token}n{index}x"

    def pattern(self) -> str:
        """A JavaScript regular expression source matching every placeholder (the index as group 1)."""
        return f"cblib{self.token}n(\\d+)x"

    def data_urls(self) -> list[str]:
        """The `data:` URL of each library, by index."""
        return [lib.data_url for lib in self.libraries]

    def _absolute(self, url: str) -> str:
        return "https:" + url if url.startswith("//") else url

    def _hit(self, url: str) -> MirrorHit | None:
        """The mirrored file for a URL, or its minified twin beside it in the same package (the same code, smaller)."""
        hit = self.mirror.resolve(url)
        request = parse_cdn_url(url)
        if hit is None or request is None or request.preamble or hit.path.suffix != ".js":
            return hit
        if hit.path.name.endswith(".min.js") or not (twin := hit.path.with_name(hit.path.stem + ".min.js")).is_file():
            return hit
        root = next((p.root.resolve() for p in self.mirror.packages.get(hit.package, []) if p.version == hit.version),
                    None)
        if root is None or not twin.is_relative_to(root):
            return hit
        rel = twin.relative_to(root).as_posix()
        named = f"https://cdn.jsdelivr.net/npm/{hit.package}@{hit.version}/{rel}" + ("/+esm" if request.esm else "")
        smaller = self.mirror.resolve(named)
        return smaller if smaller is not None and smaller.exact else hit

    def _add(self, url: str, hit: MirrorHit, body: bytes) -> int:
        kind = hit.content_type.split(";")[0].strip() or "application/octet-stream"
        data_url = f"data:{kind};charset=utf-8;base64," + base64.b64encode(body).decode("ascii")
        if data_url in self._data:
            index = self._data[data_url]
        else:
            index = len(self.libraries)
            self._data[data_url] = index
            rel = hit.path.name
            self.libraries.append(Library(url, hit.package, hit.version, rel, self._licence(hit), data_url))
        self._index[url] = index
        return index

    def _licence(self, hit: MirrorHit) -> str:
        for pkg in self.mirror.packages.get(hit.package, []):
            if pkg.version == hit.version:
                value = pkg.meta.get("license") or pkg.meta.get("licenses")
                if isinstance(value, dict):
                    value = value.get("type")
                if isinstance(value, list):
                    value = ", ".join(str(v.get("type", v)) if isinstance(v, dict) else str(v) for v in value)
                return str(value) if value else "not stated by the package"
        return "not stated by the package"

    def _file(self, url: str) -> int | None:
        """A classic script, stylesheet or other file by its URL: its index, or None when not mirrored."""
        url = self._absolute(url)
        if url in self._index:
            return self._index[url]
        hit = self._hit(url)
        if hit is None:
            if url not in self.missing:
                self.missing.append(url)
            return None
        return self._add(url, hit, hit.body)

    def _module(self, url: str, imports: dict[str, str], pending: list[str]) -> int | None:
        """An ES module by its absolute URL, its own imports rewritten to absolute URLs (queued in `pending`)."""
        if url in self._index:
            return self._index[url]
        hit = self._hit(url)
        if hit is None:
            if url not in self.missing:
                self.missing.append(url)
            return None
        text = hit.body.decode("utf-8", errors="replace")

        def absolute(match: re.Match[str]) -> str:
            prefix, quote, spec = match.groups()
            target = _resolve(spec, imports, url)
            if target is None or not _CDN_URL.fullmatch(target):
                return match.group(0)
            pending.append(target)
            return f"{prefix}{quote}{target}{quote}"

        return self._add(url, hit, _SPECIFIER.sub(absolute, text).encode("utf-8"))

    def inline(self, code: str) -> str:
        """The artifact with each CDN URL the mirror answers replaced by its placeholder (modules: an import map)."""
        maps = list(_IMPORT_MAP.finditer(code))
        imports: dict[str, str] = {}
        for found in maps:
            try:
                parsed = json.loads(found.group(1))
            except ValueError:
                continue
            if isinstance(parsed, dict) and isinstance(parsed.get("imports"), dict):
                imports.update({str(k): str(v) for k, v in parsed["imports"].items()})
        # Modules: every import in the page resolved as the browser would, then each module's own imports.
        module_map: dict[str, str] = {}
        pending: list[str] = []
        for match in _SPECIFIER.finditer(code):
            spec = match.group(3)
            target = _resolve(spec, imports, None)
            if target is not None and _CDN_URL.fullmatch(target):
                pending.append(target)
                if target != spec:
                    module_map[spec] = target
        seen: set[str] = set()
        while pending and len(seen) < MAX_MODULES:
            url = self._absolute(pending.pop())
            if url in seen:
                continue
            seen.add(url)
            self._module(url, imports, pending)
        entries: dict[str, str] = {}
        for spec, value in imports.items():
            index = self._index.get(self._absolute(value))
            entries[spec] = self.placeholder(index) if index is not None else value
        for spec, target in module_map.items():
            index = self._index.get(self._absolute(target))
            if index is not None:
                entries[spec] = self.placeholder(index)
        for url in seen:
            if url in self._index:
                entries[url] = self.placeholder(self._index[url])
        # Everything else on a CDN (script src, stylesheets, URLs built in scripts) by its own URL.
        body = code
        for found in reversed(maps):
            body = body[: found.start()] + body[found.end() :]

        def replace(match: re.Match[str]) -> str:
            url = match.group(0)
            absolute = self._absolute(url)
            if absolute in self._index:
                return self.placeholder(self._index[absolute])
            index = self._file(url)
            return self.placeholder(index) if index is not None else url

        body = _CDN_URL.sub(replace, body)
        if not entries:
            return body
        tag = '<script type="importmap">' + json.dumps({"imports": entries}).replace("<", "\\u003c") + "</script>"
        position = maps[0].start() if maps else 0
        if not maps and (head := _HEAD.search(body)):
            position = head.end()
        return body[:position] + tag + body[position:]


def _resolve(spec: str, imports: dict[str, str], base: str | None) -> str | None:
    """Where a module specifier leads, as the browser resolves it with this import map (None: nowhere known)."""
    if spec in imports:
        return imports[spec]
    prefixes = sorted((k for k in imports if k.endswith("/") and spec.startswith(k)), key=len, reverse=True)
    if prefixes:
        return imports[prefixes[0]] + spec[len(prefixes[0]) :]
    if spec.startswith(("https://", "http://", "//")):
        return spec
    if spec.startswith(("./", "../", "/")) and base is not None:
        return urljoin(base, spec)
    return None
