"""`canvasbench report`: the file's charts carry the core's own numbers, each contestant in one colour, and bad
input is one line, exit 2. The database is real SQLite, written with the store's own functions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from canvasbench.arena.leaderboard import leaderboard
from canvasbench.arena.votes import record_vote
from canvasbench.cli import main
from canvasbench.present.palette import assign, colour_order
from canvasbench.present.pass_at_round import pass_at_round, round_costs
from canvasbench.run.attempts import attempt_rows
from canvasbench.store import RunStore, reads, writes
from tests.browser_helpers import seed_comparison
from tests.fakes.behaviour import CANVAS_PAGE
from tests.round_seed import FIX, NEVER, STEADY, seed_rounds
from tests.test_pass_at_round import PASS, PER_PAGE, SECOND

MARK = "model-output-7731"  # in every artifact and answer of the voted comparison
# Markup a page would run, markup plotly itself reads (bold, an entity), and the end of a script block.
HOSTILE = '<img src=x onerror="window.pwned=1"> <b>bold</b> &lt; </script><script>window.pwned=2</script>'
SWEEP = "sweep-report-1"


def seed(store: RunStore) -> dict[str, str]:
    """Two comparisons with repair rounds, one with votes and judge scores (a hostile title), one in a sweep."""
    seed_rounds(store, prompt_id="p-one")
    seed_rounds(store, prompt_id="p-two", plan=SECOND)
    voted, runs = seed_comparison(store, title=HOSTILE, category="svg", models=(FIX, STEADY, NEVER),
                                  artifacts=[("html", f"<p>{MARK}</p>")] * 3)
    for a, b, outcome in ((0, 1, "left"), (0, 2, "left"), (1, 2, "tie"), (2, 1, "right")):
        record_vote(store, voted, runs[a], runs[b], outcome)
    for run_id, overall in zip(runs, (9, 6, 3), strict=True):
        writes.insert_judgment(store, {
            "id": f"j-{run_id}", "comparison_id": voted, "mode": "score", "run_id": run_id,
            "judge_model": "gemini:judge", "prompt_version": 1, "status": "ok", "overall": overall,
            "reason": "fine", "created_at": "2026-12-01T10:00:00Z",
        })  # fmt: skip
    prompt = {"id": "p-sweep", "title": "Swept clock", "category": "svg", "kind": "html", "text": "Draw a clock.",
              "source": "suite"}  # fmt: skip
    swept, (run_id,) = writes.create_comparison(store, prompt=prompt, model_ids=[STEADY], options={}, sweep_id=SWEEP)
    writes.update_run(store, run_id, status="done", latency_s=12.0, lines=40, tokens_per_s=99.0, ttft_s=0.4,
                      cost_usd=0.003, response=f"```html\n{CANVAS_PAGE}\n```", artifact_kind="html",
                      artifact=CANVAS_PAGE, worker=None)  # fmt: skip
    return {"voted": voted, "swept": swept}


@pytest.fixture
def store() -> RunStore:
    return RunStore()


def report(store: RunStore, out: Path, *args: str) -> tuple[Any, str]:
    """Run the command; its result and the file's text."""
    result = CliRunner().invoke(main, ["report", str(out), "--db", str(store.path), *args])
    return result, out.read_text(encoding="utf-8") if out.is_file() and out != store.path else ""


def figures(page: str) -> dict[str, dict[str, Any]]:
    """Every figure the file draws, by its section's key, read back from the file's inert JSON blocks."""
    blocks = re.findall(r"<script type=application/json data-figure=fig-(\w+)>(.*?)</script>", page, re.S)
    return {key: json.loads(text) for key, text in blocks}


def by_name(figure: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {trace["name"]: trace for trace in figure["data"]}


def test_the_report_draws_the_cores_numbers_per_contestant_in_one_colour(store: RunStore, tmp_path: Path) -> None:
    ids = seed(store)
    result, page = report(store, tmp_path / "report.html")
    assert result.exit_code == 0, result.output
    drawn = figures(page)
    assert set(drawn) == {"lines_time", "tokens_per_s", "ttft_s", "cost", "render_share", "pass_at_round",
                          "cost_per_acceptable", "ratings_human", "ratings_judge"}  # fmt: skip

    # pass@round: the core's points, the count behind each in its hover; by hand as the pages' test counts them.
    attempts = attempt_rows(reads.round_rows(store))
    curve = by_name(drawn["pass_at_round"])
    for point in pass_at_round(attempts):
        trace = curve[point.model]
        assert trace["y"][trace["x"].index(point.k)] == pytest.approx(point.share)
        assert f"acceptable: {point.acceptable} of {point.attempts}" in trace["hovertext"][trace["x"].index(point.k)]
    # Cost per acceptable page, failures included: the core's figure for every contestant that has one.
    bars = {name: t["y"][0] for name, t in by_name(drawn["cost_per_acceptable"]).items()}
    assert bars == pytest.approx({c.model: c.per_acceptable for c in round_costs(attempts) if c.per_acceptable})

    # Ratings with their intervals: the leaderboard's own rows, best first.
    for basis in ("human", "judge"):
        rows = leaderboard(store, by=basis).rows  # type: ignore[arg-type]
        traces = drawn[f"ratings_{basis}"]["data"]
        assert [t["name"] for t in traces] == [r["model"] for r in rows]
        for trace, row in zip(traces, rows, strict=True):
            assert trace["y"] == [pytest.approx(row["rating"])]
            assert trace["y"][0] + trace["error_y"]["array"][0] == pytest.approx(row["ci_high"])
            assert trace["y"][0] - trace["error_y"]["arrayminus"][0] == pytest.approx(row["ci_low"])

    # Run metrics: every run's figures, under its contestant.
    runs = reads.runs_table(store)
    for key, column in (("tokens_per_s", "tokens_per_s"), ("ttft_s", "ttft_s")):
        shown = {name: sorted(t["y"]) for name, t in by_name(drawn[key]).items()}
        assert shown == {m: sorted(r[column] for r in runs if r["model_id"] == m and r[column] is not None)
                         for m in shown}  # fmt: skip
        assert set(shown) == {r["model_id"] for r in runs if r[column] is not None}
    scatter = by_name(drawn["lines_time"])
    assert sorted(zip(scatter[STEADY]["x"], scatter[STEADY]["y"], strict=True)) == sorted(
        (r["latency_s"], r["lines"]) for r in runs if r["model_id"] == STEADY and r["lines"] is not None
    )

    # One colour per contestant on every chart, the dashboard's.
    expected = assign(colour_order(store))
    for key, figure in drawn.items():
        for trace in figure["data"]:
            colour = trace.get("marker", {}).get("color") or trace.get("line", {}).get("color")
            assert colour == expected[trace["name"]], (key, trace["name"])

    # The header says what the data is; nothing local and no model output went in; titles stay text.
    assert f"{len(runs)} runs of 4 comparisons, 3 contestants" in page
    assert "none (the whole database)" in page and "CanvasBench " in page
    assert str(store.path.parent) not in page and store.path.name in page
    # No artifact, answer or thinking of any run.
    assert MARK not in page and "<!-- round 1 -->" not in page and "Thinking about a canvas" not in page
    assert "onerror" in page and '<img src=x onerror' not in page and "window.pwned=2</script>" not in page
    assert ids["voted"] not in page  # no filter named it


def test_pass_counts_are_the_hand_counted_ones(store: RunStore, tmp_path: Path) -> None:
    seed_rounds(store, prompt_id="p-one")
    seed_rounds(store, prompt_id="p-two", plan=SECOND)
    result, page = report(store, tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    drawn = figures(page)
    curve = by_name(drawn["pass_at_round"])
    for model, counts in PASS.items():
        assert [re.search(r"acceptable: (\d+ of \d+)", h)[1] for h in curve[model]["hovertext"]] == counts  # type: ignore[index]
    assert {n: t["y"][0] for n, t in by_name(drawn["cost_per_acceptable"]).items()} == pytest.approx(PER_PAGE)
    assert "ratings_human" not in drawn and "No arena votes here yet" in page  # an empty chart says why


def test_filters_narrow_runs_attempts_and_votes_alike(store: RunStore, tmp_path: Path) -> None:
    ids = seed(store)
    result, page = report(store, tmp_path / "sweep.html", "--sweep", SWEEP)
    assert result.exit_code == 0, result.output
    assert "1 run of 1 comparison" in page and f"sweep {SWEEP}" in page
    assert set(figures(page)) == {"lines_time", "tokens_per_s", "ttft_s", "cost"}
    result, page = report(store, tmp_path / "voted.html", "--comparison", ids["voted"])
    assert result.exit_code == 0, result.output
    drawn = figures(page)
    assert "3 runs of 1 comparison" in page and "pass_at_round" not in drawn
    # The title is named in the header as text.
    assert "&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;" in page
    assert [t["name"] for t in drawn["ratings_human"]["data"]] == [r["model"] for r in leaderboard(store).rows]
    result, page = report(store, tmp_path / "cat.html", "--category", "canvas", "--since", "2020-01-01")
    assert result.exit_code == 0, result.output
    assert "category canvas, from 2020-01-01" in page and "ratings_human" not in figures(page)


def one_line_exit_2(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output and "`" not in result.output, result.output
    return str(lines[0])


def test_bad_input_is_one_clear_line_and_exit_2(store: RunStore, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    empty = report(store, out)[0]
    assert "No runs in this database: nothing to report" in one_line_exit_2(empty)
    seed(store)
    assert "No sweep 'nope'" in one_line_exit_2(report(store, out, "--sweep", "nope")[0])
    assert "No comparison 'nope'" in one_line_exit_2(report(store, out, "--comparison", "nope")[0])
    assert "does not exist" in one_line_exit_2(report(store, tmp_path / "missing" / "r.html")[0])
    assert "is a folder" in one_line_exit_2(report(store, tmp_path)[0])
    assert "is the database itself" in one_line_exit_2(report(store, store.path)[0])
    narrow = one_line_exit_2(report(store, out, "--category", "nothing-here")[0])
    assert "with these filters (category nothing-here)" in narrow
    assert not out.exists()


def test_help_and_the_command_list_never_import_plotly() -> None:
    script = (
        "import sys\nfrom canvasbench.cli import main\n"
        "for args in (['--help'], ['report', '--help']):\n"
        "    try:\n        main.main(args)\n    except SystemExit as exc:\n        assert not exc.code, exc.code\n"
        "print('plotly' in sys.modules, 'pandas' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "Write the metrics as one interactive HTML file" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "False False"


def test_the_metrics_page_offers_the_report_and_builds_it_only_when_clicked(store: RunStore) -> None:
    from tests.test_app_pages import open_page

    seed_rounds(store)
    at = open_page("pages/metrics_page.py", export="true")  # the Export section open
    (button,) = [b for b in at.get("download_button") if b.proto.label == "Download interactive report (HTML)"]
    assert button.proto.HasField("deferred_file_id") and "opens offline" in button.proto.help
