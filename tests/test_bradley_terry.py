"""Bradley–Terry on synthetic votes from known strengths: order recovered, intervals honest, edge cases finite."""

from __future__ import annotations

import math
import random

import numpy as np

from canvasbench.arena import bradley_terry as bt

TRUE = {"m0": 1200.0, "m1": 1100.0, "m2": 1050.0, "m3": 950.0, "m4": 900.0, "m5": 800.0}


def _centred(ratings: dict[str, float]) -> dict[str, float]:
    mean = sum(ratings.values()) / len(ratings)
    return {m: r - mean + bt.BASE for m, r in ratings.items()}


def _votes(rng: random.Random, n: int, tie_share: float = 0.1) -> list[bt.Outcome]:
    models = list(TRUE)
    out: list[bt.Outcome] = []
    for _ in range(n):
        a, b = rng.sample(models, 2)
        p = 1 / (1 + 10 ** ((TRUE[b] - TRUE[a]) / 400))
        if rng.random() < tie_share:
            out.append((a, b, 0.5))
        else:
            out.append((a, b, 1.0 if rng.random() < p else 0.0))
    return out


def _spearman(x: list[float], y: list[float]) -> float:
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


def test_recovers_the_order_of_known_strengths() -> None:
    fit = bt.fit(_votes(random.Random(1), 3000), rounds=50)
    models = list(TRUE)
    assert _spearman([TRUE[m] for m in models], [fit.ratings[m] for m in models]) > 0.9
    assert fit.ranked()[0] == "m0" and fit.ranked()[-1] == "m5"
    # On the Elo-like scale, centred on 1000: gaps come back near their true size.
    truth = _centred(TRUE)
    for m in models:
        assert abs(fit.ratings[m] - truth[m]) < 60
    assert abs(sum(fit.ratings.values()) / len(models) - bt.BASE) < 1e-6


def test_intervals_cover_the_truth_at_about_the_nominal_rate() -> None:
    truth = _centred(TRUE)
    covered = total = 0
    for seed in range(30):
        # No ties here: random ties independent of strength are not Bradley–Terry data and shrink every gap.
        fit = bt.fit(_votes(random.Random(100 + seed), 600, tie_share=0.0), rounds=200, seed=seed)
        for m in TRUE:
            total += 1
            covered += fit.lower[m] <= truth[m] <= fit.upper[m]
            assert fit.lower[m] <= fit.ratings[m] <= fit.upper[m]
    rate = covered / total
    assert 0.85 <= rate <= 1.0, rate  # nominal 95%; 180 intervals, so a few misses either way are chance


def test_bootstrap_is_seeded_and_deterministic() -> None:
    votes = _votes(random.Random(7), 300)
    first, second = bt.fit(votes, rounds=100), bt.fit(votes, rounds=100)
    assert first.lower == second.lower and first.upper == second.upper


def test_ties_count_half_a_win_each_way() -> None:
    fit = bt.fit([("a", "b", 0.5)] * 20, rounds=20)
    assert math.isclose(fit.ratings["a"], fit.ratings["b"], abs_tol=1e-6)
    assert fit.win_rate[("a", "b")] == 0.5
    # Two wins and two ties against b: a is ahead, by less than with four wins.
    some = bt.fit([("a", "b", 1.0)] * 2 + [("a", "b", 0.5)] * 2, rounds=0)
    more = bt.fit([("a", "b", 1.0)] * 4, rounds=0)
    assert 0 < some.ratings["a"] - some.ratings["b"] < more.ratings["a"] - more.ratings["b"]


def test_a_model_with_only_wins_or_only_losses_stays_finite() -> None:
    votes = [("champ", "mid", 1.0)] * 30 + [("mid", "chump", 1.0)] * 30 + [("champ", "chump", 1.0)] * 10
    fit = bt.fit(votes, rounds=50)
    for m in ("champ", "mid", "chump"):
        for value in (fit.ratings[m], fit.lower[m], fit.upper[m]):
            assert math.isfinite(value)
    assert fit.ranked() == ["champ", "mid", "chump"]
    assert fit.games == {"champ": 40, "mid": 60, "chump": 40}


def test_win_rate_matrix_counts_observed_games() -> None:
    fit = bt.fit([("a", "b", 1.0), ("a", "b", 1.0), ("b", "a", 1.0), ("a", "c", 0.5)], rounds=0)
    assert fit.win_rate[("a", "b")] == 2 / 3 and fit.win_rate[("b", "a")] == 1 / 3
    assert fit.pair_games[("a", "b")] == 3 and ("b", "c") not in fit.win_rate


def test_no_votes_is_an_empty_fit() -> None:
    assert bt.fit([]).models == ()


def test_the_fit_solves_the_likelihood_equations() -> None:
    """Maximum likelihood: with a vanishing prior, each model's wins equal its expected wins under the fit."""
    votes = _votes(random.Random(11), 400)
    names = sorted(TRUE)
    wins = bt._matrix(names, votes)
    p = bt.strengths(wins, prior=1e-9)
    games = wins + wins.T
    expected = (games * (p[:, None] / (p[:, None] + p[None, :]))).sum(axis=1)
    assert np.allclose(expected, wins.sum(axis=1), atol=1e-6)
    # The default prior (one virtual tie each) moves ratings by only a few points at this many votes.
    fitted = bt.fit(votes, rounds=0)
    ratings = bt.to_ratings(p)
    assert all(abs(fitted.ratings[m] - ratings[k]) < 5 for k, m in enumerate(names))
