"""The curated prompt suite (one TOML file per prompt in `gallery/`) and rows for free-text prompts."""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from canvasbench.errors import CanvasBenchError, UsageError
from canvasbench.paths import GALLERY_DIR

KINDS = ("html", "svg")
_FIELDS = ("id", "title", "category", "kind", "text")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class SuiteError(CanvasBenchError):
    """A file in gallery/ is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class SuitePrompt:
    """One curated prompt: what it asks for, its category and the artifact kind it expects."""

    id: str
    title: str
    category: str
    kind: str  # html / svg
    text: str
    checklist: tuple[str, ...] = ()  # 5-10 checkable items the AI judge grades against

    def as_row(self) -> dict[str, str]:
        """The prompts-table row for this prompt (source "suite")."""
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "kind": self.kind,
            "text": self.text,
            "source": "suite",
        }


def load_suite(directory: Path | None = None) -> list[SuitePrompt]:
    """Every prompt in gallery/ (or `directory`), ordered by id; raises SuiteError on a malformed file."""
    folder = directory if directory is not None else GALLERY_DIR
    if not folder.is_dir():
        raise SuiteError(f"The prompt suite folder {folder} does not exist.")
    # Ids equal file names (checked per file), so they are unique by construction.
    prompts = [_read_prompt_file(path) for path in folder.glob("*.toml")]
    return sorted(prompts, key=lambda p: p.id)


def suite_categories(prompts: list[SuitePrompt] | None = None) -> list[str]:
    """The categories in the suite, sorted."""
    return sorted({p.category for p in (prompts if prompts is not None else load_suite())})


def get_prompt(prompt_id: str) -> SuitePrompt:
    """The suite prompt with this id; UsageError naming the known ids when there is none."""
    suite = load_suite()
    for prompt in suite:
        if prompt.id == prompt_id:
            return prompt
    known = [p.id for p in suite]
    close = difflib.get_close_matches(prompt_id, known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise UsageError(
        f"Unknown prompt id '{prompt_id}'.{hint} Known ids: {', '.join(known)} (see 'canvasbench prompts')."
    )


def custom_prompt(text: str, title: str | None = None) -> dict[str, str]:
    """A prompts-table row for free text: id "custom-" + sha1(text)[:12], source "user"."""
    if not text or not text.strip():
        raise UsageError("The prompt is empty: give the text of the program you want the models to write.")
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return {
        "id": f"custom-{digest}",
        "title": (title or "").strip() or _title_from_text(text),
        "category": "custom",
        "kind": _guess_kind(text),
        "text": text,
        "source": "user",
    }


def _title_from_text(text: str, limit: int = 60) -> str:
    first = next(line.strip() for line in text.splitlines() if line.strip())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _guess_kind(text: str) -> str:
    # Only a prompt that talks about SVG and never about HTML expects an SVG file; anything else is a page.
    lowered = text.lower()
    return "svg" if re.search(r"\bsvg\b", lowered) and not re.search(r"\bhtml\b", lowered) else "html"


def _read_prompt_file(path: Path) -> SuitePrompt:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"Prompt file {path} is not valid TOML: {exc}.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"Prompt file {path} cannot be read: {exc}.") from exc

    unknown = sorted(set(data) - set(_FIELDS) - {"checklist"})
    if unknown:
        allowed = ", ".join((*_FIELDS, "checklist"))
        raise SuiteError(f"Prompt file {path}: unknown field(s) {', '.join(unknown)}; allowed: {allowed}.")
    checklist = data.get("checklist", [])
    if not isinstance(checklist, list) or not all(isinstance(i, str) and i.strip() for i in checklist) or (
        checklist and not 5 <= len(checklist) <= 10
    ):
        raise SuiteError(f"Prompt file {path}: 'checklist' must be a list of 5 to 10 non-empty strings.")
    values: dict[str, str] = {}
    for field in _FIELDS:
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            raise SuiteError(f"Prompt file {path}: '{field}' must be a non-empty string.")
        values[field] = value.strip() if field != "text" else value.strip("\n")
    if not _ID_RE.match(values["id"]) or values["id"] != path.stem:
        # The file name is how people find a prompt; keep it and the id the same.
        raise SuiteError(
            f"Prompt file {path}: id '{values['id']}' must be lowercase letters, digits and dashes, "
            f"and match the file name ({path.stem})."
        )
    if values["kind"] not in KINDS:
        raise SuiteError(f"Prompt file {path}: kind must be one of {', '.join(KINDS)}, got '{values['kind']}'.")
    return SuitePrompt(**values, checklist=tuple(i.strip() for i in checklist))
