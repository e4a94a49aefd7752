"""A run's live state on the runner's loop: the options it was asked with, its round, its contestant's chain."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from canvasbench.contestants import PLAN_ROUND
from canvasbench.errors import UsageError
from canvasbench.providers.base import GenerationRequest, GenerationResult, Progress, ThinkingLevel
from canvasbench.run.acceptable import DEFAULT_ACCEPT, Acceptance, check_repair, parse_accept
from canvasbench.run.progress import Arrivals

if TYPE_CHECKING:
    from canvasbench.render.verdict import RenderCheck
    from canvasbench.run.recipes import Recipe


@dataclass(frozen=True)
class RunOptions:
    """Per-comparison generation options (None: the model's own maximum output, no deadline)."""

    max_output_tokens: int | None = None
    thinking: ThinkingLevel = "default"
    temperature: float | None = None
    deadline_s: float | None = None  # stop each run this long after it starts (None: no overall deadline)
    repair: int = 0  # repair rounds a page that is not acceptable gets (0..5): see canvasbench.run.repairs
    accept: str = DEFAULT_ACCEPT  # what is acceptable: `renders` or `judge>=K` (canvasbench.run.acceptable)
    judge_model: str | None = None  # with `judge>=K`: the model that scores each round that renders
    recipes: tuple[str, ...] = ()  # build recipes beside the models (run/recipes.py), repeats included
    plan_message: str | None = None  # the recipes' wording's version (run/plan_message.py), set on submit

    def __post_init__(self) -> None:
        # Read back from the stored JSON the recipes are a list: one spelling, so equal options compare equal.
        object.__setattr__(self, "recipes", tuple(self.recipes))

    def repair_settings(self, *, checks: bool, judge: object | None) -> tuple[int, Acceptance]:
        """The repair rounds and what is acceptable, refused (UsageError) when they cannot work here."""
        repair, accept = check_repair(self.repair), parse_accept(self.accept)
        if repair and not checks:
            raise UsageError("Repair rounds need render checks to see what failed: run with checks on (no --no-check).")
        if repair and accept.min_judge is not None and (judge is None or not self.judge_model):
            raise UsageError("--accept judge>=K needs a judge: give --judge-model provider:model.")
        return repair, accept


@dataclass
class Chain:
    """One contestant's conversation across its rounds (loop thread only)."""

    current: LiveRun
    cancelled: bool = False  # cancelled: the round in flight stops and no other starts


@dataclass
class LiveRun:
    """One run's live state; touched only on the loop thread, except `finished` (a thread-safe event)."""

    run_id: str
    comparison_id: str
    model_id: str
    provider: str
    request: GenerationRequest
    deadline_s: float | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    task: asyncio.Task[None] | None = None
    state: str = "queued"  # queued / running / finishing
    started: float = 0.0  # monotonic, when it left the queue
    last_write: float = 0.0
    progress: Progress | None = None
    timeline: list[list[float | int]] = field(default_factory=list)
    arrivals: Arrivals = field(default_factory=Arrivals)  # answer text counted as it arrives (the timeline's points)
    round: int = 0
    repair: int = 0  # the comparison's repair rounds
    accept: Acceptance = field(default_factory=Acceptance)
    judge_model: str | None = None
    chain: Chain | None = None  # set when the run starts
    result: GenerationResult | None = None  # how it ended
    saved: asyncio.Future[None] | None = None  # resolved on the loop once its final row (and check) is queued
    check: concurrent.futures.Future[RenderCheck] | None = None  # its render check, with use_checks()
    checked_at: float = 0.0  # monotonic, when its check's result reached the loop
    recipe: Recipe | None = None  # the build recipe this run is a step of (None: a model on its own)
    prompt: str = ""  # a recipe planner's: the comparison's prompt, which its builder gets with the design
    fix_model: str | None = None  # a recipe's fixer: repair rounds go to it instead of this run's model

    @property
    def is_plan(self) -> bool:
        """Whether this is a recipe's planner step: a design, never checked, followed by the build."""
        return self.round == PLAN_ROUND

    def repair_model(self) -> str:
        """The model the next repair round goes to: the recipe's fixer, else this run's model."""
        return self.fix_model or self.model_id

    def may_repair(self) -> bool:
        """Whether its check may lead to another round: repairs left, and the provider answered in full.

        A round that failed at the provider (an error, a cut connection, a stall) or was cancelled ends
        the loop: its partial text is kept and its error says why.
        """
        done = self.result is not None and self.result.status == "done"
        if self.is_plan:  # a design is never checked: the build after it is the next round
            return False
        # With a judge's bar the last round is judged too (its score decides whether it was acceptable).
        more = self.round < self.repair or (self.repair > 0 and self.accept.min_judge is not None)
        return done and more and self.chain is not None and not self.chain.cancelled

    def next_round(self, run_id: str, request: GenerationRequest) -> LiveRun:
        """The repair round after this one: the same contestant, task and settings, the next request.

        A recipe's repair goes to its fixer when it has one: the same conversation, sent to that model.
        """
        model_id = self.repair_model()
        provider, _, model = model_id.partition(":")
        if model_id != self.model_id:
            request = replace(request, model=model)
        return LiveRun(
            run_id, self.comparison_id, model_id, provider, request, deadline_s=self.deadline_s,
            round=self.round + 1, repair=self.repair, accept=self.accept, chain=self.chain, task=self.task,
            judge_model=self.judge_model, recipe=self.recipe, fix_model=self.fix_model,
        )

    def partial_result(self, status: str, error: str | None) -> GenerationResult:
        """What it had received when it ended outside generate(): its last progress as a result."""
        p = self.progress
        return GenerationResult(
            status=status,  # type: ignore[arg-type]
            text=p.text if p else "",
            reasoning=p.reasoning if p else "",
            finish_reason="error" if status == "failed" else None,
            error=error,
            first_chunk_s=p.first_chunk_s if p else None,
            ttft_s=p.ttft_s if p else None,
            latency_s=time.monotonic() - self.started if self.started else None,
            attempts=p.attempts if p else 0,
        )


def resolve(future: asyncio.Future[None]) -> None:
    """Mark a round saved (on the loop); a wait already cancelled is left alone."""
    if not future.done():
        future.set_result(None)
