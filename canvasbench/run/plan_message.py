"""The planner's and the builder's turns of a build recipe: the one fixed, versioned wording of both.

Change the wording only together with PLAN_MESSAGE_VERSION: a comparison stores the version its recipes were
sent (its options' `plan_message`), so recipes asked in different words are never compared as if the same.
"""

from __future__ import annotations

PLAN_MESSAGE_VERSION = "plan-v1"

_PLAN_ASK = (
    "Do not write the program yet. Write a design for it instead: another developer will build the page from "
    "your design and the request above, in one self-contained HTML file. Describe the layout and what is drawn, "
    "the state and how it changes each frame, the controls and how input is handled, the libraries to load (if "
    "any) and the pitfalls to avoid. Be concrete and brief. Write no code at all: no HTML, no JavaScript, no code "
    "blocks."
)
_BUILD_INTRO = "A design for this page, written beforehand by another model (it has no code; follow it where it helps):"


def plan_turn(prompt: str) -> str:
    """The planner's user turn: the prompt, then the request for a design with no code."""
    return f"{prompt.rstrip()}\n\n---\n\n{_PLAN_ASK}"


def build_turn(prompt: str, design: str) -> str:
    """The builder's user turn: the prompt, then the planner's design."""
    return f"{prompt.rstrip()}\n\n---\n\n{_BUILD_INTRO}\n\n{design.strip()}"
