"""Counting lines as an editor shows them; light enough for the runner's hot path (no pygments)."""

from __future__ import annotations


def count_lines(text: str) -> int:
    """Number of lines in text: 0 for empty text; \\r\\n, \\r and \\n each end a line; a trailing one opens none."""
    if not text:
        return 0
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.count("\n") + (0 if text.endswith("\n") else 1)
