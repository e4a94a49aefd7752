"""One colour per model across the whole app (tiles, lanes, charts), from a stable hash of its id."""

from __future__ import annotations

import colorsys
import hashlib

# 24 hues spaced by the golden angle at two lightness levels: neighbours in the list differ clearly.
_PALETTE = tuple(
    "#{:02x}{:02x}{:02x}".format(
        *(round(c * 255) for c in colorsys.hls_to_rgb((i * 0.381966) % 1.0, 0.42 if i % 2 else 0.52, 0.68))
    )
    for i in range(24)
)


def colour(model_id: str) -> str:
    """The model's colour, the same on every page and every run (a hash of its id into 24 colours)."""
    return _PALETTE[int(hashlib.md5(model_id.encode()).hexdigest(), 16) % len(_PALETTE)]
