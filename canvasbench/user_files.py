"""The one reader of the user's TOML files (prices, endpoints): their tables, or one clear error saying what to fix."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from canvasbench.errors import CanvasBenchError


def read_tables(path: Path, *, what: str, key: str, example: str, error: type[CanvasBenchError]) -> dict[str, Any]:
    """The `[key.NAME]` tables of the TOML file at `path` (`what` names it in messages: "Price file").

    Every problem with the file as a whole is raised as `error`, naming the file, what is wrong and how to fix it;
    the caller checks each entry and names the entry in its own messages the same way.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path} cannot be read: it is not valid TOML ({exc}). Fix the file or remove it.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path} cannot be read ({exc}). Fix the file or remove it.") from exc
    unknown = sorted(set(data) - {key})
    if unknown:
        raise error(
            f"{what} {path}: unexpected top-level key(s) {', '.join(unknown)}; put each entry in a {example} table."
        )
    tables = data.get(key, {})
    if not isinstance(tables, dict):
        raise error(f'{what} {path}: "{key}" must be tables like {example}.')
    return tables
