"""Files holding model output are private to their user and never written through a link someone planted."""

from __future__ import annotations

import os
import pwd
import stat
import tempfile
from pathlib import Path

import pytest

from canvasbench.run.writer import write_recovery_file
from canvasbench.store import RunStore, writes

PROMPT = {"id": "p-1", "title": "Boids", "category": "canvas", "kind": "html", "text": "Write boids."}
RUN_ID = "01JRUNPLANTED"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file someone else's link points at: a recovery file must never replace its contents."""
    path = tmp_path / "etc-passwd-like"
    path.write_text("precious\n")
    return path


@pytest.fixture
def per_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's own runtime folder, where a refused recovery folder's file goes instead."""
    runtime = tmp_path / "run-user"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return runtime


def unusable_recovery_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CANVASBENCH_RECOVERY_DIR", str(blocker / "recovered"))  # cannot be created


def test_a_link_planted_in_the_shared_temp_folder_is_never_written_through(
    tmp_path: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another user made the old fixed fallback, /tmp/canvasbench-recovered, and planted <run_id>.txt links.
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir(mode=0o1777)
    planted = shared_tmp / "canvasbench-recovered"
    planted.mkdir(mode=0o777)
    (planted / f"{RUN_ID}.txt").symlink_to(victim)
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "blocked" / "x"))
    (tmp_path / "blocked").write_text("")  # no ~/.local/state either: only a temp folder is left
    unusable_recovery_dir(tmp_path, monkeypatch)

    where = write_recovery_file(RUN_ID, "<html>model output</html>", "")

    assert victim.read_text() == "precious\n"
    assert where is not None and where.read_text() == "<html>model output</html>"
    assert where.parent != planted and mode(where) == 0o600 and mode(where.parent) == 0o700
    assert where.parent.lstat().st_uid == os.geteuid()


def test_a_link_planted_in_the_recovery_folder_is_left_alone_and_another_name_used(
    tmp_path: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "recovered"
    folder.mkdir(mode=0o700)
    (folder / f"{RUN_ID}.txt").symlink_to(victim)
    monkeypatch.setenv("CANVASBENCH_RECOVERY_DIR", str(folder))

    where = write_recovery_file(RUN_ID, "answer", "thoughts")

    assert victim.read_text() == "precious\n"
    assert where == folder / f"{RUN_ID}-2.txt"
    assert where.read_text() == "answer\n\n<!-- reasoning -->\nthoughts" and mode(where) == 0o600


def test_an_earlier_recovery_file_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANVASBENCH_RECOVERY_DIR", str(tmp_path / "recovered"))
    first = write_recovery_file(RUN_ID, "first", "")
    second = write_recovery_file(RUN_ID, "second", "")
    assert first is not None and second is not None and first != second
    assert (first.read_text(), second.read_text()) == ("first", "second")
    assert mode(tmp_path / "recovered") == 0o700


@pytest.mark.parametrize("danger", ["another user's", "world-writable", "group-writable", "a link"])
def test_a_recovery_folder_others_control_is_refused_for_the_users_own(
    tmp_path: Path, per_user: Path, monkeypatch: pytest.MonkeyPatch, danger: str
) -> None:
    folder = tmp_path / "recovered"
    if danger == "a link":
        target = tmp_path / "elsewhere"
        target.mkdir(mode=0o700)
        folder.symlink_to(target)
    else:
        folder.mkdir(mode=0o700)
    if danger == "another user's":
        if os.geteuid() != 0:
            pytest.skip("giving a folder to another user needs root")
        folder.chmod(0o755)
        os.chown(folder, pwd.getpwnam("nobody").pw_uid, -1)
    elif danger == "world-writable":
        folder.chmod(0o777)
    elif danger == "group-writable":
        folder.chmod(0o770)
    monkeypatch.setenv("CANVASBENCH_RECOVERY_DIR", str(folder))

    where = write_recovery_file(RUN_ID, "answer", "")

    assert where is not None and where.parent == per_user / "canvasbench-recovered"
    assert where.read_text() == "answer" and mode(where) == 0o600 and mode(where.parent) == 0o700
    assert not list(folder.iterdir())


def test_a_new_database_and_its_wal_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "bench.db"
    store = RunStore(path)
    writes.create_comparison(store, prompt=PROMPT, model_ids=["openai:a"])
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    store.close()


def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    RunStore(path).close()
    path.chmod(0o640)
    RunStore(path).close()
    assert mode(path) == 0o640
