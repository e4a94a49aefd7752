"""The conversation a fake received, read back from each protocol's own wire form into one shape.

Tests read it to check what our adapters sent: roles and order, images on which turn, whether any
earlier thinking went back, and where Anthropic cache breakpoints were set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.judge import decode_base64


@dataclass(frozen=True)
class ReceivedTurn:
    """One turn as it arrived: role `user`, `model` or `system`, its text, images and anything else it carried."""

    role: str
    text: str
    images: list[tuple[str, bytes]] = field(default_factory=list)  # (MIME type, bytes)
    thinking: list[str] = field(default_factory=list)  # thinking text, thought parts or signatures sent back
    cache_marked: bool = False  # Anthropic: a cache_control breakpoint on one of its blocks
    size: int = 0  # characters of the turn's wire form (the fake's token estimate is size / 4)


def received_turns(protocol: str, body: Any) -> list[ReceivedTurn]:
    """Every turn of a request body, oldest first (Gemini `contents`, OpenAI / Anthropic `messages`)."""
    if not isinstance(body, dict):
        return []
    if protocol == "gemini":
        return [_gemini_turn(c) for c in body.get("contents") or [] if isinstance(c, dict)]
    if protocol in ("openai", "anthropic"):
        return [_message_turn(protocol, m) for m in body.get("messages") or [] if isinstance(m, dict)]
    return []


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def _gemini_turn(content: dict[str, Any]) -> ReceivedTurn:
    texts: list[str] = []
    images: list[tuple[str, bytes]] = []
    thinking: list[str] = []
    for part in content.get("parts") or []:
        if not isinstance(part, dict):
            continue
        signature = part.get("thoughtSignature") or part.get("thought_signature")
        if signature:
            thinking.append(f"signature:{signature}")
        inline = part.get("inlineData") or part.get("inline_data")
        if isinstance(inline, dict):
            mime = inline.get("mimeType") or inline.get("mime_type") or ""
            images.append((str(mime), decode_base64(inline.get("data", ""))))
        elif isinstance(part.get("text"), str):
            (thinking if part.get("thought") else texts).append(part["text"])
    role = str(content.get("role") or "user")  # Gemini reads a turn without a role as the user's
    return ReceivedTurn(role, "\n".join(texts), images, thinking, size=_size(content))


def _message_turn(protocol: str, message: dict[str, Any]) -> ReceivedTurn:
    role = {"assistant": "model", "user": "user"}.get(str(message.get("role")), "system")
    content = message.get("content")
    texts: list[str] = []
    images: list[tuple[str, bytes]] = []
    thinking: list[str] = []
    marked = False
    # OpenAI-compatible servers put reasoning beside the content (reasoning_content / reasoning).
    for key in ("reasoning_content", "reasoning", "thinking"):
        if isinstance(message.get(key), str) and message[key]:
            thinking.append(message[key])
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        marked = marked or "cache_control" in block
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind in ("thinking", "redacted_thinking"):
            thinking.append(str(block.get("thinking") or block.get("data") or kind))
        elif kind == "image_url":
            head, _, data = str((block.get("image_url") or {}).get("url", "")).partition(",")
            images.append((head.removeprefix("data:").removesuffix(";base64"), decode_base64(data)))
        elif kind == "image":
            source = block.get("source") or {}
            images.append((str(source.get("media_type", "")), decode_base64(source.get("data", ""))))
    return ReceivedTurn(role, "\n".join(texts), images, thinking, marked, _size(message))


def model_turns(turns: list[ReceivedTurn]) -> int:
    """How many model answers the conversation holds: the round this request is."""
    return sum(1 for turn in turns if turn.role == "model")


def cache_usage(protocol: str, turns: list[ReceivedTurn]) -> tuple[int, int]:
    """(tokens read from the cache, tokens written to it) for this conversation (the fake's `cache=prefix`).

    As if the conversation's previous round had been sent just before: its prompt (every turn but this
    request's last two) is what OpenAI and Gemini find in their cache by themselves, with nothing billed for
    writing it. Anthropic caches only up to a block a request marked with cache_control: it reads what the
    previous round marked (the turns up to the answer before last) and writes from there up to this
    request's last mark; nothing at all when nothing is marked.
    """

    def tokens(part: list[ReceivedTurn]) -> int:
        return sum(turn.size for turn in part) // 4

    if protocol != "anthropic":
        return tokens(turns[:-2]), 0
    marked = [i for i, turn in enumerate(turns) if turn.cache_marked]
    if not marked:
        return 0, 0
    previous_mark = max(0, marked[-1] - 2)  # the previous round marked its own last earlier turn
    read = turns[: previous_mark + 1] if marked[-1] >= 2 else []
    return tokens(read), tokens(turns[len(read) : marked[-1] + 1])
