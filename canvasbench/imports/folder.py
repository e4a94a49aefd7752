"""Read a folder of saved pages: `MODEL.html` (one prompt, in prompt.txt) or `MODEL/PROMPT.html` (many)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from canvasbench.errors import SourceError
from canvasbench.imports.imported import ImportedRun

PAGE_SUFFIXES = (".html", ".htm", ".svg")
LAYOUT = "MODEL.html files (with an optional prompt.txt) or MODEL/PROMPT.html folders"


def read_folder(folder: Path) -> Iterator[ImportedRun]:
    """Every page in the folder's two layouts; the prompt text is prompt.txt / PROMPT.txt when present."""
    if not folder.is_dir():
        raise SourceError(f"{folder} is not a folder: --from-dir takes a folder of {LAYOUT}.")
    flat = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
    nested = sorted(
        p
        for model in folder.iterdir()
        if model.is_dir() and not model.name.startswith(".")
        for p in model.iterdir()
        if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
    )
    if not flat and not nested:
        raise SourceError(f"No pages in {folder}: expected {LAYOUT}. Nothing was imported.")
    place = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    for page in flat:  # one prompt: the folder's
        prompt = _prompt(folder, "prompt")
        yield _item(folder, page, model=page.stem, prompt_name=folder.name, prompt=prompt, place=place)
    for page in nested:  # MODEL/PROMPT.html: one comparison per PROMPT
        yield _item(
            folder, page, model=page.parent.name, prompt_name=page.stem,
            prompt=_prompt(folder, page.stem) or _prompt(page.parent, page.stem), place=place,
        )  # fmt: skip


def _prompt(folder: Path, name: str) -> str | None:
    for candidate in (folder / f"{name}.txt", folder / "prompts" / f"{name}.txt", folder / f"{name}.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace").strip() or None
    return None


def _item(folder: Path, page: Path, *, model: str, prompt_name: str, prompt: str | None, place: str) -> ImportedRun:
    body = page.read_bytes()
    text = body.decode("utf-8", errors="replace")
    digest = hashlib.sha256(body).hexdigest()[:24]
    return ImportedRun(
        origin_key=f"folder:{place}:{page.relative_to(folder).as_posix()}:{digest}",  # a changed page is new
        group=f"{place}:{prompt_name}",
        prompt_text=prompt or f"(prompt not saved; pages named {prompt_name})",
        title=None if prompt else prompt_name,
        model_name=model,
        response=text,  # the page itself: extraction takes a whole document or SVG as the artifact
        created_at=datetime.fromtimestamp(page.stat().st_mtime, tz=UTC).isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"
        ),
    )
