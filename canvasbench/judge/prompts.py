"""What the judge is asked: the checklist request, the score request and the A-vs-B request (versioned)."""

from __future__ import annotations

from collections.abc import Sequence

# Bump when any wording below changes: judgments made with different prompts are not comparable.
PROMPT_VERSION = "judge-v1"
MAX_CODE_CHARS = 60_000
_TAIL_CHARS = 8_000


def cut_code(code: str, limit: int = MAX_CODE_CHARS) -> str:
    """The code as sent: whole when short, else its head and tail around a marker saying how much is left out."""
    if len(code) <= limit:
        return code
    head = limit - _TAIL_CHARS
    omitted = len(code) - head - _TAIL_CHARS
    marker = f"\n\n[... CANVASBENCH CUT {omitted:,} CHARACTERS OF CODE HERE: TOO LONG TO SEND WHOLE ...]\n\n"
    return code[:head] + marker + code[-_TAIL_CHARS:]


def checklist_request(prompt_text: str) -> str:
    """Ask the judge to write 5-10 checkable items for a prompt that has no checklist yet."""
    return (
        "You are preparing to grade programs that language models wrote for the task below.\n"
        "Write a checklist of 5 to 10 concrete items a grader can check by looking at screenshots of the "
        "running page and reading its code: what must be on screen, what must move, what input must do.\n\n"
        f"TASK:\n{prompt_text}\n\n"
        'Reply with only this JSON object and nothing else: {"checklist": ["item", "item", ...]}'
    )


def _checklist_block(checklist: Sequence[str]) -> str:
    lines = "\n".join(f"{i}. {item}" for i, item in enumerate(checklist, start=1))
    return f"Checklist ({len(checklist)} items):\n{lines}"


def _screens(moments: Sequence[str], who: str) -> str:
    if not moments:
        return f"No screenshot of {who} is available (it was never opened in a browser): judge from the code."
    listed = ", ".join(moments)
    return f"{len(moments)} screenshot(s) of {who} running in a browser are attached in this order: {listed}."


def score_request(prompt_text: str, checklist: Sequence[str], code: str, screenshots: Sequence[str]) -> str:
    """Ask for a score per checklist item, an overall 0-10 and one sentence, as JSON."""
    return (
        "You grade a program a language model wrote for the task below. Look at the screenshots and the code.\n\n"
        f"TASK:\n{prompt_text}\n\n{_checklist_block(checklist)}\n\n{_screens(screenshots, 'the program')}\n\n"
        f"CODE:\n{cut_code(code)}\n\n"
        "Score each checklist item from 0 (absent or broken) to 10 (fully met), then the program overall from "
        "0 to 10. Reply with only this JSON object and nothing else:\n"
        '{"items": [{"item": 1, "score": 0-10}, ...], "overall": 0-10, "reason": "one sentence"}'
    )


def pairwise_request(
    prompt_text: str,
    checklist: Sequence[str],
    code_a: str,
    code_b: str,
    screenshots_a: Sequence[str],
    screenshots_b: Sequence[str],
) -> str:
    """Ask which of two programs (A, B) does the task better, as JSON."""
    return (
        "Two language models wrote programs for the task below. Decide which one does the task better.\n\n"
        f"TASK:\n{prompt_text}\n\n{_checklist_block(checklist)}\n\n"
        f"{_screens(screenshots_a, 'program A')} Then {_screens(screenshots_b, 'program B')}\n\n"
        f"CODE OF PROGRAM A:\n{cut_code(code_a)}\n\n"
        f"CODE OF PROGRAM B:\n{cut_code(code_b)}\n\n"
        "Reply with only this JSON object and nothing else:\n"
        '{"winner": "A" or "B" or "tie", "reason": "one sentence"}'
    )
