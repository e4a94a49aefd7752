"""The fake as a judge: what a request carried (text and images, per protocol) and a judge's answer to it.

A judge request is recognised by the JSON it asks for (see canvasbench/judge/prompts.py): `"checklist": [`
asks for a checklist, `"winner"` for an A-vs-B verdict, anything else for a score. Scores come from
`JUDGE_SCORE=N` markers in the request (the code of a candidate page), in order of appearance, so tests
decide what the judge thinks of each page; without a marker a page scores 7.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

JUDGE_MODES = ("json", "malformed", "malformed_once", "refusal", "biased")
DEFAULT_SCORE = 7
_SCORE = re.compile(r"JUDGE_SCORE=(\d+)")
_ITEMS = re.compile(r"Checklist \((\d+) items\)")
REFUSAL_TEXT = "I'm sorry, but I can't help with evaluating this content."
MALFORMED_TEXT = "Overall the first page looks better, maybe an 8 out of 10? (this is not JSON)"


def request_text(protocol: str, body: Any) -> str:
    """Every text part of the request's messages, joined."""
    texts: list[str] = []
    for part in _parts(protocol, body):
        if protocol == "gemini" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif protocol != "gemini" and part.get("type") == "text":
            texts.append(str(part.get("text", "")))
    return "\n".join(texts)


def request_images(protocol: str, body: Any) -> list[tuple[str, bytes]]:
    """(MIME type, bytes) of every image in the request, decoded as each protocol carries it."""
    images: list[tuple[str, bytes]] = []
    for part in _parts(protocol, body):
        if protocol == "gemini":
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict):
                mime = inline.get("mimeType") or inline.get("mime_type") or ""
                images.append((mime, decode_base64(inline.get("data", ""))))
        elif protocol == "openai" and part.get("type") == "image_url":
            url = str((part.get("image_url") or {}).get("url", ""))
            head, _, data = url.partition(",")
            images.append((head.removeprefix("data:").removesuffix(";base64"), decode_base64(data)))
        elif protocol == "anthropic" and part.get("type") == "image":
            source = part.get("source") or {}
            images.append((str(source.get("media_type", "")), decode_base64(source.get("data", ""))))
    return images


def decode_base64(data: Any) -> bytes:
    """Standard or URL-safe base64, padded or not: google-genai sends URL-safe, as the Gemini API accepts."""
    text = str(data).replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _parts(protocol: str, body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    parts: list[dict[str, Any]] = []
    if protocol == "gemini":
        for content in body.get("contents") or []:
            parts += [p for p in (content.get("parts") or []) if isinstance(p, dict)]
        return parts
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            parts.append({"type": "text", "text": content})
        elif isinstance(content, list):
            parts += [p for p in content if isinstance(p, dict)]
    return parts


def judge_answer(mode: str, text: str, *, first_request: bool) -> str:
    """What the fake judge replies to a request whose text is `text`."""
    if mode == "malformed" or (mode == "malformed_once" and first_request):
        return MALFORMED_TEXT
    if mode == "refusal":
        return REFUSAL_TEXT
    if '"checklist": [' in text:
        items = ["A canvas fills the page", "Something moves", "Keys or the mouse change what is shown",
                 "No error text is visible", "The page has a title or heading"]
        return json.dumps({"checklist": items})
    scores = [int(s) for s in _SCORE.findall(text)]
    if '"winner"' in text:
        a, b = ([*scores, DEFAULT_SCORE, DEFAULT_SCORE])[:2]
        winner = "A" if mode == "biased" or a > b else "B" if b > a else "tie"
        return json.dumps({"winner": winner, "reason": f"Fake judge: A scored {a}, B scored {b}."})
    score = scores[0] if scores else DEFAULT_SCORE
    match = _ITEMS.search(text)
    count = int(match.group(1)) if match else 0
    answer = {
        "items": [{"item": i + 1, "score": min(10, score)} for i in range(count)],
        "overall": min(10, score),
        "reason": f"Fake judge: the page earns {score}.",
    }
    # Fenced, as real models often wrap JSON: the judge must read it anyway.
    return "```json\n" + json.dumps(answer) + "\n```"
