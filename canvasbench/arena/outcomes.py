"""Pairwise outcomes between models, from human votes and from the judge, and where the two agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canvasbench.store import RunStore, reads
from canvasbench.store.reads import EVERYTHING, ArenaFilter

# A "both bad" vote says neither model did better: it counts as a tie, as the public arenas count it.
_SCORE = {"left": 1.0, "right": 0.0, "tie": 0.5, "both_bad": 0.5}
_RUN_KEYS = ("run_id", "left_run_id", "right_run_id")  # the runs a score or pairwise judgment is about


@dataclass(frozen=True)
class PairOutcome:
    """One outcome between two runs of one comparison: score is `a`'s (1 win, 0.5 tie, 0 loss)."""

    comparison_id: str
    run_a: str
    run_b: str
    model_a: str
    model_b: str
    score: float

    def key(self) -> tuple[str, frozenset[str]]:
        """The unordered pair of runs this outcome is about."""
        return self.comparison_id, frozenset((self.run_a, self.run_b))

    def score_of(self, run_id: str) -> float:
        """The score from `run_id`'s side."""
        return self.score if run_id == self.run_a else 1.0 - self.score


def human_outcomes(store: RunStore, scope: ArenaFilter = EVERYTHING) -> list[PairOutcome]:
    """Every vote as an outcome (left = a), filtered by the comparison and the vote's date."""
    rows = reads.vote_outcomes(store, scope)
    return [
        PairOutcome(row["comparison_id"], row["left_run_id"], row["right_run_id"], row["ml"], row["mr"],
                    _SCORE[row["outcome"]])
        for row in rows
    ]


def combine_orders(first: str, second: str) -> float | None:
    """Score of the run shown as A in the first order, from both orders' answers; a win needs both to agree.

    `first` is the answer with the run as A, `second` with it as B; anything but agreement is a tie.
    """
    if first == "A" and second == "B":
        return 1.0
    if first == "B" and second == "A":
        return 0.0
    return 0.5


def judge_outcomes(store: RunStore, scope: ArenaFilter = EVERYTHING) -> list[PairOutcome]:
    """The judge's outcome per pair of runs: both-order pairwise verdicts where they exist, else score differences.

    Only the latest successful judgment counts per run (score) or per order (pairwise) and judge model.
    """
    rows = reads.verdict_judgments(store, scope)
    models = reads.models_of_runs(store, sorted({r[k] for r in rows for k in _RUN_KEYS if r.get(k)}))
    latest_score: dict[tuple[str, str], dict[str, Any]] = {}
    latest_pair: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        if row["mode"] == "score":
            latest_score[(row["judge_model"], row["run_id"])] = row
        else:
            latest_pair[(row["judge_model"], row["left_run_id"], row["right_run_id"])] = row
    out: dict[tuple[str, str, str, str], PairOutcome] = {}
    for (judge, left, right), row in latest_pair.items():
        other = latest_pair.get((judge, right, left))
        if other is None or left > right:
            continue  # each unordered pair once, and only when both orders were answered
        score = combine_orders(row["winner"], other["winner"])
        if score is not None:
            out[(judge, row["comparison_id"], left, right)] = PairOutcome(
                row["comparison_id"], left, right, models[left], models[right], score
            )
    by_comparison: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for (judge, _run), row in latest_score.items():
        by_comparison.setdefault((judge, row["comparison_id"]), []).append(row)
    for (judge, comparison_id), scored in by_comparison.items():
        scored.sort(key=lambda r: r["run_id"])
        for i, a in enumerate(scored):
            for b in scored[i + 1 :]:
                key = (judge, comparison_id, a["run_id"], b["run_id"])
                if key in out or models[a["run_id"]] == models[b["run_id"]]:
                    continue
                diff = a["overall"] - b["overall"]
                out[key] = PairOutcome(comparison_id, a["run_id"], b["run_id"], models[a["run_id"]],
                                       models[b["run_id"]], 1.0 if diff > 0 else 0.0 if diff < 0 else 0.5)
    return list(out.values())


@dataclass(frozen=True)
class Agreement:
    """How often the judge's verdict equals the human verdict, on pairs of runs that have both."""

    agree: int
    pairs: int

    @property
    def rate(self) -> float | None:
        """Share of pairs where they agree, or None without any pair."""
        return self.agree / self.pairs if self.pairs else None


def _verdict(total: float, count: int) -> float:
    mean = total / count
    return 1.0 if mean > 0.5 else 0.0 if mean < 0.5 else 0.5


def agreement(human: list[PairOutcome], judge: list[PairOutcome]) -> Agreement:
    """Compare per pair of runs: the humans' majority (win / loss / tie) against the judge's verdict."""
    votes: dict[tuple[str, frozenset[str]], tuple[str, float, int]] = {}
    for o in human:
        anchor, total, count = votes.get(o.key(), (o.run_a, 0.0, 0))
        votes[o.key()] = (anchor, total + o.score_of(anchor), count + 1)
    judged: dict[tuple[str, frozenset[str]], list[PairOutcome]] = {}
    for o in judge:
        judged.setdefault(o.key(), []).append(o)
    agree = pairs = 0
    for key, (anchor, total, count) in votes.items():
        for o in judged.get(key, []):
            pairs += 1
            agree += _verdict(total, count) == o.score_of(anchor)
    return Agreement(agree, pairs)
