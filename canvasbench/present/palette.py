"""Each contestant's colour: one distinct colour per model (or recipe) on every chart, page and report."""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Iterable

from canvasbench.store import RunStore, reads

# 24 hues spaced by the golden angle at two lightness levels: neighbours in the list differ clearly. Mid
# lightness, so a mark reads on the light and on the dark theme alike.
PALETTE = tuple(
    "#{:02x}{:02x}{:02x}".format(
        *(round(c * 255) for c in colorsys.hls_to_rgb((i * 0.381966) % 1.0, 0.45 if i % 2 else 0.55, 0.68))
    )
    for i in range(24)
)


def slot(name: str) -> int:
    """The palette index a name hashes to (its colour when nothing else has taken it)."""
    return int(hashlib.md5(name.encode()).hexdigest(), 16) % len(PALETTE)


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
        start = slot(model)
        free = [PALETTE[(start + k) % len(PALETTE)] for k in range(len(PALETTE))]
        chosen = next((c for c in free if c not in used), PALETTE[start])
        taken[model] = chosen
        used.add(chosen)
    return taken


def colour_order(store: RunStore) -> list[str]:
    """The order colours are handed out in: the catalogue's models, then the database's by their first run."""
    from canvasbench.providers.catalogue import known_models

    # The catalogue first, so its models keep their colours whatever a database holds.
    return [m.model_id for m in known_models()] + reads.models_by_first_run(store)


def contestant_colours(store: RunStore, contestants: Iterable[str]) -> dict[str, str]:
    """These contestants' colours, the dashboard's for every model; a recipe's name takes the next free one."""
    return assign([*colour_order(store), *contestants])
