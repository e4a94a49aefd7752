"""Repair rounds: whether a finished round gets another, and the request that asks for it (the runner sends it)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from canvasbench.providers.base import GenerationRequest, GenerationResult
from canvasbench.providers.catalogue import accepts_images
from canvasbench.render.verdict import RenderCheck
from canvasbench.run.acceptable import Acceptance
from canvasbench.run.repair_message import REPAIR_VERSION, Evidence, repair_turn

if TYPE_CHECKING:
    from canvasbench.run.live_run import LiveRun


@dataclass(frozen=True)
class NextRound:
    """The follow-up to send: the whole conversation so far, then the repair message (and its screenshots)."""

    request: GenerationRequest
    text: str
    version: str = REPAIR_VERSION


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


async def follow_up_of(run: LiveRun) -> NextRound | None:
    """Wait (on the runner's loop) for a saved round's check; the repair to send, or None to stop."""
    assert run.saved is not None and run.result is not None
    await run.saved
    if run.check is None or run.chain is None or run.chain.cancelled:
        return None
    # shield: cancelling this wait (the user's cancel) must not drop the check itself
    check = await asyncio.shield(asyncio.wrap_future(run.check))
    run.checked_at = time.monotonic()
    follow = next_round(run.model_id, run.request, run.result, check, run.accept)
    return None if run.chain.cancelled else follow
