"""`canvasbench merge`: databases from other machines land once, whole, or not at all."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result
from sqlite_utils import Database

from canvasbench.cli import main
from canvasbench.run.prompt_suite import load_suite
from canvasbench.store import RunStore, reads, writes
from tests.fakes import fixtures
from tests.test_cli_bad_database import assert_one_clean_message, damage_last_pages

TABLES = ("comparisons", "runs", "render_checks", "votes", "judgments", "checklists")

# One machine's share of a sweep, written by its own process: two comparisons, checks, a vote, a judgment,
# and one run still streaming there (argv: database path, model prefix).
SHARD = """
import sys
from canvasbench.store import RunStore, writes
from canvasbench.store.writes import utc_now
from canvasbench.ids import new_id
from tests.arena_helpers import finished_comparison

store = RunStore(sys.argv[1])
prefix = sys.argv[2]
for _ in range(2):
    comparison_id, runs = finished_comparison(store, [f"openai:{prefix}-a", f"openai:{prefix}-b"])
    writes.insert_vote(store, comparison_id, runs[0], runs[1], "left", "someone")
    writes.save_checklist(store, comparison_id, ["draws boids"], "suite", None)
    writes.insert_judgment(store, {
        "id": new_id(), "comparison_id": comparison_id, "mode": "score", "run_id": runs[1],
        "judge_model": "openai:judge", "prompt_version": "v1", "status": "ok", "overall": 7.0,
        "created_at": utc_now(),
    })
comparison_id, runs = writes.create_comparison(
    store, prompt={"id": "p-live", "title": "Live", "category": "c", "kind": "html", "text": "x"},
    model_ids=[f"openai:{prefix}-a"],
)
writes.update_run(store, runs[0], status="running", worker="1:1@elsewhere.example")
print(runs[0])
"""


def shard(path: Path, prefix: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", SHARD, str(path), prefix], stdout=subprocess.PIPE, text=True)


def merge(db: Path, *others: Path) -> Result:
    return CliRunner().invoke(main, ["merge", *map(str, others), "--db", str(db)])


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_two_machines_shards_merge_once_with_votes_judgments_and_checks(tmp_path: Path) -> None:
    a, b, here = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "here.db"
    procs = [shard(a, "m1"), shard(b, "m2")]  # two processes at once, as two machines would
    live_run_a = procs[0].communicate(timeout=120)[0].strip()
    procs[1].communicate(timeout=120)
    assert [p.returncode for p in procs] == [0, 0]
    RunStore(here).close()

    first = merge(here, a, b)
    assert first.exit_code == 0, first.output
    assert "left out 1 run(s) still queued or streaming" in first.output
    merged = counts(here)
    # Four finished comparisons and the two live ones; their 8 finished runs (the streaming ones wait).
    assert merged == {"comparisons": 6, "runs": 8, "render_checks": 8, "votes": 4, "judgments": 4, "checklists": 4}

    again = merge(here, a, b)
    assert again.exit_code == 0 and counts(here) == merged  # nothing twice
    assert again.output.count("nothing new") == 2, again.output

    # The run that was streaming on machine a finishes there; the next merge brings it, once.
    store_a = RunStore(a)
    writes.update_run(store_a, live_run_a, status="done", artifact="<p>hi</p>", artifact_kind="html")
    store_a.close()
    third = merge(here, a)
    assert third.exit_code == 0, third.output
    assert counts(here)["runs"] == 9
    store = RunStore(here)
    assert reads.get_run(store, live_run_a)["status"] == "done"
    # The votes count on this machine's leaderboard: every contestant of both shards has its outcome.
    with sqlite3.connect(here) as conn:
        voted = {
            r[0]
            for r in conn.execute(
                "SELECT model_id FROM runs WHERE id IN "
                "(SELECT left_run_id FROM votes UNION SELECT right_run_id FROM votes)"
            )
        }
    assert voted == {"openai:m1-a", "openai:m1-b", "openai:m2-a", "openai:m2-b"}


def test_a_rechecked_run_replaces_the_older_check_and_an_older_copy_changes_nothing(tmp_path: Path) -> None:
    a, here = tmp_path / "a.db", tmp_path / "here.db"
    assert shard(a, "m1").wait(timeout=120) == 0
    assert merge(here, a).exit_code == 0
    store_a = RunStore(a)
    run_id = store_a.db.execute("SELECT run_id FROM render_checks LIMIT 1").fetchone()[0]
    writes.save_render_check(store_a, {"run_id": run_id, "checked_at": "2999-01-01T00:00:00Z", "verdict": "blank"})
    store_a.close()
    result = merge(here, a)
    assert result.exit_code == 0 and "updated 1 render_checks" in result.output, result.output
    store = RunStore(here)
    assert store.db.execute("SELECT verdict FROM render_checks WHERE run_id = ?", [run_id]).fetchone()[0] == "blank"


def test_a_newer_schema_or_a_damaged_file_is_refused_and_nothing_is_merged(tmp_path: Path) -> None:
    good, newer, damaged, here = (tmp_path / f"{n}.db" for n in ("good", "newer", "damaged", "here"))
    for path, prefix in ((good, "g"), (newer, "n"), (damaged, "d")):
        assert shard(path, prefix).wait(timeout=120) == 0
    db = Database(newer)
    db["_sqlite_migrations"].insert(  # type: ignore[union-attr]
        {"migration_set": "canvasbench", "name": "m999_from_the_future", "applied_at": "2030-01-01"}
    )
    db.close()
    store = RunStore(damaged)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    damage_last_pages(damaged, pages=4)
    RunStore(here).close()
    before = counts(here)

    refused = merge(here, good, newer)  # the good file is not merged either: one transaction for all
    assert_one_clean_message(refused, "newer CanvasBench")
    assert counts(here) == before

    result = merge(here, good, damaged)
    assert_one_clean_message(result, "damaged")
    assert counts(here) == before

    not_ours = tmp_path / "notes.db"
    with sqlite3.connect(not_ours) as conn:
        conn.execute("CREATE TABLE notes (x)")
    assert_one_clean_message(merge(here, not_ours), "not a CanvasBench database")
    assert_one_clean_message(merge(here, here), "is this database")
    assert counts(here) == before


fake_server = fixtures.fake_server  # one fake server, the SDKs' base URLs pointing at it
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


def test_a_sweep_sharded_over_three_machines_merges_back_into_the_whole_sweep(
    fake_env_vars: dict[str, str], tmp_path: Path
) -> None:
    ids = [p.id for p in load_suite()[:4]]
    chosen = [a for pid in ids for a in ("--prompt-id", pid)]
    shards = [tmp_path / f"shard{i}.db" for i in (1, 2, 3)]
    for i, path in enumerate(shards, 1):
        result = CliRunner().invoke(
            main, ["sweep", "--model", "openai:fake", "--no-check", "--shard", f"{i}/3", *chosen, "--db", str(path)]
        )
        assert result.exit_code == 0, result.stderr
    here = tmp_path / "here.db"
    assert merge(here, *shards).exit_code == 0
    with sqlite3.connect(here) as conn:
        merged = sorted(r[0] for r in conn.execute("SELECT prompt_id FROM comparisons"))
    assert merged == sorted(ids)  # every prompt once: the shards neither overlap nor miss one
    with sqlite3.connect(here) as conn:  # and they read back as one sweep (the matrix page shows it whole)
        assert len({r[0] for r in conn.execute("SELECT sweep_id FROM comparisons")}) == 1

    bad = CliRunner().invoke(main, ["sweep", "--model", "openai:fake", "--shard", "4/3"])
    assert bad.exit_code == 2 and "1 <= I <= N" in bad.stderr


def test_the_same_outside_generation_imported_on_two_machines_merges_as_one_run(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "gpt-5.2.html").write_text("<!DOCTYPE html><p>hello</p>")
    a, here = tmp_path / "a.db", tmp_path / "here.db"
    for db in (a, here):
        imported = CliRunner().invoke(main, ["import", "--from-dir", str(pages), "--no-check", "--db", str(db)])
        assert imported.exit_code == 0
    result = merge(here, a)
    assert result.exit_code == 0, result.output
    assert counts(here)["runs"] == 1
