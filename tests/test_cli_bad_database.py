"""Every command that writes refuses a read-only or damaged database at once: one message, exit 2, no traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.run.prompt_suite import load_suite
from canvasbench.store import RunStore, writes
from tests.fakes import FakeServer, fixtures
from tests.test_store_failures import read_only

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env

PROMPT = {"id": "p-1", "title": "Boids", "category": "canvas", "kind": "html", "text": "Write boids."}
PAGE = "<!doctype html><canvas></canvas><script>/*" + "x" * 20_000 + "*/</script>"


def seeded(path: Path, comparisons: int = 6) -> tuple[str, str]:
    """A database of finished, unchecked runs with pages; returns one comparison id and one run id."""
    store = RunStore(path)
    for _ in range(comparisons):
        comparison_id, run_ids = writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:a", "openai:b"])
        for run_id in run_ids:
            writes.update_run(store, run_id, status="done", response=PAGE, artifact=PAGE, artifact_kind="html")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    for extra in path.parent.glob(f"{path.name}-*"):
        extra.unlink()
    return comparison_id, run_ids[0]


def damage_last_pages(path: Path, pages: int = 2) -> None:
    """Scribble over a few pages of stored text near the end: the schema and most rows still read."""
    with sqlite3.connect(path) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        count = conn.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(path.read_bytes())
    for index in range(count - 1 - pages, count - 1):
        data[index * size : index * size + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))


def writing_commands(comparison_id: str, run_id: str) -> dict[str, list[str]]:
    suite_prompt = load_suite()[0].id
    return {
        "run": ["run", "--prompt", "x", "--no-check", "--model", "openai:fake"],
        "sweep": ["sweep", "--prompt-id", suite_prompt, "--no-check", "--model", "openai:fake"],
        "rerun": ["rerun", comparison_id, "--no-check"],
        "delete": ["delete", comparison_id, "--yes"],
        "check --all-unchecked": ["check", "--all-unchecked"],
        "check RUN_ID": ["check", run_id],
        "judge": ["judge", comparison_id, "--judge-model", "openai:fake"],
    }


def cli(args: list[str], db: Path) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(db)])


def assert_one_clean_message(result: Result, words: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # not an exception the command let escape
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.stderr


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[Path, str, str]]:
    folder = tmp_path / "published"
    folder.mkdir()
    comparison_id, run_id = seeded(folder / "bench.db")
    with read_only(folder) as view:
        yield view / "bench.db", comparison_id, run_id


def test_every_writing_command_refuses_a_read_only_database_at_once(
    fake_env: FakeServer, published: tuple[Path, str, str]
) -> None:
    db, comparison_id, run_id = published
    for name, args in writing_commands(comparison_id, run_id).items():
        result = cli(args, db)
        assert_one_clean_message(result, "is read-only")
        assert "render" not in result.stdout, name  # no page was opened
    assert fake_env.requests == []  # no model was paid


def test_every_writing_command_refuses_a_damaged_database_before_doing_anything(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    comparison_id, run_id = seeded(db)
    damage_last_pages(db)
    for name, args in writing_commands(comparison_id, run_id).items():
        result = cli(args, db)
        assert_one_clean_message(result, "is damaged")
        assert "saved" not in result.output, name
    assert fake_env.requests == []



def damage_table(path: Path, table: str) -> None:
    """Scribble over the first page of one table: the file opens, and reading that table fails."""
    with sqlite3.connect(path) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()
    data = bytearray(path.read_bytes())
    data[(root - 1) * size : (root - 1) * size + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))


def test_a_read_that_meets_damaged_pages_is_the_same_one_message(tmp_path: Path) -> None:
    # `leaderboard` only reads, so it is not refused up front; SQLite finds the damage mid-command.
    db = tmp_path / "bench.db"
    seeded(db)
    damage_table(db, "votes")
    result = cli(["leaderboard"], db)
    assert_one_clean_message(result, "is damaged")
