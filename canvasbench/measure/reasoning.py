"""Reasoning a model wrote inside its answer (`<think>` blocks, gpt-oss analysis channels), for the Reasoning tab.

Extraction drops these from the artifact (extract.py); this returns them, so the reasoning is shown, not lost.
"""

from __future__ import annotations

import re

_THINK_OPEN = re.compile(r"\A\s*(?:assistant\s*)?<(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
_STARTS_WITH_ANSWER = re.compile(r"\A\s*(?:<!doctype|<html|<svg|<\?xml|```|~~~)", re.IGNORECASE)
_HARMONY = re.compile(
    r"<\|channel\|>\s*(?:analysis|commentary)\b[^<]*<\|message\|>(.*?)(?=<\|end\|>|<\|start\|>|<\|channel\|>|\Z)",
    re.DOTALL,
)


def inband_reasoning(text: str) -> str:
    """The reasoning blocks at the start of a response, joined; '' when the answer carries none."""
    if not text:
        return ""
    if "<|channel|>" in text:
        return "\n\n".join(part.strip() for part in _HARMONY.findall(text) if part.strip())
    parts: list[str] = []
    rest = text
    while match := _THINK_OPEN.match(rest):
        close = re.search(rf"</{match.group(1)}>", rest[match.end() :], re.IGNORECASE)
        if close is None:  # cut off while still reasoning: all of it is reasoning
            parts.append(rest[match.end() :].strip())
            return "\n\n".join(parts)
        parts.append(rest[match.end() : match.end() + close.start()].strip())
        rest = rest[match.end() + close.end() :]
    if not parts and not _STARTS_WITH_ANSWER.match(text):
        # DeepSeek-R1 style: the chat template opened <think>, so only the closing tag is in the response.
        orphan = _THINK_CLOSE.search(text)
        if orphan:
            parts.append(text[: orphan.start()].strip())
    return "\n\n".join(p for p in parts if p)
