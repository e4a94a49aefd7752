"""The repair message: the one fixed, versioned text a model gets when its page was not acceptable.

Change the wording only together with REPAIR_VERSION: each round stores the version it was sent, so rounds
asked in different words are never compared as if they were the same question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from canvasbench.providers.base import ImagePart
from canvasbench.render.verdict import RenderCheck
from canvasbench.status import Verdict

REPAIR_VERSION = "repair-v1"
MAX_ERRORS = 3  # the first few JS errors are quoted; the count covers all of them
MAX_LISTED = 5  # missing files and blocked requests quoted

_OPENING = "I opened your page in a browser (Chromium, offline: only known CDN libraries load); it is not right yet."
_CLOSING = (
    "Please fix these problems and reply with the complete corrected file: the whole page in one "
    "```html code block, not only the changed parts."
)
_VERDICTS: dict[str, str] = {
    Verdict.CRASHED: "it crashed: nothing the page was written to do works",
    Verdict.BLANK: "it loaded, but nothing was drawn",
    Verdict.RENDERS_WITH_ERRORS: "it drew something, but with errors",
    Verdict.NOT_CHECKED: "it could not be opened",
    Verdict.RENDERS: "it renders",
}
_MOMENTS = ("after loading", "after watching it for a few seconds", "after clicking, dragging and pressing keys")


@dataclass(frozen=True)
class Evidence:
    """What the repair message quotes: the round's render check, how its answer ended, and the judge's findings."""

    check: RenderCheck
    cut_off: bool = False  # the answer stopped at the output limit
    failed_items: Sequence[str] = field(default_factory=tuple)  # judge checklist items scored low
    judge_score: float | None = None


def _line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def findings(evidence: Evidence) -> list[str]:
    """The problems found, one short sentence each, in the order the model should read them."""
    check = evidence.check
    found = [f"The check's verdict: {check.verdict} ({_VERDICTS.get(check.verdict, check.verdict)})."]
    if evidence.cut_off:
        found.append("Your answer was cut off at the output limit: the file ends in the middle. Make it shorter.")
    if check.js_errors:
        quoted = "; ".join(_line(e) for e in check.errors[:MAX_ERRORS])
        found.append(f"{check.js_errors} JavaScript error(s), the first: {quoted}.")
    if check.missing_files:
        found.append("It loads files that do not exist beside it: " + ", ".join(check.missing_files[:MAX_LISTED]) + ".")
    blocked = list(check.blocked_requests[:MAX_LISTED])
    if blocked:
        found.append(
            "These requests were blocked (no network; only mirrored CDN libraries load): " + ", ".join(blocked) + "."
        )
    if check.loaded and not check.drawn:
        found.append("Nothing was drawn: the page stayed empty through loading, watching and input.")
    if check.limit_hit in ("time", "memory"):
        found.append("The page stopped responding (its main thread stopped running tasks, or it ran out of memory).")
    if check.responds_to_input is False and check.drawn:
        found.append("It did not respond to input: clicking, dragging and pressing keys changed nothing.")
    if evidence.judge_score is not None:
        found.append(f"A reviewer scored it {evidence.judge_score:g}/10.")
    for item in evidence.failed_items:
        found.append(f"Not done yet: {_line(item, 200)}")
    found.append(f"The check's own summary: {_line(check.evidence, 400)}")
    return found


def repair_text(evidence: Evidence, *, shots: Sequence[str] = ()) -> str:
    """The repair message for one round (`shots`: what each attached screenshot shows, in order)."""
    parts = [_OPENING, ""]
    parts += [f"- {finding}" for finding in findings(evidence)]
    if shots:
        parts += ["", f"The {len(shots)} attached screenshot(s) show the page " + "; ".join(shots) + "."]
    parts += ["", _CLOSING]
    return "\n".join(parts)


def screenshots(check: RenderCheck) -> list[tuple[str, ImagePart]]:
    """The check's screenshots (what each shows, the image): the moments it kept, else its one screenshot."""
    shots = [(label, ImagePart(png)) for label, png in zip(_MOMENTS, check.moments, strict=True) if png]
    if not shots and check.screenshot:
        shots = [("as the check last saw it", ImagePart(check.screenshot))]
    return shots


def repair_turn(evidence: Evidence, *, images: bool) -> tuple[str, tuple[ImagePart, ...]]:
    """The repair message and the screenshots that go with it (none for a model that takes no images)."""
    shots = screenshots(evidence.check) if images else []
    return repair_text(evidence, shots=[label for label, _ in shots]), tuple(image for _, image in shots)
