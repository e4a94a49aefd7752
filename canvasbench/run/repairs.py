"""Repair rounds: whether a finished round gets another, and the request that asks for it (the runner sends it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from canvasbench.providers.base import GenerationRequest, GenerationResult
from canvasbench.providers.catalogue import accepts_images
from canvasbench.redact import redact
from canvasbench.render.verdict import RenderCheck
from canvasbench.run.acceptable import Acceptance
from canvasbench.run.repair_message import REPAIR_VERSION, Evidence, repair_turn
from canvasbench.status import Verdict

if TYPE_CHECKING:
    from canvasbench.run.live_run import LiveRun


@dataclass(frozen=True)
class NextRound:
    """The follow-up to send: the whole conversation so far, then the repair message (and its screenshots)."""

    request: GenerationRequest
    text: str
    version: str | None = REPAIR_VERSION  # None: a recipe's build turn (its wording's version is the comparison's)


def next_round(
    model_id: str,
    request: GenerationRequest,
    result: GenerationResult,
    check: RenderCheck,
    accept: Acceptance,
    *,
    judge_score: float | None = None,
    failed_items: tuple[str, ...] = (),
    text_only: bool = False,
) -> NextRound | None:
    """The repair request for a round its check (and judge) did not accept, or None when it is acceptable.

    `model_id`: the model the repair goes to; `text_only`: the answer goes back as its text alone (a recipe's
    fixer is another model, maybe another provider: the builder's thought signatures mean nothing to it).
    """
    if accept.accepts(check.verdict, judge_score):
        return None
    evidence = Evidence(
        check=check,
        cut_off=result.finish_reason == "length",
        failed_items=failed_items,
        judge_score=judge_score,
    )
    text, images = repair_turn(evidence, images=accepts_images(model_id))
    text = redact(text)  # it quotes the page's own messages, and it is stored with the round
    return NextRound(request.follow_up(result.text if text_only else result, text, images=images), text)


# Scores one round with a judge model: (overall score or None, each checklist item with its score).
JudgeRound = Callable[[str, str], tuple[float | None, tuple[tuple[str, float], ...]]]


async def follow_up_of(run: LiveRun, judge: JudgeRound | None = None) -> NextRound | None:
    """Wait (on the runner's loop) for a saved round's check (and judge); the repair to send, or None to stop."""
    assert run.saved is not None and run.result is not None
    await run.saved
    if run.check is None or run.chain is None or run.chain.cancelled:
        return None
    # shield: cancelling this wait (the user's cancel) must not drop the check itself
    check = await asyncio.shield(asyncio.wrap_future(run.check))
    score: float | None = None
    weak: tuple[str, ...] = ()
    bar = run.accept.min_judge
    if bar is not None and check.verdict == Verdict.RENDERS and judge and run.judge_model:
        # The judge's request is blocking (its own event loop): on a thread, never this loop.
        score, items = await asyncio.get_running_loop().run_in_executor(None, judge, run.run_id, run.judge_model)
        weak = tuple(item for item, item_score in items if item_score < bar)
    run.checked_at = time.monotonic()
    if run.round >= run.repair:  # the last round was judged so that its attempt can be counted; no more rounds
        return None
    to = run.repair_model()
    follow = next_round(
        to, run.request, run.result, check, run.accept, judge_score=score, failed_items=weak,
        text_only=to != run.model_id,
    )
    return None if run.chain.cancelled else follow
