"""Bradley–Terry strengths from pairwise outcomes: maximum likelihood, an Elo-like scale, bootstrap intervals.

P(i beats j) = p_i / (p_i + p_j). A tie counts as half a win each way. Each model also plays one virtual
game against a fixed reference of strength 1 (half a win, half a loss): a tiny prior that keeps the fit
finite for a model with only wins or only losses and barely moves anyone with real votes.
The fit maximises that penalised likelihood exactly (Newton's method), so it is the MLE up to the prior.
Ratings are 400 * log10(p) + 1000 with the models' mean rating at 1000, so 400 points apart is 10:1 odds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Outcome = tuple[str, str, float]  # (model i, model j, score of i: 1 win, 0.5 tie, 0 loss)

SCALE = 400.0
BASE = 1000.0
PRIOR_GAMES = 1.0
BOOTSTRAP_ROUNDS = 300
BOOTSTRAP_SEED = 20261130


@dataclass(frozen=True)
class Fit:
    """One fit: a rating per model (Elo-like scale), with 95% bootstrap bounds and vote counts."""

    models: tuple[str, ...]
    ratings: dict[str, float]
    lower: dict[str, float]
    upper: dict[str, float]
    games: dict[str, int]  # outcomes each model took part in
    win_rate: dict[tuple[str, str], float]  # (i, j) -> share of i's games against j that i won (ties half)
    pair_games: dict[tuple[str, str], int]

    def ranked(self) -> list[str]:
        """Models from strongest to weakest."""
        return sorted(self.models, key=lambda m: -self.ratings[m])


def _matrix(models: Sequence[str], outcomes: Sequence[Outcome]) -> np.ndarray:
    """wins[i, j] = wins of i over j (ties half each way)."""
    index = {m: k for k, m in enumerate(models)}
    wins = np.zeros((len(models), len(models)))
    for a, b, score in outcomes:
        wins[index[a], index[b]] += score
        wins[index[b], index[a]] += 1.0 - score
    return wins


def _log_likelihood(theta: np.ndarray, wins: np.ndarray, games: np.ndarray, prior: float) -> float:
    # sum_ij wins_ij * log(p_i / (p_i + p_j)), each unordered pair's normaliser counted once.
    pairs = float(wins.sum(axis=1) @ theta - (games * np.logaddexp(theta[:, None], theta[None, :])).sum() / 2)
    return pairs + float((prior / 2 * theta - prior * np.logaddexp(theta, 0.0)).sum())


def strengths(
    wins: np.ndarray, *, prior: float = PRIOR_GAMES, tol: float = 1e-9, max_iter: int = 100
) -> np.ndarray:
    """MAP strengths p (geometric mean 1): Newton's method on log-strengths, with `prior` virtual games each.

    The log-likelihood is strictly concave thanks to the prior, so Newton with step halving converges in a
    few steps where the classic MM iteration needs thousands on lopsided data.
    """
    games = wins + wins.T
    total = wins.sum(axis=1) + prior / 2
    theta = np.zeros(wins.shape[0])
    current = _log_likelihood(theta, wins, games, prior)
    for _ in range(max_iter):
        sig = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
        sig_ref = 1.0 / (1.0 + np.exp(-theta))
        grad = total - (games * sig).sum(axis=1) - prior * sig_ref
        curv = games * sig * (1.0 - sig)
        hess = curv - np.diag(curv.sum(axis=1) + prior * sig_ref * (1.0 - sig_ref))
        step = np.linalg.solve(hess, -grad)
        scale = 1.0
        while True:
            candidate = theta + scale * step
            value = _log_likelihood(candidate, wins, games, prior)
            if value >= current - 1e-12 or scale < 1e-6:
                break
            scale /= 2
        theta, current = candidate, value
        if np.max(np.abs(scale * step)) < tol:
            break
    theta -= theta.mean()
    return np.exp(theta)


def to_ratings(p: np.ndarray) -> np.ndarray:
    """Strengths on the Elo-like scale, centred on BASE."""
    return SCALE * np.log10(p) + BASE


def fit(
    outcomes: Sequence[Outcome],
    *,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = BOOTSTRAP_SEED,
    models: Sequence[str] | None = None,
) -> Fit:
    """Fit ratings and 95% percentile intervals from `rounds` bootstrap resamples of the outcomes (seeded)."""
    names = tuple(sorted(set(models or ()) | {m for a, b, _ in outcomes for m in (a, b)}))
    if not names:
        return Fit((), {}, {}, {}, {}, {}, {})
    wins = _matrix(names, outcomes)
    ratings = to_ratings(strengths(wins))
    lower, upper = ratings.copy(), ratings.copy()
    if outcomes and rounds > 0:
        lower, upper = _bootstrap(names, outcomes, rounds, seed)
    games = wins + wins.T
    index = {m: k for k, m in enumerate(names)}
    win_rate: dict[tuple[str, str], float] = {}
    pair_games: dict[tuple[str, str], int] = {}
    for a in names:
        for b in names:
            n = games[index[a], index[b]]
            if a != b and n > 0:
                win_rate[(a, b)] = float(wins[index[a], index[b]] / n)
                pair_games[(a, b)] = round(float(n))
    return Fit(
        models=names,
        ratings={m: float(ratings[k]) for k, m in enumerate(names)},
        lower={m: float(lower[k]) for k, m in enumerate(names)},
        upper={m: float(upper[k]) for k, m in enumerate(names)},
        games={m: round(float(games[k].sum())) for k, m in enumerate(names)},
        win_rate=win_rate,
        pair_games=pair_games,
    )


def _bootstrap(
    names: Sequence[str], outcomes: Sequence[Outcome], rounds: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Resampling votes with replacement is a multinomial draw over the distinct outcomes: exact and fast."""
    cells: dict[Outcome, int] = {}
    for outcome in outcomes:
        cells[outcome] = cells.get(outcome, 0) + 1
    kinds = list(cells)
    probs = np.array([cells[k] for k in kinds], dtype=float) / len(outcomes)
    index = {m: k for k, m in enumerate(names)}
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(outcomes), probs, size=rounds)
    rows = np.array([index[a] for a, _, _ in kinds])
    cols = np.array([index[b] for _, b, _ in kinds])
    scores = np.array([score for _, _, score in kinds])
    samples = np.empty((rounds, len(names)))
    for r in range(rounds):
        wins = np.zeros((len(names), len(names)))
        np.add.at(wins, (rows, cols), scores * draws[r])
        np.add.at(wins, (cols, rows), (1.0 - scores) * draws[r])
        samples[r] = to_ratings(strengths(wins))
    return np.percentile(samples, 2.5, axis=0), np.percentile(samples, 97.5, axis=0)
