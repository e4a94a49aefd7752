"""pass@round and cost per acceptable page counted by hand on two seeded comparisons, as the pages and export say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from canvasbench.cli import main
from canvasbench.store import RunStore
from tests.chart_specs import Chart, charts_of
from tests.round_seed import FIX, NEVER, STEADY, seed_rounds

APP = str(Path(__file__).resolve().parent.parent / "app.py")

# Comparison 1 (seed_rounds' default): FIX fixed in round 1 ($0.01 + $0.02), STEADY at once ($0.05), NEVER not
# within 2 ($0.10 x 3). Comparison 2, below: FIX at once ($0.01), STEADY in round 2 ($0.05 x 3), NEVER in round 1
# ($0.10 x 2).
SECOND = {
    FIX: [("renders", 0.01)],
    STEADY: [("blank", 0.05), ("blank", 0.05), ("renders", 0.05)],
    NEVER: [("crashed", 0.10), ("renders", 0.10)],
}
# By hand: acceptable within k rounds, k = 0, 1, 2, of 2 attempts each.
PASS = {
    FIX: ["1 of 2", "2 of 2", "2 of 2"],
    STEADY: ["1 of 2", "1 of 2", "2 of 2"],
    NEVER: ["0 of 2", "1 of 2", "1 of 2"],
}
# Everything spent (failures included) / acceptable pages; mean repair rounds over the acceptable attempts.
PER_PAGE = {FIX: 0.04 / 2, STEADY: 0.20 / 2, NEVER: 0.50 / 1}
MEAN_ROUNDS = {FIX: 0.5, STEADY: 1.0, NEVER: 1.0}


@pytest.fixture
def seeded() -> Path:
    store = RunStore()
    seed_rounds(store, prompt_id="p-one")
    seed_rounds(store, prompt_id="p-two", plan=SECOND)
    return store.path


def _charts(page: str) -> dict[str, Chart]:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(page).run()
    assert not at.exception
    return {c.title: c for c in charts_of(at)}


def _usd(text: str) -> float:
    return float(text.lstrip("$").replace(",", ""))


@pytest.mark.parametrize("page", ["pages/metrics_page.py", "pages/leaderboard_page.py"])
def test_the_pages_draw_the_hand_counted_pass_at_round_and_cost_per_acceptable_page(seeded: Path, page: str) -> None:
    charts = _charts(page)
    # Each point's tooltip: the count behind it and its share.
    curve = charts["pass@round: acceptable pages within k repair rounds"].rows("within rounds")
    for model, counts in PASS.items():
        mine = curve[curve["model"] == model].sort_values("within rounds")
        assert list(mine["within rounds"]) == ["0", "1", "2"] and list(mine["acceptable"]) == counts
        assert list(mine["share"]) == [f"{int(c.split()[0]) / 2:.0%}" for c in counts]
    bars = charts["Cost per acceptable page (all spending, failures included)"].rows("per acceptable page")
    per_page = {m: _usd(v) for m, v in zip(bars["model"], bars["per acceptable page"], strict=True)}
    assert per_page == pytest.approx(PER_PAGE)
    scatter = charts["Cost per acceptable page against rounds"].rows("mean rounds")
    rounds = {m: float(v) for m, v in zip(scatter["model"], scatter["mean rounds"], strict=True)}
    assert rounds == pytest.approx(MEAN_ROUNDS)


def test_the_attempts_export_adds_up_to_the_same_figures(seeded: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(seeded), "--table", "attempts", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    for model, counts in PASS.items():
        mine = [r for r in rows if r["model"] == model]
        assert len(mine) == 2
        within = [sum(1 for r in mine if r["acceptable"] and r["rounds_to_acceptable"] <= k) for k in range(3)]
        assert [f"{n} of 2" for n in within] == counts
        acceptable = sum(1 for r in mine if r["acceptable"])
        assert sum(r["cost_usd"] for r in mine) / acceptable == pytest.approx(PER_PAGE[model])
