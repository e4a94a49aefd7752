"""Everyday actions on whole comparisons: delete, re-run with the same prompt and models, repeated models."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from canvasbench.contestants import contestant, is_plan
from canvasbench.errors import UsageError
from canvasbench.run.prompt_suite import custom_prompt
from canvasbench.store import RunStore, reads, writes

if TYPE_CHECKING:
    from canvasbench.run.runner import RunOptions

MAX_REPEAT = 10


@dataclass(frozen=True)
class RerunRequest:
    """What a comparison asked for: its prompt row, its models (repeats included) and its options."""

    prompt: dict[str, Any]
    model_ids: list[str]
    options: RunOptions


def repeat_models(model_ids: Sequence[str], repeat: int) -> list[str]:
    """Each model `repeat` times, samples of one model side by side (a, a, b, b)."""
    if not 1 <= repeat <= MAX_REPEAT:
        raise UsageError(f"Repeat must be between 1 and {MAX_REPEAT} (got {repeat}).")
    return [model_id for model_id in model_ids for _ in range(repeat)]


def sample_labels(runs: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Per run id, ' · sample 2 of 3' when its contestant runs more than once in the comparison, else ''.

    A repair round is ' · round N' after its first answer's label: rounds are not samples. A contestant is its
    recipe's name or its model (contestants.py); a recipe's planner row is ' · plan' after its sample's label,
    and the build after it is labelled as the sample.
    """
    ids = {r["id"] for r in runs}
    firsts = [r for r in runs if r.get("parent_run_id") not in ids]  # a contestant's first step given here
    totals = Counter(contestant(r) for r in firsts)
    seen: Counter[str] = Counter()
    labels = {}
    for run in firsts:
        name = contestant(run)
        seen[name] += 1
        n = totals[name]
        base = f" · sample {seen[name]} of {n}" if n > 1 else ""
        step = " · plan" if is_plan(run) else f" · round {run['round']}" if run.get("round") else ""
        labels[run["id"]] = base + step
    for run in sorted((r for r in runs if r["id"] not in labels), key=lambda r: r.get("round") or 0):
        parent = labels.get(str(run.get("parent_run_id")), "").split(" · round ")[0].split(" · plan")[0]
        labels[run["id"]] = parent + (f" · round {run['round']}" if run.get("round") else "")
    return labels


def _require(store: RunStore, comparison_id: str) -> dict[str, Any]:
    comparison = reads.get_comparison(store, comparison_id)
    if comparison is None:
        raise UsageError(f"No comparison with id {comparison_id}: list them in the dashboard's gallery.")
    return comparison


def delete_comparison(store: RunStore, comparison_id: str) -> int:
    """Delete a finished comparison with its runs and their render checks; returns how many runs went."""
    _require(store, comparison_id)
    return writes.delete_comparison(store, comparison_id)


def rerun_request(store: RunStore, comparison_id: str) -> RerunRequest:
    """The prompt, models and every option a comparison was started with, to start it again."""
    from canvasbench.run.runner import RunOptions  # the runner's imports: for a re-run, not for a delete

    comparison = _require(store, comparison_id)
    stored = reads.stored_prompt(store, comparison["prompt_id"])
    text = comparison["prompt_text"]
    if stored and stored.get("text") == text:
        prompt = {k: v for k, v in stored.items() if k in ("id", "title", "category", "kind", "text", "source")}
    else:
        # The prompt under that id has changed since: re-run the exact text this comparison ran with.
        prompt = custom_prompt(text, title=comparison.get("title") or None)
        if comparison.get("category"):
            prompt["category"] = comparison["category"]
    try:
        model_ids = [str(m) for m in json.loads(comparison.get("models") or "[]")]
    except ValueError:
        model_ids = []
    try:
        options = json.loads(comparison.get("options") or "{}")
    except ValueError:
        options = {}
    if not model_ids and not options.get("recipes"):  # recipes alone list no models: their steps are not models
        model_ids = reads.model_ids_of(store, comparison_id)
    # Every field of the options type, so an option added to it is carried by a re-run without a change here.
    known = {f.name for f in dataclasses.fields(RunOptions)}
    return RerunRequest(prompt, model_ids, RunOptions(**{k: v for k, v in options.items() if k in known}))
