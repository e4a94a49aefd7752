"""Per contestant and comparison: rounds, wall time and cost to an acceptable page (the one computation)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canvasbench.run.acceptable import Acceptance, parse_accept
from canvasbench.status import Status


@dataclass(frozen=True)
class Attempt:
    """One contestant's rounds in one comparison, counted up to the first acceptable one (else all of them)."""

    comparison_id: str
    prompt_id: str | None
    model_id: str
    run_id: str  # round 0's run
    rounds_run: int  # how many rounds ran (1 = the first answer only)
    rounds: int | None  # rounds to acceptable: 0 = the first answer was; None = not within the rounds run
    repair: int  # the repair rounds allowed
    wall_s: float | None  # round 0's start to the counted last round's verdict (checks between rounds included)
    generation_s: float | None  # the counted rounds' generation time alone
    cost_usd: float | None  # the counted rounds' cost (None when a round's price is unknown)
    tokens: tuple[int, ...]  # output + thinking tokens per round
    stopped: str  # why the rounds ended: acceptable / not within N / the failure / cancelled

    @property
    def acceptable(self) -> bool:
        """Whether a round was acceptable."""
        return self.rounds is not None


def _when(stamp: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(stamp)) if stamp else None
    except ValueError:
        return None


def _chains(rows: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """The runs grouped by contestant (round 0 and its repairs), each in round order, in the rows' order."""
    by_id = {row["id"]: row for row in rows}

    def root(row: Mapping[str, Any]) -> str:
        seen = set()
        while row.get("parent_run_id") in by_id and row["id"] not in seen:
            seen.add(row["id"])
            row = by_id[row["parent_run_id"]]
        return str(row["id"])

    chains: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        chains.setdefault(root(row), []).append(row)
    return [sorted(chain, key=lambda r: r.get("round") or 0) for chain in chains.values()]


def attempt_of(
    chain: Sequence[Mapping[str, Any]], verdicts: Mapping[str, Mapping[str, Any]], accept: Acceptance, repair: int
) -> Attempt:
    """One contestant's Attempt from its rounds (round order) and their latest render checks."""
    counted: list[Mapping[str, Any]] = []
    rounds: int | None = None
    for index, row in enumerate(chain):
        counted.append(row)
        verdict = (verdicts.get(row["id"]) or {}).get("verdict")
        if row["status"] == Status.DONE and accept.accepts(verdict, row.get("judge_score")):
            rounds = index
            break
    last = counted[-1]
    if rounds is not None:
        stopped = "acceptable"
    elif last["status"] == Status.CANCELLED:
        stopped = f"cancelled in round {len(counted) - 1}"
    elif last["status"] != Status.DONE:
        stopped = f"round {len(counted) - 1} {last['status']}: {last.get('error') or 'no reason given'}"
    else:
        stopped = f"not within {repair} round{'s' if repair != 1 else ''}"
    start = _when(chain[0].get("started_at"))
    end = _when((verdicts.get(last["id"]) or {}).get("checked_at")) or _when(last.get("finished_at"))
    costs = [row.get("cost_usd") for row in counted]
    latencies = [row.get("latency_s") for row in counted]
    return Attempt(
        comparison_id=str(chain[0]["comparison_id"]),
        prompt_id=chain[0].get("prompt_id"),
        model_id=str(chain[0]["model_id"]),
        run_id=str(chain[0]["id"]),
        rounds_run=len(chain),
        rounds=rounds,
        repair=repair,
        wall_s=(end - start).total_seconds() if start and end else None,
        generation_s=sum(x for x in latencies if x is not None) if any(x is not None for x in latencies) else None,
        cost_usd=None if any(c is None for c in costs) else sum(float(c) for c in costs if c is not None),
        tokens=tuple((row.get("output_tokens") or 0) + (row.get("thinking_tokens") or 0) for row in chain),
        stopped=stopped,
    )


def attempts(
    rows: Sequence[Mapping[str, Any]],
    verdicts: Mapping[str, Mapping[str, Any]],
    accept: Acceptance,
    *,
    repair: int,
) -> list[Attempt]:
    """Every contestant's Attempt, per comparison, in the rows' order (rows: stored runs with their round columns)."""
    return [attempt_of(chain, verdicts, accept, repair) for chain in _chains(rows)]


def describe(attempt: Attempt) -> str:
    """One line for people: rounds to acceptable (or why not), wall time, generation time, cost."""
    if attempt.rounds == 0:
        head = "acceptable on the first answer (round 0)"
    elif attempt.rounds is not None:
        head = f"acceptable after {attempt.rounds} repair round{'s' if attempt.rounds != 1 else ''}"
    else:
        head = attempt.stopped
    bits = []
    if attempt.wall_s is not None:
        bits.append(f"{attempt.wall_s:.1f} s wall clock")
    if attempt.generation_s is not None:
        bits.append(f"{attempt.generation_s:.1f} s generating")
    bits.append("cost unknown" if attempt.cost_usd is None else f"${attempt.cost_usd:.4f}")
    return f"{head} ({', '.join(bits)}; {attempt.rounds_run} round{'s' if attempt.rounds_run != 1 else ''} run)"


# The attempts export: one row per contestant and comparison; columns are only ever appended.
ATTEMPT_COLUMNS: tuple[str, ...] = (
    "comparison_id", "prompt_id", "model", "run_id", "accept", "repair", "rounds_run", "acceptable",
    "rounds_to_acceptable", "wall_s", "generation_s", "cost_usd", "tokens_per_round", "stopped",
)  # fmt: skip


def attempt_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The attempts table from `reads.round_rows`: each comparison counted with its own repair and accept options."""
    by_comparison: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_comparison.setdefault(str(row["comparison_id"]), []).append(row)
    out = []
    for runs in by_comparison.values():
        try:
            options = json.loads(runs[0].get("options") or "{}")
            accept = parse_accept(options.get("accept"))
        except ValueError:  # an option this version cannot read: count against the default
            options, accept = {}, Acceptance()
        checks = {r["id"]: {"verdict": r.get("verdict"), "checked_at": r.get("checked_at")} for r in runs}
        for found in attempts(runs, checks, accept, repair=int(options.get("repair") or 0)):
            out.append({
                "comparison_id": found.comparison_id, "prompt_id": found.prompt_id, "model": found.model_id,
                "run_id": found.run_id, "accept": accept.spec, "repair": found.repair,
                "rounds_run": found.rounds_run, "acceptable": found.acceptable, "rounds_to_acceptable": found.rounds,
                "wall_s": found.wall_s, "generation_s": found.generation_s, "cost_usd": found.cost_usd,
                "tokens_per_round": json.dumps(list(found.tokens)), "stopped": found.stopped,
            })  # fmt: skip
    return out
