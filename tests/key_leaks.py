"""Finding an API key in text however it is spelled: decoders written apart from canvasbench.redact, for tests."""

from __future__ import annotations

import base64
import binascii
import html
import re
from pathlib import Path
from urllib.parse import unquote

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _in_base64(text: str, raw: bytes) -> bool:
    """Whether some run of base64 characters (std or URL-safe, at any of the four offsets) decodes to the key."""
    for match in _BASE64_RUN.finditer(text):
        run = match.group().replace("-", "+").replace("_", "/")
        for offset in range(4):
            part = run[offset:]
            part = part[:-1] if len(part) % 4 == 1 else part + "=" * (-len(part) % 4)
            try:
                if raw in base64.b64decode(part, validate=True):
                    return True
            except (binascii.Error, ValueError):
                continue
    return False


def key_spellings_in(text: str, key: str) -> list[str]:
    """The ways `key` can be read in `text`: plain, reversed, percent, JSON or HTML escaped, hex, base64."""
    raw = key.encode()
    found = []
    unescaped = html.unescape(text)
    if key in text:
        found.append("plain")
    if key[::-1] in text:
        found.append("reversed")
    if key in unquote(text) or key in unquote(unescaped):
        found.append("percent")
    single = re.sub(r"\\+", lambda _m: "\\", text)  # repr() doubles the backslash of an escape
    if key in _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), single).replace("\\/", "/"):
        found.append("json-escaped")
    if key in unescaped and key not in text:
        found.append("html-escaped")
    if raw.hex() in text.lower():
        found.append("hex")
    if _in_base64(text, raw):
        found.append("base64")
    # Half a key is a leak too (a piece stored while the rest was still arriving).
    if key[: len(key) // 2] in text or key[len(key) // 2 :] in text:
        found.append("half")
    return found


def key_spellings_in_files(paths: list[Path], key: str) -> dict[str, list[str]]:
    """File name -> the spellings of `key` found in its bytes (read as Latin-1), for files that hold any."""
    found = {}
    for path in paths:
        spellings = key_spellings_in(path.read_bytes().decode("latin-1"), key)
        if spellings:
            found[path.name] = spellings
    return found
