"""One distinct colour per model across the app (tiles, lanes, charts, tables), stable across pages and filters."""

from __future__ import annotations

from collections.abc import Iterable

# The rule lives in the core, so the offline report (canvasbench report) gives every model the same colour.
from canvasbench.present.palette import PALETTE, assign, slot

__all__ = ["PALETTE", "assign", "colour", "scale"]


def colour(model_id: str) -> str:
    """The model's colour, the same on every page, chart and filter (see `assign`)."""
    from ui import data  # streamlit: only once a page asks for a colour

    return data.colour_of(model_id) or PALETTE[slot(model_id)]


def scale(model_ids: Iterable[str]) -> dict[str, list[str]]:
    """A Vega-Lite colour scale giving each of these models its app-wide colour."""
    models = list(dict.fromkeys(model_ids))
    return {"domain": models, "range": [colour(m) for m in models]}
