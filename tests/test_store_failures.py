"""When the database cannot do what is asked (full, damaged, read-only, newer, missing): say so, lose nothing."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.errors import StoreError
from canvasbench.store import RunStore, reads, writes
from tests.fakes import fixtures, parse_model_name

PROJECT = Path(__file__).resolve().parent.parent
PROMPT = {"id": "p-1", "title": "Boids", "category": "canvas", "kind": "html", "text": "Write boids."}

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def filled_store(path: Path, runs: int = 3) -> list[str]:
    store = RunStore(path)
    _, run_ids = writes.create_comparison(store, prompt=PROMPT, model_ids=[f"openai:m{i}" for i in range(runs)])
    for run_id in run_ids:
        writes.update_run(store, run_id, status="done", response="<html>" + "x" * 20_000 + "</html>")
    store.close()
    return run_ids


@contextlib.contextmanager
def small_disk(size_kb: int) -> Iterator[Path]:
    """A real, small filesystem (tmpfs) that fills up; needs root, as a loop or tmpfs mount does."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a small filesystem needs root to mount")
    where = Path(tempfile.mkdtemp(prefix="canvasbench-small-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """The folder as nobody can write it: a read-only bind mount for root, permissions for anyone else."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield folder
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    view = Path(tempfile.mkdtemp(prefix="canvasbench-ro-"))
    if subprocess.run(["mount", "--bind", str(folder), str(view)], capture_output=True).returncode != 0:
        view.rmdir()
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True, capture_output=True)
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
        view.rmdir()


def _spawn_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from canvasbench.cli import main; main()", *args],
        cwd=PROJECT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


# --- write() -----------------------------------------------------------------------------------


def test_a_failed_write_raises_its_real_reason_not_a_rollback_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "full.db")
    _, (run_id,) = writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:a"])
    # SQLite's own page limit: the same "database or disk is full" a full disk gives, deterministically.
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StoreError) as info:
        writes.update_run(store, run_id, response="y" * 200_000)
    assert "full" in str(info.value) and "rollback" not in str(info.value)
    assert not store.db.conn.in_transaction
    writes.update_run(store, run_id, status="running")  # the store is still usable for what fits
    assert reads.get_run(store, run_id)["status"] == "running"


# --- a full disk ---------------------------------------------------------------------------------


def test_disk_full_during_a_run_fails_it_clearly_and_keeps_the_text(
    fake_env_vars: dict[str, str], tmp_path: Path
) -> None:
    model = "openai:fake;text=long;lines=40000;chunks=200;interval_ms=10"
    with small_disk(1024) as disk:
        db = disk / "bench.db"
        filled_store(db, runs=1)
        env = {**fake_env_vars, "CANVASBENCH_RECOVERY_DIR": str(tmp_path / "recovered")}
        result = _spawn_cli(["run", "--prompt", "x", "--db", str(db), "--no-check", "--model", model], env)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert "saved in" not in result.stdout
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "full" in errors[0], result.stderr
        expected = parse_model_name(model.split(":", 1)[1]).answer_text()
        named = re.search(r"is in (\S+\.txt)\.", errors[0])
        if named:  # not even the text fitted: it is in the file the message names
            assert Path(named.group(1)).read_text(encoding="utf-8") == expected
        else:
            assert "stored as failed" in errors[0]
            with sqlite3.connect(db) as conn:
                (text,) = conn.execute("SELECT response FROM runs WHERE status = 'failed'").fetchone()
            assert text == expected
        # What the database says afterwards, read without writing: never `running` for a run nobody runs,
        # and the file the text is in, when it went to one.
        exported = _spawn_cli(["export", "--db", str(db), "--format", "jsonl"], env)
        rows = [json.loads(line) for line in exported.stdout.splitlines()]
        latest = [row for row in rows if row["model"] == model.split(":", 1)[1]]
        assert len(latest) == 1 and latest[0]["status"] in ("failed", "interrupted"), (latest, exported.stderr)
        if named:
            assert named.group(1) in latest[0]["error"]


def test_a_disk_too_full_to_create_the_database_is_one_clear_message(fake_env_vars: dict[str, str]) -> None:
    with small_disk(64) as disk:
        with contextlib.suppress(OSError), open(disk / "filler", "wb") as fh:
            fh.write(b"\0" * 128 * 1024)
        result = _spawn_cli(["run", "--prompt", "x", "--db", str(disk / "new.db"), "--no-check",
                             "--model", "openai:fake"], fake_env_vars)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "full" in result.stderr or "Cannot open database" in result.stderr, result.stderr


# --- damaged, newer, read-only, missing ----------------------------------------------------------


def _damage(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        count = conn.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(path.read_bytes())  # the test's own file, no connection of this process holds it
    for index in range(1, count):  # every page but the header page: the schema survives, the rest does not
        data[index * page : index * page + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))


def test_a_damaged_database_is_named_by_run_and_export(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    filled_store(db, runs=20)
    _damage(db)
    result = cli("export", "--db", str(db))
    assert result.exit_code != 0
    assert "damaged" in result.stderr and "Traceback" not in result.output
    result = cli("run", "--prompt", "x", "--db", str(db), "--no-check", "--model", "openai:fake")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "damaged" in result.stderr or "malformed" in result.stderr, result.stderr


def test_a_database_from_a_newer_canvasbench_is_refused(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "newer.db"
    filled_store(db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('canvasbench', 'm099_future', '2030-01-01')")
    for args in (["export", "--db", str(db)], ["run", "--prompt", "x", "--db", str(db), "--model", "openai:fake"]):
        result = cli(*args)
        assert result.exit_code == 2 and "newer CanvasBench" in result.stderr, result.stderr


def test_a_read_only_database_says_so_and_still_exports(fake_env_vars: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    filled_store(folder / "bench.db")
    with sqlite3.connect(folder / "bench.db") as conn:  # as a copied or published database is: one file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for extra in folder.glob("bench.db-*"):
        extra.unlink()
    with read_only(folder) as view:
        db = view / "bench.db"
        result = cli("export", "--db", str(db), "--format", "jsonl")
        assert result.exit_code == 0, result.stderr
        assert len(result.stdout.splitlines()) == 3
        store = RunStore(db)  # what the dashboard's gallery opens
        assert store.read_only and len(list(store.db.query("SELECT id FROM runs"))) == 3
        store.close()
        result = cli("run", "--prompt", "x", "--db", str(db), "--no-check", "--model", "openai:fake")
        assert result.exit_code == 2 and "read-only" in result.stderr, result.stderr
        assert "Traceback" not in result.output


def test_export_of_a_missing_database_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = cli("export", "--db", str(missing))
    assert result.exit_code == 2 and str(missing) in result.stderr
    assert not missing.exists()


def test_export_output_dash_is_standard_output(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    filled_store(db)
    result = cli("export", "--db", str(db), "--output", "-", "--format", "jsonl")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3
    assert not (Path.cwd() / "-").exists()


def test_the_dashboard_gallery_reads_a_read_only_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.browser_helpers import seed_comparison
    from tests.test_app_pages import open_page, texts

    folder = tmp_path / "published"
    folder.mkdir()
    store = RunStore(folder / "bench.db")
    seed_comparison(store, title="Published canvas", category="canvas")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    for extra in folder.glob("bench.db-*"):
        extra.unlink()
    with read_only(folder) as view:
        monkeypatch.setenv("CANVASBENCH_DB", str(view / "bench.db"))
        at = open_page("pages/gallery_page.py")
        assert not at.exception
        assert "Published canvas" in texts(at)
