"""The AI judge on one repair round: its score and the checklist items it scored low, saved as a judgment."""

from __future__ import annotations

from canvasbench.errors import UsageError
from canvasbench.judge import prompts
from canvasbench.judge.answers import ScoreAnswer, parse_score
from canvasbench.judge.judge import _save, ask, checklist_for, screenshots_of
from canvasbench.store import RunStore, reads


def judge_round(store: RunStore, run_id: str, judge_model: str) -> tuple[float | None, tuple[tuple[str, float], ...]]:
    """Score one round (saved like any score judgment): overall (None: no valid answer), each item with its score."""
    run = reads.get_run(store, run_id)
    comparison = reads.get_comparison(store, run["comparison_id"]) if run else None
    if run is None or comparison is None:
        raise UsageError(f"No run with id '{run_id}' to judge.")
    checklist = checklist_for(store, comparison, judge_model)
    shots = screenshots_of(store, run_id)
    request = prompts.score_request(comparison["prompt_text"], checklist, run["artifact"] or "", [s for s, _ in shots])
    asked = ask(judge_model, request, [png for _, png in shots], lambda t: parse_score(t, len(checklist)))
    _save(store, comparison["id"], "score", judge_model, asked, {"run_id": run_id})
    if asked.error is not None or not isinstance(asked.parsed, ScoreAnswer):
        return None, ()
    return asked.parsed.overall, tuple((checklist[i["item"] - 1], float(i["score"])) for i in asked.parsed.items)
