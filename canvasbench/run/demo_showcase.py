"""The demo's one comparison: the three stand-ins on the showcase prompt, launched through the Runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canvasbench.providers.demo import MODEL_IDS, SHOWCASE_PROMPT, SHOWCASE_TITLE
from canvasbench.run.prompt_suite import custom_prompt

if TYPE_CHECKING:
    from canvasbench.run.runner import Runner


def showcase_prompt() -> dict[str, Any]:
    """The prompts row the demo launches (category `demo`, so the gallery can filter it)."""
    row: dict[str, Any] = custom_prompt(SHOWCASE_PROMPT, title=SHOWCASE_TITLE)
    row["category"] = "demo"
    return row


def launch_showcase(runner: Runner) -> str:
    """Start the stand-ins' comparison on `runner` (refused outside the demo database); returns its id."""
    return runner.submit(showcase_prompt(), list(MODEL_IDS))
