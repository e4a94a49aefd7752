"""A recipe's planner turn: a request that asks for a design (no code) gets a recognisable design text.

The fake spots the planner's turn by the words CanvasBench's plan message asks with (canvasbench/run/plan_message.py);
a test then finds DESIGN_MARK in what the builder's request carried.
"""

from __future__ import annotations

PLAN_ASK = "Do not write the program yet. Write a design for it instead"  # the plan message's own words
DESIGN_MARK = "FAKE-DESIGN-7F3A"
DESIGN_TEXT = (
    f"Design {DESIGN_MARK}\n\n"
    "1. Layout: one full-window canvas on a dark background.\n"
    "2. State: a list of bodies with position and velocity, advanced once per animation frame.\n"
    "3. Input: a click adds a body where it lands.\n"
    "4. Pitfalls: resize the canvas with the window; never block the main thread.\n"
)


def asks_for_a_design(last_user_text: str) -> bool:
    """Whether a request's last user turn is a recipe planner's (asks for a design, not a page)."""
    return PLAN_ASK in last_user_text
