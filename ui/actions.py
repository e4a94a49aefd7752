"""What buttons do: validate and launch a comparison, cancel runs, check a provider (calls into the core)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from canvasbench.errors import CanvasBenchError, MissingKeyError, UsageError
from canvasbench.providers.base import GenerationRequest, ThinkingLevel
from canvasbench.run.prompt_suite import SuitePrompt, custom_prompt
from ui import data


def parse_model_list(text: str) -> list[str]:
    """Model ids typed by hand: separated by commas, spaces or new lines."""
    return [part for part in re.split(r"[\s,]+", text or "") if part]


def build_prompt(suite: SuitePrompt | None, text: str, title: str = "") -> dict[str, Any]:
    """The prompts row to run: the suite prompt as is, or an edited / own text as a user prompt."""
    if suite is not None and text.strip() == suite.text.strip():
        return suite.as_row()
    row = custom_prompt(text, title=title or (f"{suite.title} (edited)" if suite else None))
    if suite is not None:
        row["category"], row["kind"] = suite.category, suite.kind
    return row


def validate_launch(
    suite: SuitePrompt | None, text: str, title: str, model_ids: Sequence[str], recipes: Sequence[str] = ()
) -> dict[str, Any]:
    """The prompt row to launch, or UsageError with one message listing everything to fix first."""
    from canvasbench.providers.registry import ensure_ready
    from canvasbench.run.recipes import parse_recipes

    problems: list[str] = []
    prompt: dict[str, Any] = {}
    try:
        prompt = build_prompt(suite, text, title)
    except UsageError as exc:
        problems.append(str(exc))
    if not model_ids and not recipes:
        problems.append(
            "Choose at least one model (from the list, or type an id like `openai:gpt-5.2`) or add a build recipe."
        )
    try:
        parse_recipes(recipes, model_ids)  # each step's key, and no two contestants under one name
    except (MissingKeyError, UsageError) as exc:
        problems.append(str(exc))
    seen: set[str] = set()
    for model_id in model_ids:
        if model_id in seen:
            problems.append(f"{model_id} is chosen twice; pick each model once.")
        seen.add(model_id)
        try:
            ensure_ready(model_id)
        except (MissingKeyError, UsageError) as exc:
            problems.append(str(exc))
    if problems:
        raise UsageError(" ".join(dict.fromkeys(problems)))
    return prompt


def validate_repair(*, as_batch: bool, repair: int, accept: str, judge_model: str | None = None) -> None:
    """UsageError when the form's repair rounds cannot run as asked (a judge bar without a judge).

    In a batch each repair round goes as a follow-up batch (canvasbench.run.batch_rounds): allowed.
    """
    if repair and accept != "renders" and not judge_model:
        raise UsageError("“Judge score ≥ K” needs a judge: choose a Judge model, or accept pages that render.")


def launch(
    prompt: dict[str, Any],
    model_ids: Sequence[str],
    *,
    max_output_tokens: int | None,
    thinking: ThinkingLevel,
    temperature: float | None,
    deadline_s: float | None = None,
    repair: int = 0,
    accept: str = "renders",
    judge_model: str | None = None,
    recipes: Sequence[str] = (),
) -> str:
    """Hand the comparison to the background runner; returns its id at once (repair: rounds, 0-5).

    `recipes`: build recipes competing beside the models (their specs, repeats included).
    """
    from canvasbench.run.runner import RunOptions

    options = RunOptions(
        max_output_tokens=max_output_tokens, thinking=thinking, temperature=temperature, deadline_s=deadline_s,
        repair=repair, accept=accept, judge_model=judge_model, recipes=tuple(recipes),
    )
    return str(data.runner().submit(prompt, list(model_ids), options))


@dataclass
class BatchLaunch:
    """What a batch launch started: the batch comparison, the streamed one (models without a batch API), refusals."""

    batch_comparison: str | None
    streamed_comparison: str | None
    refused: list[str]  # why a provider's job could not be submitted (its runs failed with it)


def launch_batch(
    prompt: dict[str, Any],
    model_ids: Sequence[str],
    *,
    stream_the_rest: bool,
    max_output_tokens: int | None,
    thinking: ThinkingLevel,
    temperature: float | None,
    deadline_s: float | None = None,
    repair: int = 0,
    accept: str = "renders",
    judge_model: str | None = None,
) -> BatchLaunch:
    """Submit the runs to the providers' batch engines (the core's batch sweep of one prompt).

    Models whose endpoint has no batch API are refused, or streamed in a comparison of their own when
    `stream_the_rest` (the form's `--batch-or-stream`). Repair rounds go as follow-up batches.
    """
    from canvasbench.run.batch_sweep import batchable, submit_batch_sweep
    from canvasbench.run.runner import RunOptions

    batched, stream_only = batchable(model_ids)
    if stream_only and not stream_the_rest:
        raise UsageError(no_batch_api(stream_only))
    options = RunOptions(
        max_output_tokens=max_output_tokens, thinking=thinking, temperature=temperature, deadline_s=deadline_s,
        repair=repair, accept=accept, judge_model=judge_model,
    )  # fmt: skip
    launched = BatchLaunch(None, None, [])
    if batched:
        submission = submit_batch_sweep(data.store(), [(prompt, str(prompt.get("id") or ""))], batched, options)
        launched.batch_comparison = next(iter(submission.comparisons))
        launched.refused = list(submission.refused.values())
    if stream_only:
        launched.streamed_comparison = str(data.runner().submit(prompt, stream_only, options))
    return launched


def cancel_batches(batch_ids: Sequence[str]) -> None:
    """Ask each job's provider to cancel it; the sidebar's poller then stores how its runs ended."""
    from canvasbench.run.batch_sweep import cancel_job

    for batch_id in batch_ids:
        cancel_job(data.store(), batch_id)
    data.batch_watch().kick()


def no_batch_api(model_ids: Sequence[str]) -> str:
    """Why these models cannot go in a batch, and the two ways on."""
    from canvasbench.providers.batch import BATCH_PROVIDERS

    names = ", ".join(f"`{m}`" for m in dict.fromkeys(model_ids))
    return (
        f"{names}: this endpoint has no batch API (only {', '.join(BATCH_PROVIDERS)} have one). Remove these "
        "models, or tick “Stream the models without a batch API” to run them live alongside the batch."
    )


def rerun(comparison_id: str) -> str:
    """Start a comparison again with the same prompt, models (repeats included) and options; returns the new id."""
    from canvasbench.run.comparisons import rerun_request

    request = rerun_request(data.store(), comparison_id)
    return str(data.runner().submit(request.prompt, request.model_ids, request.options))


def follow_up(comparison_id: str, text: str) -> Any:
    """Send one instruction to every model of a finished comparison as its next round (a FollowUp, at once)."""
    return data.runner().follow_up(comparison_id, text)


def delete(comparison_id: str) -> int:
    """Delete a finished comparison with its runs and render checks; returns how many runs were deleted."""
    from canvasbench.run.comparisons import delete_comparison

    return delete_comparison(data.store(), comparison_id)


def cancel_run(run_id: str) -> None:
    """Stop one run; its partial output is kept."""
    data.runner().cancel_run(run_id)


def cancel_comparison(comparison_id: str) -> None:
    """Stop every unfinished run of a comparison."""
    data.runner().cancel_comparison(comparison_id)


def check_render(run_id: str) -> None:
    """Queue a headless-Chromium render check of one run (without chromium it is stored `not checked`, with why)."""
    data.render_pool().submit(run_id)


@dataclass
class ConnectivityResult:
    """What one tiny request to a provider returned."""

    model_id: str
    ok: bool
    status: str
    answer: str
    error: str | None
    ttft_s: float | None
    latency_s: float | None


def check_connectivity(model_id: str, timeout_s: float = 30.0) -> ConnectivityResult:
    """Send one tiny request through generate() (few output tokens, one attempt) and report what came back."""
    from canvasbench.providers.generate import StreamSettings, generate
    from canvasbench.providers.registry import ensure_ready, parse_model_id

    try:
        ensure_ready(model_id)
        _provider, model = parse_model_id(model_id)
    except CanvasBenchError as exc:
        return ConnectivityResult(model_id, False, "not sent", "", str(exc), None, None)
    request = GenerationRequest(model=model, prompt="Reply with the single word: OK", max_output_tokens=64)
    settings = StreamSettings(idle_timeout_s=timeout_s, max_attempts=1)
    result = asyncio.run(generate(model_id, request, settings=settings))
    ok = result.status == "done" or (result.status == "incomplete" and bool(result.text))
    return ConnectivityResult(
        model_id, ok, result.status, result.text.strip()[:200], result.error, result.ttft_s, result.latency_s
    )
