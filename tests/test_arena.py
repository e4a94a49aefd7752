"""The blind arena: which runs and pairs it shows, votes cast and undone, the leaderboard by votes, exports."""

from __future__ import annotations

import json
import random
import re
import threading
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from canvasbench.arena.leaderboard import leaderboard, winner_of
from canvasbench.arena.pairing import arena_comparisons, next_pair, next_unvoted
from canvasbench.arena.session import NEXT, ArenaSession
from canvasbench.arena.votes import record_vote
from canvasbench.cli import main
from canvasbench.errors import UsageError
from canvasbench.store import RunStore, reads
from canvasbench.store.reads import ArenaFilter, votable_runs, vote_rows
from canvasbench.store.writes import delete_vote
from tests.arena_helpers import finished_comparison
from tests.chart_specs import charts_of

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FOUR = ["gemini:alpha", "openai:bravo", "anthropic:charlie", "openai:delta"]


def test_only_finished_runs_with_a_page_are_shown() -> None:
    store = RunStore()
    cid, ids = finished_comparison(
        store, FOUR, ["<html>a</html>", None, "<html>c</html>", "<html>d</html>"],
        statuses=["done", "done", "done", "running"],
    )
    assert [r["id"] for r in votable_runs(store, cid)] == [ids[0], ids[2]]  # no page; still streaming
    for _ in range(20):
        pair = next_pair(store, cid, random.Random())
        assert pair is not None and {pair.left["id"], pair.right["id"]} == {ids[0], ids[2]}
    with pytest.raises(UsageError, match="still generating"):
        record_vote(store, cid, ids[0], ids[3], "left")


def test_a_comparison_needs_two_models_with_pages() -> None:
    store = RunStore()
    finished_comparison(store, ["gemini:alpha", "openai:bravo"], ["<html>a</html>", None])
    assert arena_comparisons(store) == [] and next_unvoted(store) is None


def test_pairs_cover_every_pair_of_models_and_the_order_is_random() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, FOUR)
    rng = random.Random(3)
    seen: Counter[frozenset[str]] = Counter()
    swapped = 0
    for _ in range(24):
        pair = next_pair(store, cid, rng)
        assert pair is not None
        seen[frozenset((pair.left["id"], pair.right["id"]))] += 1
        swapped += pair.left["position"] > pair.right["position"]
        record_vote(store, cid, pair.left["id"], pair.right["id"], "tie")
    assert len(seen) == 6 and set(seen.values()) == {4}  # least-voted first: all six pairs, evenly
    assert 4 <= swapped <= 20  # A/B is not the order the models were asked for (a fair coin, seeded here)
    rows = vote_rows(store)  # the order shown is what is stored
    assert len(rows) == 24
    assert sum(ids.index(r["left_run_id"]) > ids.index(r["right_run_id"]) for r in rows) == swapped


def test_queued_keys_apply_once_in_order_to_the_pair_on_screen_at_that_point() -> None:
    store = RunStore()
    finished_comparison(store, FOUR)
    session = ArenaSession(rng=random.Random(5))
    first = session.show(store, NEXT, None)
    second = session.upcoming  # chosen ahead, and not the pair on screen
    assert first is not None and second is not None
    assert frozenset((first.left, first.right)) != frozenset((second.left, second.right))
    keys = [[i + 1, key] for i, key in enumerate("auanbntnx")]
    session.apply_keys(store, {"epoch": "page-1", "keys": keys[:3]}, "ann")  # a script run took the first three
    session.apply_keys(store, {"epoch": "page-1", "keys": keys}, "ann")  # the browser sends all unconfirmed ones
    session.apply_keys(store, {"epoch": "page-1", "keys": keys}, "ann")  # sent again: nothing applies twice
    votes = vote_rows(store)
    assert [v["outcome"] for v in votes] == ["left", "right", "tie", "both_bad"]
    assert (votes[0]["left_run_id"], votes[0]["right_run_id"]) == (first.left, first.right)
    assert (votes[1]["left_run_id"], votes[1]["right_run_id"]) == (second.left, second.right)
    assert len({frozenset((v["left_run_id"], v["right_run_id"])) for v in votes}) == 4
    assert {v["voter"] for v in votes} == {"ann"} and session.applied == 9 and session.number == 4

    # A new page load numbers its keys from 1 again. A key that means nothing where it lands does nothing:
    # a second vote on a voted pair, "next" before a vote, a key that is not the arena's, a malformed entry.
    session.apply_keys(store, {"epoch": "page-2", "keys": [[1, "a"], [2, "n"], [3, "n"], [4, "z"], ["5", "b"]]})
    assert len(vote_rows(store)) == 4 and session.number == 5 and session.applied == 4 and session.vote is None
    session.apply_keys(store, None)
    session.apply_keys(store, {"keys": "abc"})
    assert session.applied == 4


def test_keys_sent_to_two_script_runs_at_once_are_applied_once() -> None:
    # A new key starts a new script run on another thread while the one it replaces may still be applying
    # the same keys: every vote must still be stored exactly once.
    store = RunStore()
    keys = {"epoch": "page-1", "keys": [[i + 1, key] for i, key in enumerate("auanbntnx")]}
    for _ in range(5):
        finished_comparison(store, FOUR)  # the newest: each round votes on four of its six pairs
        session = ArenaSession(rng=random.Random(1))
        session.show(store, NEXT, None)
        start = threading.Barrier(4)

        def run(session: ArenaSession = session, start: threading.Barrier = start) -> None:
            start.wait()
            session.apply_keys(store, keys)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert session.applied == 9 and session.number == 4
    outcomes = [v["outcome"] for v in vote_rows(store)]
    assert outcomes == ["left", "right", "tie", "both_bad"] * 5


def test_next_unvoted_is_newest_first_and_filters_by_category() -> None:
    store = RunStore()
    old, _ = finished_comparison(store, FOUR[:2], category="canvas")
    new, new_ids = finished_comparison(store, FOUR[:2], category="svg")
    assert next_unvoted(store) == new
    assert next_unvoted(store, category="canvas") == old
    record_vote(store, new, new_ids[0], new_ids[1], "left")
    assert next_unvoted(store) == old


def test_next_unvoted_looks_past_the_newest_page_of_comparisons() -> None:
    # The arena reads comparisons a page at a time, newest first (not every run of a big database per page load):
    # the one unvoted comparison is found however many voted ones are newer, and pages skip nothing.
    store = RunStore()
    oldest, _ = finished_comparison(store, FOUR[:2], category="canvas")
    finished_comparison(store, FOUR[:1])  # one model: nothing to vote on
    for _ in range(34):
        cid, ids = finished_comparison(store, FOUR[:2], category="svg")
        record_vote(store, cid, ids[0], ids[1], "tie")
    assert next_unvoted(store) == oldest
    assert next_unvoted(store, category="svg") is None
    assert list(reads.newest_votable_comparisons(store, page=3)) == reads.votable_comparisons(store)
    with store.write():  # an imported comparison without a date: last, as in the whole list, and not lost
        store.db.execute("UPDATE comparisons SET created_at = NULL WHERE id = ?", [oldest])
    assert list(reads.newest_votable_comparisons(store, page=3)) == reads.votable_comparisons(store)
    assert next_unvoted(store) == oldest


def test_votes_survive_a_restart_undo_removes_one_and_exports_have_them(tmp_path: Path) -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, FOUR[:3])
    first = record_vote(store, cid, ids[1], ids[0], "left", voter="  Ada ")
    second = record_vote(store, cid, ids[0], ids[2], "both_bad")
    assert delete_vote(store, second) and not delete_vote(store, second)
    store.close()
    reopened = RunStore()
    (row,) = vote_rows(reopened)
    assert row["vote_id"] == first and row["voter"] == "Ada" and row["outcome"] == "left"
    assert row["left_model"] == "openai:bravo" and row["right_model"] == "gemini:alpha"
    assert row["winner_model"] == "openai:bravo" and row["category"] == "canvas"
    for fmt in ("csv", "json", "jsonl", "parquet"):
        out = tmp_path / f"votes.{fmt}"
        result = CliRunner().invoke(main, ["export", "--table", "votes", "--output", str(out)])
        assert result.exit_code == 0, result.stderr
        if fmt == "parquet":
            assert pq.read_table(out).to_pylist()[0]["winner_model"] == "openai:bravo"
        elif fmt == "csv":
            lines = out.read_text().splitlines()
            assert lines[0].split(",")[:4] == ["vote_id", "created_at", "comparison_id", "prompt_id"]
            assert "Ada" in lines[1] and len(lines) == 2
        elif fmt == "json":
            assert json.loads(out.read_text())[0]["voter"] == "Ada"
        else:
            assert json.loads(out.read_text().splitlines()[0])["outcome"] == "left"


def test_bad_votes_are_refused_with_a_clear_message() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, FOUR[:2])
    _other, other_ids = finished_comparison(store, FOUR[:2])
    with pytest.raises(UsageError, match="Unknown vote"):
        record_vote(store, cid, ids[0], ids[1], "draw")
    with pytest.raises(UsageError, match="not part of comparison"):
        record_vote(store, cid, ids[0], other_ids[1], "left")
    with pytest.raises(UsageError, match="two different runs"):
        record_vote(store, cid, ids[0], ids[0], "left")


def test_leaderboard_by_votes_ranks_with_stats_and_winner_badge() -> None:
    store = RunStore()
    for _ in range(3):
        cid, ids = finished_comparison(store, FOUR[:3])
        record_vote(store, cid, ids[0], ids[1], "left")  # alpha beats bravo
        record_vote(store, cid, ids[2], ids[1], "left")  # charlie beats bravo
        record_vote(store, cid, ids[0], ids[2], "tie")
    board = leaderboard(store, rounds=50)
    assert [r["model"] for r in board.rows][-1] == "openai:bravo"
    row = {r["model"]: r for r in board.rows}["gemini:alpha"]
    assert row["votes"] == 6 and row["ci_low"] <= row["rating"] <= row["ci_high"]
    assert row["median_cost_usd"] == pytest.approx(0.01) and row["median_latency_s"] == 10.0
    assert row["render_share"] == 1.0 and row["runs"] == 3
    assert winner_of(store, cid) is None  # alpha and charlie tie on this comparison's votes
    record_vote(store, cid, ids[0], ids[2], "left")
    assert winner_of(store, cid) == {"model_id": "gemini:alpha", "run_id": ids[0], "source": "votes", "margin": 1.0}
    assert leaderboard(store, scope=ArenaFilter(category="svg")).rows == []
    assert leaderboard(store, scope=ArenaFilter(since="2999-01-01")).rows == []


def test_cli_leaderboard_json_and_table() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, FOUR[:2])
    record_vote(store, cid, ids[0], ids[1], "left")
    result = CliRunner().invoke(main, ["leaderboard", "--json", "--category", "canvas"])
    assert result.exit_code == 0
    board = json.loads(result.stdout)
    assert [m["model"] for m in board["models"]] == ["gemini:alpha", "openai:bravo"]
    assert board["win_rate"] == [
        {"model": "gemini:alpha", "opponent": "openai:bravo", "win_rate": 1.0, "outcomes": 1},
        {"model": "openai:bravo", "opponent": "gemini:alpha", "win_rate": 0.0, "outcomes": 1},
    ]
    assert board["judge_human_agreement"] == {"agree": 0, "pairs": 0, "rate": None}
    result = CliRunner().invoke(main, ["leaderboard"])
    assert result.exit_code == 0 and "gemini:alpha" in result.stdout and "no pair of runs" in result.stdout
    result = CliRunner().invoke(main, ["leaderboard", "--by", "judge"])
    assert result.exit_code == 0 and "No judgments" in result.stdout


def open_arena() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/arena_page.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success",
                 "text", "metric"):
        parts.extend(str(getattr(e, "value", "")) for e in getattr(at, kind))
    parts.extend(e.proto.srcdoc for e in at.get("iframe"))
    parts.extend(re.sub(r"<[^>]+>", "", e.proto.body) for e in at.get("html"))  # tiles, clipped names
    parts.extend(str(o) for box in at.selectbox for o in box.options)
    return "\n".join(parts)


def test_arena_page_hides_models_until_the_vote_then_reveals_and_undoes() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, ["gemini:alpha", "openai:bravo"])
    at = open_arena()
    text = page_text(at)
    for secret in ("alpha", "bravo", ids[0], ids[1], cid):
        assert secret not in text
    assert len(at.get("iframe")) == 2 and 'title="Program A"' in text and 'title="Program B"' in text
    next(b for b in at.button if b.label.startswith("B is better")).click().run()
    assert not at.exception
    text = page_text(at)
    assert "alpha" in text and "bravo" in text and "Vote saved" in text
    (vote,) = vote_rows(store)
    assert vote["outcome"] == "right"
    next(b for b in at.button if b.label.startswith("Undo")).click().run()
    assert vote_rows(store) == [] and "alpha" not in page_text(at)


def test_a_visit_draws_the_pair_on_screen_first_and_the_next_when_the_browser_asks() -> None:
    """The pair on screen loads alone; the browser asks for the next once it has (tests/test_browser_arena_keys)."""
    store = RunStore()
    finished_comparison(store, FOUR)
    at = open_arena()
    assert at.session_state["arena.session"].upcoming is not None  # chosen already
    assert len(at.get("iframe")) == 2  # but not drawn: nothing hidden competes with the pair on screen


def test_leaderboard_page_renders_empty_and_populated() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/leaderboard_page.py")
    at.run()
    assert not at.exception and "No arena votes" in page_text(at)
    store = RunStore()
    cid, ids = finished_comparison(store, FOUR[:3])
    record_vote(store, cid, ids[0], ids[1], "left")
    record_vote(store, cid, ids[2], ids[1], "tie")
    at.run()
    assert not at.exception
    assert len(charts_of(at)) == 2
    at.segmented_control(key="leaderboard.by").set_value("both").run()
    assert not at.exception and "No judgments" in page_text(at)


def test_arena_choosing_another_comparison_shows_a_fresh_blind_pair() -> None:
    store = RunStore()
    old, _ = finished_comparison(store, ["gemini:alpha", "openai:bravo"], category="canvas")
    new, _ = finished_comparison(store, ["gemini:charlie", "openai:delta"], category="svg")
    at = open_arena()
    next(b for b in at.button if b.label.startswith("A is better")).click().run()
    assert "Vote saved" in page_text(at) and "charlie" in page_text(at)  # next unvoted: the newest first
    assert not at.selectbox, "the pickers are drawn only while their menu is open"
    at.session_state["arena.menu"] = True  # as a click on the menu's button does (AppTest sends no menu state)
    at.run()
    at.selectbox(key="arena.pick").set_value(old).run()
    at.session_state["arena.menu"] = False
    text = page_text(at)
    assert not at.exception and "Vote saved" not in text
    assert all(name not in text for name in ("alpha", "bravo", "charlie", "delta"))
    next(b for b in at.button if b.label.startswith("Tie")).click().run()
    assert {v["comparison_id"] for v in vote_rows(store)} == {old, new}
    at.session_state["arena.menu"] = True
    at.run()
    assert at.selectbox(key="arena.pick").value == old, "the comparison chosen holds while the menu is closed"
    at.selectbox(key="arena.category").set_value("svg").run()
    at.session_state["arena.menu"] = True
    at.run()
    assert "charlie" not in page_text(at) and "Vote saved" not in page_text(at)
    assert at.selectbox(key="arena.pick").value == "next", "the comparison chosen is not in svg: the next pair is"
    at.session_state["arena.menu"] = False  # closed: the choices hold, and the menu's button says them
    at.run()
    assert not at.selectbox and not at.exception
    (label,) = [str(p.proto.popover.label) for p in at.main.get("popover") if "tune" in p.proto.popover.icon]
    assert "in \u2068svg\u2069" in label and "Next unvoted pair" in label, label


def test_the_gallery_card_shows_the_winner_once_the_votes_pick_one() -> None:
    store = RunStore()
    cid, ids = finished_comparison(store, FOUR[:2])
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and "winner" not in page_text(at)
    record_vote(store, cid, ids[1], ids[0], "left")  # bravo, shown left, is better
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and "winner by votes" in page_text(at)


def test_a_new_arena_session_reads_the_runs_of_the_comparisons_it_shows_only() -> None:
    # At thousands of comparisons, reading every comparison's runs (artifacts included) to find the newest one
    # with an unvoted pair cost the arena seconds on each visit; only the pairs shown need their runs read.
    store = RunStore()
    for _ in range(12):
        finished_comparison(store, FOUR)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    session = ArenaSession(rng=random.Random(3))
    assert session.show(store, NEXT, None) is not None and session.upcoming is not None
    runs_read = [s for s in statements if "r.artifact FROM runs" in s]
    assert len(runs_read) <= 4, f"{len(runs_read)} reads of a comparison's runs for one pair and the next"
