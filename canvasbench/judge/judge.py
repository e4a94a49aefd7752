"""The AI judge: screenshots, checklist and code of each run to a multimodal model; JSON back or a failed judgment."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from canvasbench.errors import UsageError
from canvasbench.ids import new_id
from canvasbench.judge import prompts
from canvasbench.judge.answers import BadAnswer, PairAnswer, ScoreAnswer, parse_checklist, parse_pair, parse_score
from canvasbench.judge.checklist import save_checklist, suite_checklist
from canvasbench.measure.pricing import price_of
from canvasbench.providers.base import GenerationRequest, ImagePart, Usage
from canvasbench.providers.generate import generate
from canvasbench.redact import redact
from canvasbench.store import RunStore, reads, utc_now, writes

T = TypeVar("T")
MAX_ANSWER_TRIES = 2  # a non-JSON answer is asked again once, then recorded as a failed judgment
JUDGE_CONCURRENCY = 4  # judge requests of one comparison in flight together (real judges take 10-60 s each)


@dataclass
class Asked:
    """What asking the judge cost and returned (over every try)."""

    parsed: Any = None
    error: str | None = None
    raw: str = ""
    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    cost_usd: float | None = 0.0
    latency_s: float = 0.0
    images: int = 0
    failures: list[str] = field(default_factory=list)


def screenshots_of(store: RunStore, run_id: str) -> list[tuple[str, bytes]]:
    """The render check's screenshots of a run as (moment, PNG), in time order: the three moments where the
    check kept them, else the single screenshot."""
    shots = [(label, png) for label, png in reads.moments_of(store, run_id) if png]
    if shots:
        return shots
    one = reads.screenshot_of(store, run_id)
    return [("screenshot", one)] if one else []


async def _ask_async(judge_model: str, text: str, images: Sequence[bytes], parse: Callable[[str], T]) -> Asked:
    asked = Asked(images=len(images))
    request = GenerationRequest(model="", prompt=text, images=tuple(ImagePart(i) for i in images))
    for _ in range(MAX_ANSWER_TRIES):
        result = await generate(judge_model, request)
        asked.attempts += 1
        _add_usage(asked, judge_model, result.usage)
        asked.latency_s += result.latency_s or 0.0
        asked.raw = result.text
        if result.status != "done":
            # generate() has already retried what a retry can fix; a cut answer is not judged, only kept.
            asked.error = f"the judge request ended {result.status}: {result.error or 'no reason given'}"
            return asked
        if result.finish_reason in ("refusal", "safety"):
            problem = f"the judge refused or was blocked ({result.raw_finish_reason})"
        else:
            try:
                asked.parsed = parse(result.text)
                asked.error = None
                return asked
            except BadAnswer as exc:
                problem = str(exc)
        asked.failures.append(problem)
        asked.error = "the judge did not answer with the JSON asked for: " + "; then ".join(asked.failures)
    return asked


def _add_usage(asked: Asked, judge_model: str, usage: Usage) -> None:
    asked.input_tokens += usage.input_tokens or 0
    asked.output_tokens += usage.output_tokens or 0
    asked.thinking_tokens += usage.thinking_tokens or 0
    priced = price_of(judge_model, usage) if usage.input_tokens is not None else None
    if priced is None or asked.cost_usd is None:
        asked.cost_usd = None  # an unknown price stays unknown, never $0
    else:
        asked.cost_usd += priced[0]


def ask(judge_model: str, text: str, images: Sequence[bytes], parse: Callable[[str], T]) -> Asked:
    """Ask the judge once (plus one retry of an answer that is not the JSON asked for)."""
    return asyncio.run(_ask_async(judge_model, text, images, parse))


Question = tuple[str, Sequence[bytes], Callable[[str], Any]]


def ask_all(judge_model: str, questions: Sequence[Question], *, concurrency: int = JUDGE_CONCURRENCY) -> list[Asked]:
    """Ask several questions at once (at most `concurrency` in flight); answers in the order asked."""

    async def main() -> list[Asked]:
        gate = asyncio.Semaphore(concurrency)

        async def one(question: Question) -> Asked:
            async with gate:
                return await _ask_async(judge_model, *question)

        return list(await asyncio.gather(*(one(q) for q in questions)))

    return asyncio.run(main())


def checklist_for(store: RunStore, comparison: dict[str, Any], judge_model: str) -> list[str]:
    """The comparison's checklist: stored, else the suite's, else written by the judge now and stored."""
    stored = reads.stored_checklist(store, comparison["id"])
    if stored is not None:
        return list(stored["items"])
    items = suite_checklist(comparison["prompt_id"])
    if items:
        save_checklist(store, comparison["id"], items, "suite", None)
        return items
    asked = ask(judge_model, prompts.checklist_request(comparison["prompt_text"]), [], parse_checklist)
    _save(store, comparison["id"], "checklist", judge_model, asked, extra={})
    if asked.error is not None:
        raise UsageError(f"The judge could not write a checklist for comparison {comparison['id']}: {asked.error}.")
    written = [redact(item) for item in asked.parsed]
    save_checklist(store, comparison["id"], written, "judge", judge_model)
    return written


def _save(store: RunStore, comparison_id: str, mode: str, judge_model: str, asked: Asked, extra: dict[str, Any]) -> str:
    judgment_id = new_id()
    row: dict[str, Any] = {
        "id": judgment_id,
        "comparison_id": comparison_id,
        "mode": mode,
        "judge_model": judge_model,
        "prompt_version": prompts.PROMPT_VERSION,
        "status": "ok" if asked.error is None else "failed",
        "raw_answer": asked.raw,
        "error": asked.error,
        "attempts": asked.attempts,
        "input_tokens": asked.input_tokens,
        "output_tokens": asked.output_tokens,
        "thinking_tokens": asked.thinking_tokens,
        "cost_usd": asked.cost_usd,
        "latency_s": asked.latency_s,
        "images": asked.images,
        "created_at": utc_now(),
        **extra,
    }
    if isinstance(asked.parsed, ScoreAnswer) and asked.error is None:
        row.update(overall=asked.parsed.overall, items=json.dumps(asked.parsed.items), reason=asked.parsed.reason)
    if isinstance(asked.parsed, PairAnswer) and asked.error is None:
        row.update(winner=asked.parsed.winner, reason=asked.parsed.reason)
    # The judge's own words are model output like a run's: a key it echoes is masked before it is stored.
    row.update({k: redact(row[k]) for k in ("raw_answer", "error", "reason", "items") if isinstance(row.get(k), str)})
    if not writes.insert_judgment(store, row):
        raise UsageError(f"Comparison {comparison_id} was deleted while it was being judged: no judgment was stored.")
    return judgment_id


@dataclass(frozen=True)
class JudgeReport:
    """What judging one comparison did: judgment ids, how many failed, and their cost."""

    comparison_id: str
    judgment_ids: list[str]
    failed: int
    cost_usd: float | None


def judge_comparison(store: RunStore, comparison_id: str, judge_model: str, *, pairwise: bool = False) -> JudgeReport:
    """Judge every finished run with a page (score mode) or every pair of them in both orders (pairwise)."""
    comparison = reads.get_comparison(store, comparison_id)
    if comparison is None:
        raise UsageError(f"No comparison '{comparison_id}' in {store.path}.")
    runs = reads.votable_runs(store, comparison_id)
    if not runs:
        raise UsageError(f"Comparison {comparison_id} has no finished run with a page to judge.")
    checklist = checklist_for(store, comparison, judge_model)
    shots = {run["id"]: screenshots_of(store, run["id"]) for run in runs}
    text = comparison["prompt_text"]
    questions: list[Question] = []
    rows: list[tuple[str, dict[str, Any]]] = []  # (mode, the judged runs) per question
    if not pairwise:
        for run in runs:
            shot = shots[run["id"]]
            request = prompts.score_request(text, checklist, run["artifact"], [label for label, _ in shot])
            questions.append((request, [png for _, png in shot], lambda t: parse_score(t, len(checklist))))
            rows.append(("score", {"run_id": run["id"]}))
    else:
        for a, b in itertools.permutations(runs, 2):  # both orders of every pair
            if a["model_id"] == b["model_id"]:
                continue
            shot_a, shot_b = shots[a["id"]], shots[b["id"]]
            request = prompts.pairwise_request(
                text, checklist, a["artifact"], b["artifact"], [s[0] for s in shot_a], [s[0] for s in shot_b]
            )
            questions.append((request, [s[1] for s in shot_a + shot_b], parse_pair))
            rows.append(("pairwise", {"left_run_id": a["id"], "right_run_id": b["id"]}))
    answers = ask_all(judge_model, questions)
    ids = [
        _save(store, comparison_id, mode, judge_model, asked, extra)
        for (mode, extra), asked in zip(rows, answers, strict=True)
    ]
    costs = [asked.cost_usd for asked in answers]
    total = None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)
    return JudgeReport(comparison_id, ids, sum(asked.error is not None for asked in answers), total)
