"""Comparisons with repair rounds, written with the store's own functions (the dashboard and figure tests share it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from canvasbench.store import RunStore, writes
from tests.fakes.behaviour import CANVAS_PAGE

FIX = "gemini:gemini-3-flash-preview"  # crashed, then fixed in round 1
STEADY = "openai:gpt-5.2"  # renders on the first answer
NEVER = "anthropic:claude-opus-4-6"  # blank, blank, crashed: not within 2 rounds
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _finish(store: RunStore, run_id: str, *, at: float, took: float, cost: float, verdict: str, code: str) -> None:
    """A finished round: `took` s of generation from `at` s after START, its cost and a render check after it."""
    start = START + timedelta(seconds=at)
    writes.update_run(
        store, run_id, status="done", started_at=_iso(start), finished_at=_iso(start + timedelta(seconds=took)),
        latency_s=took, cost_usd=cost, output_tokens=1000, thinking_tokens=0, finish_reason="stop", attempts=1,
        response=f"```html\n{code}\n```", artifact_kind="html", artifact=code, lines=code.count("\n") + 1,
        worker=None,
    )  # fmt: skip
    checked = _iso(start + timedelta(seconds=took + 2))
    writes.save_render_check(store, {"run_id": run_id, "checked_at": checked, "verdict": verdict})


def seed_rounds(
    store: RunStore, *, prompt_id: str = "p-rounds", plan: dict[str, Sequence[tuple[str, float]]] | None = None
) -> tuple[str, dict[str, list[str]]]:
    """One comparison with `repair: 2`: per model its rounds' (verdict, cost); returns its id and each model's runs."""
    plan = plan or {
        FIX: [("crashed", 0.01), ("renders", 0.02)],
        STEADY: [("renders", 0.05)],
        NEVER: [("blank", 0.10), ("blank", 0.10), ("crashed", 0.10)],
    }
    prompt = {"id": prompt_id, "title": f"Solar system {prompt_id}", "category": "canvas", "kind": "html",
              "text": "Draw a solar system on a canvas.", "source": "suite"}  # fmt: skip
    comparison_id, firsts = writes.create_comparison(
        store, prompt=prompt, model_ids=list(plan), options={"repair": 2, "accept": "renders"}
    )
    chains: dict[str, list[str]] = {}
    for run_id, (model_id, rounds) in zip(firsts, plan.items(), strict=True):
        chain = [run_id]
        for index, (verdict, cost) in enumerate(rounds):
            if index:
                chain.append(writes.add_round(store, chain[-1], turn_text=f"Repair {index}: it {rounds[index - 1][0]}.",
                                              repair_version="r1"))  # fmt: skip
            code = CANVAS_PAGE.replace("<canvas", f"<!-- round {index} --><canvas", 1)
            _finish(store, chain[-1], at=30.0 * index, took=10.0, cost=cost, verdict=verdict, code=code)
        chains[model_id] = chain
    return comparison_id, chains
