"""Repair rounds: whether a finished round gets another, and the request that asks for it (the runner sends it)."""

from __future__ import annotations

from dataclasses import dataclass

from canvasbench.providers.base import GenerationRequest, GenerationResult
from canvasbench.providers.catalogue import accepts_images
from canvasbench.render.verdict import RenderCheck
from canvasbench.run.acceptable import Acceptance
from canvasbench.run.repair_message import REPAIR_VERSION, Evidence, repair_turn


@dataclass(frozen=True)
class NextRound:
    """The follow-up to send: the whole conversation so far, then the repair message (and its screenshots)."""

    request: GenerationRequest
    text: str
    version: str = REPAIR_VERSION


def wants_check(result: GenerationResult, *, round_no: int, repair: int) -> bool:
    """Whether a finished round could lead to another: repairs left, and the provider answered in full.

    A round that failed at the provider (an error, a cut connection, a stall) or was cancelled ends the
    loop: its partial text is kept and its error says why.
    """
    return round_no < repair and result.status == "done"


def next_round(
    model_id: str,
    request: GenerationRequest,
    result: GenerationResult,
    check: RenderCheck,
    accept: Acceptance,
    *,
    judge_score: float | None = None,
    failed_items: tuple[str, ...] = (),
) -> NextRound | None:
    """The repair request for a round its check (and judge) did not accept, or None when it is acceptable."""
    if accept.accepts(check.verdict, judge_score):
        return None
    evidence = Evidence(
        check=check,
        cut_off=result.finish_reason == "length",
        failed_items=failed_items,
        judge_score=judge_score,
    )
    text, images = repair_turn(evidence, images=accepts_images(model_id))
    return NextRound(request.follow_up(result, text, images=images), text)
