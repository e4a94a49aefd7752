"""Next turns of batch runs (repair rounds): decided from the database, sent as one follow-up batch per provider.

Everything here is recomputed from what is stored (the runs, their checks, their judgments), so a process
started later carries on where an ended one stopped. The order of writes makes that safe: a round's row and
its job are one commit before anything is sent (the row is what says "this run has its next round"), the
provider's job id is recorded after; a job left `submitting` by a process that died is sent again with the
same custom ids (the new rounds' run ids), and a result is stored on its run once, so no round is lost or
doubled.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canvasbench.liveness import worker_token
from canvasbench.providers.base import GenerationRequest, GenerationResult, ImagePart
from canvasbench.providers.batch import BatchEngine
from canvasbench.providers.catalogue import accepted_request, accepts_images
from canvasbench.providers.registry import parse_model_id
from canvasbench.redact import redact
from canvasbench.render.verdict import RenderCheck
from canvasbench.run.acceptable import parse_accept
from canvasbench.run.followups import stored_options
from canvasbench.run.repair_message import REPAIR_VERSION, screenshots
from canvasbench.run.repairs import JudgeRound, next_round
from canvasbench.status import Status, Verdict
from canvasbench.store import RunStore, batches, reads, utc_now

FIRST_POLL_S = 30.0  # providers aim at minutes to hours: polling faster only spends requests
EngineFor = Callable[[str], BatchEngine]


@dataclass(frozen=True)
class NextTurn:
    """The next user turn of one stored run's conversation, and the whole request that carries it."""

    run_id: str  # the round it follows (the new round's parent)
    model_id: str  # the model that answers it (the parent's own, or another: a recipe's next step)
    text: str  # stored with the new round (turn_text)
    version: str | None  # stored with the new round (repair_version)
    request: GenerationRequest


@dataclass
class RepairPass:
    """What one pass over the batch runs did: follow-up jobs submitted, and runs still waiting for a check."""

    jobs: list[str]
    unchecked: list[str]  # runs a repair may follow once they are checked
    unjudged: list[str]  # runs that render but wait for a judge's score (no judge in this process)


def stored_check(store: RunStore, run_id: str) -> RenderCheck | None:
    """A run's latest render check as the repair message reads it (screenshots included), or None."""
    row = reads.latest_check(store, run_id)
    if row is None:
        return None
    shots = reads.moments_of(store, run_id)
    moments = tuple(png for _, png in shots) if len(shots) == 3 else (None, None, None)
    return RenderCheck(
        verdict=str(row["verdict"]), evidence=str(row.get("evidence") or ""), loaded=bool(row["loaded"]),
        js_errors=int(row.get("js_errors") or 0), errors=tuple(row["errors"]),
        blocked_requests=tuple(row["blocked_requests"]), drawn=bool(row["drawn"]), limit_hit=row.get("limit_hit"),
        screenshot=row.get("screenshot"), responds_to_input=row.get("responds_to_input"),
        moments=(moments[0], moments[1], moments[2]),
    )  # fmt: skip


def _chain(store: RunStore, run_id: str) -> list[dict[str, Any]]:
    """The run and every round before it, round 0 first."""
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    current: str | None = run_id
    while current and current not in seen:
        seen.add(current)
        row = reads.get_run(store, current)
        if row is None:
            break
        chain.append(row)
        current = row.get("parent_run_id")
    return chain[::-1]


def stored_request(store: RunStore, run_id: str) -> GenerationRequest:
    """The request a stored round is sent: the prompt, then each answer and the turn after it, as the loop builds it.

    A repair turn carries its check's screenshots for a model that takes images, as the streamed loop sends
    them; thinking is never part of it (the adapters send back answer text only).
    """
    chain = _chain(store, run_id)
    first = chain[0]
    comparison = reads.get_comparison(store, str(first["comparison_id"])) or {}
    options = stored_options(comparison)
    model_id = str(chain[-1]["model_id"])  # the model this round goes to
    request = GenerationRequest(
        model=parse_model_id(model_id)[1], prompt=str(comparison.get("prompt_text") or ""),
        max_output_tokens=options.max_output_tokens, thinking=options.thinking, temperature=options.temperature,
    )  # fmt: skip
    for earlier, later in itertools.pairwise(chain):
        images: tuple[ImagePart, ...] = ()
        if later.get("repair_version") == REPAIR_VERSION and accepts_images(model_id):
            check = stored_check(store, str(earlier["id"]))
            images = tuple(image for _, image in screenshots(check)) if check is not None else ()
        request = request.follow_up(str(earlier.get("response") or ""), str(later.get("turn_text") or ""), images)
    return accepted_request(model_id, request)


Scored = tuple[float | None, tuple[tuple[str, float], ...]]  # overall (None: no valid answer), items with scores


def _judged(store: RunStore, run_id: str, judge_model: str) -> Scored | None:
    """The latest score judgment of the run by this judge (a failed one scores None), or None when never judged."""
    row = batches.score_judgment(store, run_id, judge_model)
    if row is None:
        return None
    if row["status"] != "ok" or row["overall"] is None:
        return None, ()
    checklist = (reads.stored_checklist(store, row["comparison_id"]) or {}).get("items") or []
    try:
        scored = json.loads(row["items"] or "[]")
        items = tuple((str(checklist[int(i["item"]) - 1]), float(i["score"])) for i in scored)
    except (ValueError, TypeError, KeyError, IndexError):  # an answer this version cannot read: the score alone
        items = ()
    return float(row["overall"]), items


def repair_turn_of(
    store: RunStore, row: Mapping[str, Any], check: RenderCheck, judge: JudgeRound | None
) -> NextTurn | str | None:
    """The repair turn a checked batch run needs, None when it is acceptable, or "unjudged" when a score is missing."""
    run_id = str(row["id"])
    comparison = reads.get_comparison(store, str(row["comparison_id"])) or {}
    options = stored_options(comparison)
    accept = parse_accept(options.accept)
    score: float | None = None
    weak: tuple[str, ...] = ()
    if accept.min_judge is not None and check.verdict == Verdict.RENDERS and options.judge_model:
        judged = _judged(store, run_id, options.judge_model)
        if judged is None and judge is None:
            return "unjudged"
        score, items = judged if judged is not None else judge(run_id, options.judge_model)  # type: ignore[misc]
        weak = tuple(item for item, item_score in items if item_score < accept.min_judge)
    run = reads.get_run(store, run_id) or {}
    result = GenerationResult(
        status="done", text=str(run.get("response") or ""), finish_reason=run.get("finish_reason")
    )
    model_id = str(row["model_id"])
    follow = next_round(
        model_id, stored_request(store, run_id), result, check, accept, judge_score=score, failed_items=weak
    )
    if follow is None:
        return None
    return NextTurn(run_id, model_id, follow.text, follow.version, accepted_request(model_id, follow.request))


def submit_next_turns(
    store: RunStore, turns: Sequence[NextTurn], engines: EngineFor, *, label: str = "canvasbench follow-up"
) -> list[str]:
    """Send each run's next turn as a new round: one batch job per provider (per model for Gemini).

    The general step "a batch of next turns for these runs" (repairs now; any later multi-step use too).
    Returns our ids of the jobs recorded; a run that already has its next round is left out.
    """
    groups: dict[tuple[str, str], list[NextTurn]] = {}
    for turn in turns:
        provider, model = parse_model_id(turn.model_id)
        groups.setdefault((provider, model if provider == "gemini" else ""), []).append(turn)
    made_jobs: list[str] = []
    for (provider, _model), group in groups.items():
        recorded = batches.add_rounds_job(
            store, provider, label, [(t.run_id, t.text, t.version, t.model_id) for t in group], worker=worker_token()
        )
        if recorded is None:
            continue
        batch_id, made = recorded
        by_parent = {t.run_id: t.request for t in group}
        send_job(store, batch_id, provider, [(new_id, by_parent[parent]) for parent, new_id in made], label, engines)
        made_jobs.append(batch_id)
    return made_jobs


def send_job(
    store: RunStore,
    batch_id: str,
    provider: str,
    requests: Sequence[tuple[str, GenerationRequest]],
    label: str,
    engines: EngineFor,
) -> str | None:
    """Submit a recorded job's requests; record the provider's id, or fail its runs with the reason (returned)."""
    try:
        job_id = engines(provider).submit(requests, submit_label(label, batch_id))
    except Exception as exc:  # any SDK failure: the job's runs fail with its message
        reason = redact(f"The {provider} batch could not be submitted: {exc}")
        batches.finish_waiting(store, batch_id, Status.FAILED, reason, "error")
        batches.update_job(store, batch_id, state="failed", error=reason, ingested_at=utc_now(), worker=None)
        return reason
    batches.update_job(store, batch_id, job_id=job_id, state="running", poll_interval_s=FIRST_POLL_S, worker=None)
    return None


def submit_label(label: str, batch_id: str) -> str:
    """The label a job is submitted under: ours, with our job id, so a job whose id was never stored can be found."""
    return f"{label} #{batch_id}"


def _adopted(store: RunStore, job: Mapping[str, Any], engine: BatchEngine) -> bool:
    """Record the provider's job an earlier attempt submitted (found by its label), if the provider can tell."""
    since = datetime.fromisoformat(str(job["created_at"]).replace("Z", "+00:00")).timestamp() - 600  # clock skew
    try:
        found = engine.find(submit_label(str(job["label"] or "canvasbench"), str(job["id"])), since)
    except Exception:  # the provider cannot be asked now: sending again is what was done before looking
        return False
    if found is None:
        return False
    batches.update_job(store, str(job["id"]), job_id=found, state="running", poll_interval_s=FIRST_POLL_S,
                       worker=None)  # fmt: skip
    return True


def resend_job(store: RunStore, job: Mapping[str, Any], engines: EngineFor) -> None:
    """Send again a job its submitting process left unconfirmed: the same runs, as custom ids, rebuilt from the store.

    A job the provider did accept before that process died is found by its label and adopted (OpenAI's
    metadata); where a provider cannot tell (Anthropic; Gemini for now) it is sent again, and the first
    attempt's results are never read: each run's result is stored once, from the job recorded here.
    """
    if not batches.claim_submission(store, dict(job), worker_token()):
        return  # another process polling this database took it over since it was read: it sends it, once
    if _adopted(store, job, engines(str(job["provider"]))):
        return
    waiting = batches.waiting_runs(store, str(job["id"]))
    if not waiting:  # nothing left to ask (its runs were ended meanwhile): the job is over
        batches.update_job(store, str(job["id"]), state="failed", error="Nothing left to submit.", worker=None,
                           ingested_at=utc_now())  # fmt: skip
        return
    requests = [(run_id, stored_request(store, run_id)) for run_id in waiting]
    send_job(store, str(job["id"]), str(job["provider"]), requests, str(job["label"] or "canvasbench"), engines)


def _unchecked(row: Mapping[str, Any]) -> bool:
    """No check yet, or a page whose check did not look at it (interrupted, no browser): its repair would be blind."""
    return row["verdict"] is None or (row["verdict"] == Verdict.NOT_CHECKED and bool(row["has_page"]))


def repair_pass(
    store: RunStore,
    engines: EngineFor,
    *,
    check: Callable[[list[str]], None] | None = None,
    judge: JudgeRound | None = None,
) -> RepairPass:
    """Give every batch run that is not acceptable and has rounds left its repair round, in follow-up batches.

    `check` render-checks runs not yet checked first (without it they wait for a later pass); `judge` scores
    rounds that render when the comparison accepts by judge score.
    """
    if check is not None:  # pages stored by a process that ended before checking them, last rounds included
        left = batches.unchecked_pages(store)
        if left:
            check(left)
    if judge is not None:  # every round that renders is judged (the last one too: it decides the count)
        for row in batches.unjudged_renders(store):
            judge(str(row["id"]), str(row["judge_model"]))
    candidates = batches.repair_candidates(store)
    unchecked = [str(row["id"]) for row in candidates if _unchecked(row)]
    if unchecked and check is not None:
        check(unchecked)
        candidates = batches.repair_candidates(store)
        unchecked = [str(row["id"]) for row in candidates if _unchecked(row)]
    turns: list[NextTurn] = []
    unjudged: list[str] = []
    for row in candidates:
        found = None if _unchecked(row) else stored_check(store, str(row["id"]))
        if found is None:
            continue
        turn = repair_turn_of(store, row, found, judge)
        if isinstance(turn, NextTurn):
            turns.append(turn)
        elif turn == "unjudged":
            unjudged.append(str(row["id"]))
    return RepairPass(submit_next_turns(store, turns, engines) if turns else [], unchecked, unjudged)
