"""The AI judge through the real SDKs against the fakes: images on the wire, JSON or a failed judgment, pairwise."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from canvasbench.arena.leaderboard import leaderboard, winner_of
from canvasbench.arena.outcomes import combine_orders, judge_outcomes
from canvasbench.cli import main
from canvasbench.judge import prompts
from canvasbench.judge.answers import BadAnswer, parse_pair, parse_score
from canvasbench.judge.judge import judge_comparison
from canvasbench.run.prompt_suite import get_prompt
from canvasbench.store import RunStore
from canvasbench.store.reads import export_rows, judgment_rows, stored_checklist, unjudged_comparisons
from tests.arena_helpers import finished_comparison, page, png
from tests.fakes import fixtures
from tests.fakes.judge import MALFORMED_TEXT, REFUSAL_TEXT
from tests.fakes.server import FakeServer

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env

MODELS = ["gemini:fake", "openai:fake;text=svg"]


def judgments(store: RunStore, comparison_id: str) -> list[dict]:
    return list(store.db.query("SELECT * FROM judgments WHERE comparison_id = ? ORDER BY created_at", [comparison_id]))


@pytest.mark.parametrize("provider", ["gemini", "openai", "anthropic"])
def test_judge_requests_carry_the_screenshots_as_images(provider: str, fake_env: FakeServer) -> None:
    store = RunStore()
    cid, run_ids = finished_comparison(store, MODELS, [page("left", 8), page("right", 4)])
    judge = f"{provider}:judge;judge=json"
    report = judge_comparison(store, cid, judge)
    assert report.failed == 0 and len(report.judgment_ids) == 2
    sent = fake_env.requests_for("judge;judge=json")
    assert len(sent) == 2 and {r.protocol for r in sent} == {provider}
    shots = {row["run_id"]: row["screenshot"] for row in store.db.query("SELECT run_id, screenshot FROM render_checks")}
    for request in sent:  # sent together, so in any order: each carries its own page's screenshot
        run_id = run_ids[0] if "<p>left</p>" in request.text else run_ids[1]
        assert request.images == [("image/png", shots[run_id])]  # the exact PNG bytes, decoded from the wire
        checklist = get_prompt("canvas-boids-ecosystem").checklist
        assert checklist[0] in request.text and f"Checklist ({len(checklist)} items)" in request.text
        assert "JUDGE_SCORE=" in request.text  # the code went along
    scores = {row["run_id"]: row for row in judgments(store, cid)}
    assert scores[run_ids[0]]["overall"] == 8 and scores[run_ids[1]]["overall"] == 4
    row = scores[run_ids[0]]
    assert row["status"] == "ok" and row["judge_model"] == judge and row["prompt_version"] == prompts.PROMPT_VERSION
    assert row["images"] == 1 and row["attempts"] == 1 and row["input_tokens"] > 0 and row["output_tokens"] > 0
    assert len(json.loads(row["items"])) == len(get_prompt("canvas-boids-ecosystem").checklist)
    assert row["reason"]


def test_a_run_without_screenshot_is_judged_from_the_code_and_says_so(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, MODELS, screenshots=False)
    judge_comparison(store, cid, "anthropic:judge;judge=json")
    sent = fake_env.requests_for("judge;judge=json")
    assert all(r.images == [] and "No screenshot" in r.text for r in sent)


@pytest.mark.parametrize("mode,raw", [("malformed", MALFORMED_TEXT), ("refusal", REFUSAL_TEXT)])
def test_an_answer_that_is_not_the_json_is_retried_once_then_failed_never_a_score(
    mode: str, raw: str, fake_env: FakeServer
) -> None:
    store = RunStore()
    cid, _run_ids = finished_comparison(store, MODELS, [page("a", 9), page("b", 2)])
    report = judge_comparison(store, cid, f"openai:judge;judge={mode}")
    assert report.failed == 2
    assert len(fake_env.requests_for(f"judge;judge={mode}")) == 4  # one retry per run, no more
    for row in judgments(store, cid):
        assert row["status"] == "failed" and row["overall"] is None and row["items"] is None
        assert row["raw_answer"] == raw and row["attempts"] == 2 and "JSON" in row["error"]
    assert all(r["judge_score"] is None for r in export_rows(store))
    assert judge_outcomes(store) == []
    assert leaderboard(store, by="judge", rounds=0).rows == []
    assert unjudged_comparisons(store, f"openai:judge;judge={mode}") == [cid]  # a failed judgment is not a judgment


def test_a_malformed_first_answer_is_asked_again_and_both_tries_are_paid_for(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, _run_ids = finished_comparison(store, [*MODELS[:1], "anthropic:fake"], [page("a", 6), page("b", 5)])
    judge_comparison(store, cid, "gemini:judge;judge=malformed_once")
    rows = judgments(store, cid)
    assert [r["status"] for r in rows] == ["ok", "ok"]
    retried, once = sorted(rows, key=lambda r: -r["attempts"])
    assert retried["attempts"] == 2 and once["attempts"] == 1  # only the fake's very first answer is malformed
    assert retried["input_tokens"] > once["input_tokens"] * 1.5  # both tries are counted


def test_judge_leaderboard_and_winner_follow_the_scores(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, run_ids = finished_comparison(store, ["gemini:fake", "openai:fake", "anthropic:fake"],
                                       [page("a", 3), page("b", 9), page("c", 6)])
    judge_comparison(store, cid, "gemini:judge;judge=json")
    board = leaderboard(store, by="judge", rounds=20)
    assert [r["model"] for r in board.rows] == ["openai:fake", "anthropic:fake", "gemini:fake"]
    assert winner_of(store, cid) == {"model_id": "openai:fake", "run_id": run_ids[1], "source": "judge", "margin": 1.0}
    assert [r["judge_score"] for r in export_rows(store)] == [3.0, 9.0, 6.0]


def test_pairwise_counts_a_win_only_when_both_orders_agree(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, run_ids = finished_comparison(store, MODELS, [page("a", 2), page("b", 9)])
    report = judge_comparison(store, cid, "anthropic:judge;judge=json", pairwise=True)
    assert len(report.judgment_ids) == 2  # A-vs-B and B-vs-A
    rows = judgments(store, cid)
    assert {(r["left_run_id"], r["winner"]) for r in rows} == {(run_ids[0], "B"), (run_ids[1], "A")}
    shots = {row["run_id"]: row["screenshot"] for row in store.db.query("SELECT run_id, screenshot FROM render_checks")}
    for request in fake_env.requests_for("judge;judge=json"):  # A's screenshots, then B's, in each order
        first = run_ids[0] if request.text.index("<p>a</p>") < request.text.index("<p>b</p>") else run_ids[1]
        second = run_ids[1] if first == run_ids[0] else run_ids[0]
        assert request.images == [("image/png", shots[first]), ("image/png", shots[second])]
    (outcome,) = judge_outcomes(store)
    assert outcome.score_of(run_ids[1]) == 1.0
    # A judge that always prefers whatever it sees first says A both times: position bias, no win.
    store2_cid, _ids2 = finished_comparison(store, MODELS, [page("a", 2), page("b", 9)])
    judge_comparison(store, store2_cid, "anthropic:biased;judge=biased", pairwise=True)
    biased = [o for o in judge_outcomes(store) if o.comparison_id == store2_cid]
    assert [o.score for o in biased] == [0.5]


def test_combine_orders_rules() -> None:
    assert combine_orders("A", "B") == 1.0  # first order: x is A and wins; second: x is B and wins
    assert combine_orders("B", "A") == 0.0
    assert combine_orders("A", "A") == 0.5 and combine_orders("tie", "B") == 0.5 and combine_orders("B", "B") == 0.5


def test_a_custom_prompt_gets_a_checklist_written_by_the_judge_and_stored(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, MODELS, prompt_id=None)
    judge_comparison(store, cid, "openai:judge;judge=json")
    stored = stored_checklist(store, cid)
    assert stored is not None and stored["source"] == "judge" and 5 <= len(stored["items"]) <= 10
    first = fake_env.requests_for("judge;judge=json")[0]
    assert '"checklist": [' in first.text and "Make a spinning cube." in first.text
    later = fake_env.requests_for("judge;judge=json")[1:]
    assert len(later) == 2 and all(stored["items"][0] in r.text for r in later)
    # Judged again: the stored checklist is reused, not written anew.
    judge_comparison(store, cid, "openai:judge;judge=json")
    assert sum('"checklist": [' in r.text for r in fake_env.requests_for("judge;judge=json")) == 1
    kinds = [r["mode"] for r in judgments(store, cid)]
    assert kinds.count("checklist") == 1


def test_code_too_long_is_cut_with_a_marker() -> None:
    code = "x" * (prompts.MAX_CODE_CHARS * 2)
    cut = prompts.cut_code(code)
    assert len(cut) < prompts.MAX_CODE_CHARS + 200 and "CANVASBENCH CUT" in cut and cut.endswith("x" * 100)
    assert prompts.cut_code("short") == "short"


def test_answers_are_parsed_strictly() -> None:
    ok = parse_score('{"items": [{"item": 1, "score": 7}], "overall": 6.5, "reason": "Fine."}', 1)
    assert ok.overall == 6.5
    for bad in ('{"items": [], "overall": 6, "reason": "x"}', '{"items": [{"score": 7}], "overall": 11, "reason": "x"}',
                '{"items": [{"score": 7}], "overall": "7", "reason": "x"}', "[1]", "seven",
                '{"items": [{"score": 7}], "overall": 7}'):
        with pytest.raises(BadAnswer):
            parse_score(bad, 1)
    assert parse_pair('```json\n{"winner": "b", "reason": "B moves."}\n```').winner == "B"
    with pytest.raises(BadAnswer):
        parse_pair('{"winner": "both", "reason": "x"}')


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_judge_all_unjudged_then_leaderboard_by_judge(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, MODELS, [page("a", 4), page("b", 8)])
    code, out, err = invoke("judge", "--all-unjudged", "--judge-model", "gemini:judge;judge=json", "--json")
    assert code == 0, err
    (report,) = json.loads(out)
    assert report["comparison_id"] == cid and report["failed"] == 0 and len(report["judgment_ids"]) == 2
    code, out, _ = invoke("judge", "--all-unjudged", "--judge-model", "gemini:judge;judge=json", "--json")
    assert code == 0 and json.loads(out) == []  # nothing left to judge
    code, out, _ = invoke("leaderboard", "--by", "judge", "--json")
    board = json.loads(out)
    assert code == 0 and [m["model"] for m in board["models"]] == ["openai:fake;text=svg", "gemini:fake"]
    code, out, _ = invoke("leaderboard", "--by", "judge")
    assert code == 0 and "openai:fake;text=svg" in out and "95% CI" in out
    code, out, _ = invoke("leaderboard", "--by", "judge", "--judge-model", "openai:other", "--json")
    assert code == 0 and json.loads(out)["models"] == []  # only that judge's verdicts, and it gave none


def test_cli_judge_failures_exit_1_and_bad_input_exit_2(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, MODELS)
    code, _, err = invoke("judge", cid, "--judge-model", "openai:judge;judge=malformed")
    assert code == 1 and "2 failed" in err
    code, _, err = invoke("judge", "NOPE", "--judge-model", "openai:judge;judge=json")
    assert code == 2 and "NOPE" in err
    code, _, err = invoke("judge", "--judge-model", "openai:judge;judge=json")
    assert code == 2 and "--all-unjudged" in err
    code, _, err = invoke("leaderboard", "--since", "yesterday")
    assert code == 2 and "--since" in err


def test_a_comparison_deleted_while_it_is_judged_is_said_so_and_nothing_is_stored(fake_env: FakeServer) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, MODELS)
    keep, _ = finished_comparison(store, MODELS)
    # Deleted (as the dashboard deletes it) the moment judging has begun: right after its suite checklist is kept.
    with store.write() as db:
        db.execute(
            f"CREATE TRIGGER gone AFTER INSERT ON checklists WHEN NEW.comparison_id = '{cid}' BEGIN "
            "DELETE FROM checklists WHERE comparison_id = NEW.comparison_id; "
            "DELETE FROM render_checks WHERE run_id IN (SELECT id FROM runs WHERE comparison_id = NEW.comparison_id); "
            "DELETE FROM runs WHERE comparison_id = NEW.comparison_id; "
            "DELETE FROM comparisons WHERE id = NEW.comparison_id; END"
        )
    code, _, err = invoke("judge", cid, "--judge-model", "openai:judge;judge=json")
    assert code == 2 and f"Comparison {cid} was deleted while it was being judged" in err, err
    assert "FOREIGN KEY" not in err and "Traceback" not in err
    assert judgments(store, cid) == []
    code, _, err = invoke("judge", keep, "--judge-model", "openai:judge;judge=json")
    assert code == 0, err  # another comparison is judged as ever
    assert len(judgments(store, keep)) == 2


def test_judgments_survive_a_restart_and_appear_in_every_export_format(fake_env: FakeServer, tmp_path: Path) -> None:
    store = RunStore()
    cid, _run_ids = finished_comparison(store, MODELS, [page("a", 5), page("b", 7)])
    judge_comparison(store, cid, "gemini:judge;judge=json")
    judge_comparison(store, cid, "openai:judge;judge=refusal")
    store.close()
    reopened = RunStore()
    rows = judgment_rows(reopened)
    assert [(r["status"], r["overall"]) for r in rows] == [("ok", 5.0), ("ok", 7.0), ("failed", None), ("failed", None)]
    assert rows[0]["model"] == "gemini:fake" and rows[2]["raw_answer"] == REFUSAL_TEXT
    for fmt in ("csv", "json", "jsonl", "parquet"):
        out = tmp_path / f"judgments.{fmt}"
        code, _, err = invoke("export", "--table", "judgments", "--output", str(out))
        assert code == 0, err
        if fmt == "parquet":
            table = pq.read_table(out).to_pylist()
            assert [r["overall"] for r in table] == [5.0, 7.0, None, None]
        elif fmt == "csv":
            text = out.read_text()
            assert text.splitlines()[0].startswith("judgment_id,created_at,comparison_id,mode")
            assert "judge;judge=refusal" in text and out.read_bytes().count(b"\r\n") == 5  # header + 4 rows
        elif fmt == "json":
            assert [r["status"] for r in json.loads(out.read_text())] == ["ok", "ok", "failed", "failed"]
        else:
            assert len(out.read_text().splitlines()) == 4
    code, out, _ = invoke("export", "--format", "json")
    assert [r["judge_score"] for r in json.loads(out)] == [5.0, 7.0]
    assert png()  # the screenshot helper builds a real PNG


def test_every_suite_prompt_has_a_checklist_of_5_to_10_items() -> None:
    from canvasbench.run.prompt_suite import load_suite

    for prompt in load_suite():
        assert 5 <= len(prompt.checklist) <= 10, prompt.id
        assert all(item.strip() for item in prompt.checklist)


def test_a_bad_checklist_in_the_suite_is_one_clear_error(tmp_path: Path) -> None:
    from canvasbench.run.prompt_suite import SuiteError, load_suite

    (tmp_path / "p1.toml").write_text(
        'id = "p1"\ntitle = "t"\ncategory = "c"\nkind = "html"\ntext = "x"\nchecklist = ["only one"]\n'
    )
    with pytest.raises(SuiteError, match="5 to 10"):
        load_suite(tmp_path)


@pytest.mark.parametrize("fault", ["fault=401", "fault=cut:2"])
def test_a_judge_request_that_fails_is_a_failed_judgment_without_a_retry(fault: str, fake_env: FakeServer) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, MODELS)
    report = judge_comparison(store, cid, f"anthropic:judge;judge=json;{fault}")
    assert report.failed == 2
    for row in judgments(store, cid):
        assert row["status"] == "failed" and row["overall"] is None and row["attempts"] == 1
        assert row["error"]


def test_cli_judge_without_a_key_exits_2_naming_the_variable() -> None:
    code, _, err = invoke("judge", "--all-unjudged", "--judge-model", "openai:gpt-5.2")
    assert code == 2 and "OPENAI_API_KEY" in err


def test_agreement_compares_the_judge_with_the_human_majority_per_pair(fake_env: FakeServer) -> None:
    from canvasbench.arena.votes import record_vote

    store = RunStore()
    cid, (a, b, c) = finished_comparison(store, ["gemini:fake", "openai:fake", "anthropic:fake"],
                                         [page("a", 3), page("b", 9), page("c", 6)])
    judge_comparison(store, cid, "gemini:judge;judge=json")  # judge: b > c > a
    record_vote(store, cid, b, a, "left")  # humans: b beats a (agrees)
    record_vote(store, cid, a, c, "left")  # a beats c (the judge says c)
    record_vote(store, cid, a, c, "left")
    record_vote(store, cid, c, a, "left")  # majority still a over c
    record_vote(store, cid, b, c, "tie")  # a tie (the judge says b)
    board = leaderboard(store, rounds=0)
    assert (board.agreement.agree, board.agreement.pairs) == (1, 3)
    code, out, _ = invoke("leaderboard", "--json")
    assert code == 0 and json.loads(out)["judge_human_agreement"] == {"agree": 1, "pairs": 3, "rate": 1 / 3}
    code, out, _ = invoke("leaderboard")
    assert "Judge agrees with the human votes on 1 of 3 pairs (33%)." in out
    assert winner_of(store, cid) is not None and winner_of(store, cid)["source"] == "votes"
