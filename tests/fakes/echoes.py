"""The spellings in which a misbehaving provider or gateway echoes the caller's API key (`echo=FORM`)."""

from __future__ import annotations

import base64


def _percent(raw: bytes, fmt: str) -> str:
    return "".join(fmt.format(b) for b in raw)


def key_echoes(key: str) -> dict[str, str]:
    """FORM -> the key written that way: as sent, reversed, base64 (alone and inside longer base64), escaped, hex."""
    raw = key.encode("utf-8")
    b64 = base64.b64encode
    return {
        "plain": key,
        "reversed": key[::-1],
        "base64": b64(raw).decode(),
        "base64-unpadded": b64(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        # HTTP Basic credentials: the key inside longer base64, at each of the three byte alignments.
        "basic": "Basic " + b64(b"user:" + raw).decode(),
        "basic-aligned-0": "Basic " + b64(b"ab:" + raw + b"@gw").decode(),
        "basic-aligned-1": "Basic " + b64(b":" + raw + b"#").decode(),
        "percent": _percent(raw, "%{:02X}"),
        "percent-lower": _percent(raw, "%{:02x}"),
        "json-escaped": _percent(raw, "\\u{:04x}"),
        "hex": raw.hex(),
    }


def echo_text(key: str, form: str) -> str:
    """The sentence an echoing fake adds: one spelling of the key, or all of them (`all`)."""
    forms = key_echoes(key)
    chosen = forms if form == "all" else {form: forms[form]}
    return " ".join(f"[{name}: {value}]" for name, value in chosen.items())


ECHO_FORMS = ("all", *key_echoes("x"))
