"""One distinct colour per model across the app (tiles, lanes, charts, tables), stable across pages and filters."""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Iterable

# 24 hues spaced by the golden angle at two lightness levels: neighbours in the list differ clearly. Mid
# lightness, so a mark reads on the light and on the dark theme alike.
PALETTE = tuple(
    "#{:02x}{:02x}{:02x}".format(
        *(round(c * 255) for c in colorsys.hls_to_rgb((i * 0.381966) % 1.0, 0.45 if i % 2 else 0.55, 0.68))
    )
    for i in range(24)
)


def _slot(model_id: str) -> int:
    return int(hashlib.md5(model_id.encode()).hexdigest(), 16) % len(PALETTE)


def assign(model_ids: Iterable[str]) -> dict[str, str]:
    """Distinct colours for models in the order given: each takes its hashed colour or the next one still free.

    Earlier models keep theirs when later ones arrive, so the order must only ever grow at its end (the
    catalogue first, then the database's models by their first run). Past 24 models colours repeat.
    """
    taken: dict[str, str] = {}
    used: set[str] = set()
    for model in model_ids:
        if model in taken:
            continue
        start = _slot(model)
        free = [PALETTE[(start + k) % len(PALETTE)] for k in range(len(PALETTE))]
        chosen = next((c for c in free if c not in used), PALETTE[start])
        taken[model] = chosen
        used.add(chosen)
    return taken


def colour(model_id: str) -> str:
    """The model's colour, the same on every page, chart and filter (see `assign`)."""
    from ui import data  # streamlit: only once a page asks for a colour

    return data.colour_of(model_id) or PALETTE[_slot(model_id)]


def scale(model_ids: Iterable[str]) -> dict[str, list[str]]:
    """A Vega-Lite colour scale giving each of these models its app-wide colour."""
    models = list(dict.fromkeys(model_ids))
    return {"domain": models, "range": [colour(m) for m in models]}
