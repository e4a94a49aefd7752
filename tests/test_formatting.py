"""Numbers as people read them, the same in the CLI and the dashboard: a tiny real cost never reads $0.0000."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from canvasbench.arena.votes import record_vote
from canvasbench.cli import main
from canvasbench.measure.pricing import load_prices
from canvasbench.present import formatting
from canvasbench.store import RunStore, reads, writes
from tests.arena_helpers import finished_comparison
from tests.browser_helpers import seed_comparison
from tests.chart_specs import charts_of
from tests.fakes import fixtures
from tests.html_tables import html_table
from tests.test_app_pages import open_page, texts

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


def test_costs_read_as_dollars_and_a_tiny_real_charge_is_never_zero() -> None:
    assert formatting.cost(None) == "unknown" and formatting.cost(float("nan")) == "unknown"
    assert formatting.cost(pd.NA) == "unknown" and formatting.count(pd.NA) == "–"  # what a table holds when empty
    assert formatting.cost(0) == "$0.00"
    assert formatting.cost(0.00004) == "<$0.0001" and formatting.cost(0.00002) == "<$0.0001"
    assert formatting.cost(0.0042) == "$0.0042"
    assert formatting.cost(1.5) == "$1.50" and formatting.cost(1234.5) == "$1,234.50"
    assert formatting.cost(None, unknown="") == ""


def test_prices_per_million_keep_a_real_fraction_of_a_cent() -> None:
    assert formatting.per_million(0.5) == "$0.50" and formatting.per_million(0.005) == "$0.005"
    prices = load_prices()
    assert formatting.price(prices["gpt-5-nano"]) == "$0.05 / $0.40 per 1M"
    assert formatting.price(None) == "unknown"


def test_durations_counts_rates_and_shares() -> None:
    assert formatting.duration(0.25) == "250 ms" and formatting.duration(12.44) == "12.4 s"
    assert formatting.duration(75) == "1 min 15 s" and formatting.duration(None) == "–"
    assert formatting.count(12345) == "12,345" and formatting.count(None, unknown="") == ""
    assert formatting.rate(1234.4) == "1,234 tok/s" and formatting.share(0.834) == "83%"
    assert formatting.when("2026-11-23T14:05:09Z") == "2026-11-23 14:05 UTC" and formatting.when("soon") == "soon"
    assert formatting.seconds_between("2026-11-23T14:05:00Z", "2026-11-23T14:05:30Z") == 30.0
    assert formatting.seconds_between("2026-11-23T14:05:30Z", "2026-11-23T14:05:00Z") == 0.0


def test_plain_text_tables_align_their_columns() -> None:
    text = formatting.table(["model", "lines"], [["a:long-name", "7"], ["b", "1,234"]], right={1})
    assert text.splitlines() == [
        "model        lines",
        "-----------  -----",
        "a:long-name      7",
        "b            1,234",
    ]
    assert formatting.table(["only"], []) == "only\n----"


def _tiny_prices(tmp_path: Path) -> None:
    """A price so small that a fake run costs well under a hundredth of a cent (conftest points here)."""
    Path(os.environ["CANVASBENCH_PRICES"]).write_text(
        '[models."fake"]\ninput_per_m = 0.001\noutput_per_m = 0.001\nas_of = "2026-11"\nsource = "test"\n'
    )


def test_the_cli_summary_shows_a_tiny_cost_as_under_a_hundredth_of_a_cent(
    fake_env_vars: dict[str, str], tmp_path: Path
) -> None:
    _tiny_prices(tmp_path)
    result = CliRunner().invoke(main, ["run", "--prompt", "Draw", "--model", "openai:fake", "--no-check"])
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("openai:fake"))
    assert row.endswith("<$0.0001") and "$0.0000" not in result.stdout
    cost = RunStore().db.execute("SELECT cost_usd FROM runs").fetchone()[0]
    assert 0 < cost < 0.0001


def test_the_dashboard_shows_a_tiny_cost_as_under_a_hundredth_of_a_cent() -> None:
    store = RunStore()
    cid, (run_id,) = seed_comparison(store, models=("openai:gpt-5-nano",), extra={"cost_usd": 0.00004})
    lines = reads.get_run(store, run_id)["lines"]
    shown = html.unescape(texts(open_page(comparison=cid)))
    assert "<$0.0001" in shown and "$0.0000" not in shown
    metrics = open_page("pages/metrics_page.py", runs="true")
    table = metrics.dataframe[0].value
    assert list(table["cost_usd"]) == ["<$0.0001"]
    assert list(table["cost_per_1k_lines"]) == [formatting.cost(0.00004 / lines * 1000)]
    per_model = html_table(metrics, "per-model")
    assert [row["Median cost"] for row in per_model] == ["<$0.0001"]


def test_the_leaderboard_shows_a_tiny_median_cost_as_under_a_hundredth_of_a_cent() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, ["gemini:alpha", "openai:bravo"])
    for run_id in ids:
        writes.update_run(store, run_id, cost_usd=0.00004)
    record_vote(store, cid, ids[0], ids[1], "left")
    at = open_page("pages/leaderboard_page.py")
    assert [row["Median cost / generation"] for row in html_table(at, "leaderboard-human")] == ["<$0.0001"] * 2
    (scatter,) = [c for c in charts_of(at) if "cost" in c.title]
    assert list(scatter.rows("median cost")["median cost"]) == ["<$0.0001", "<$0.0001"]
