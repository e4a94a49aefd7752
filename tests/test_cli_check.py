"""`canvasbench check` and `canvasbench mirror` as a user runs them (real chromium for the checks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.render import RenderCheck, save_check
from canvasbench.render.processes import chromium_path
from canvasbench.sandbox.mirror import MIRROR_PACKAGES
from canvasbench.store import RunStore, writes
from canvasbench.store.reads import latest_check

PAGES = Path(__file__).parent / "render_pages"
needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")


def stored_run(store: RunStore, code: str | None, kind: str) -> str:
    prompt = {"id": "p1", "title": "t", "category": "svg", "kind": kind, "text": "draw"}
    _, (run_id,) = writes.create_comparison(store, prompt=prompt, model_ids=["fake:fake"])
    writes.update_run(store, run_id, status="done", artifact=code, artifact_kind=kind if code else "none")
    return run_id


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_and_mirror_commands_have_help() -> None:
    code, out, _ = invoke("--help")
    assert "check" in out and "mirror" in out
    code, out, _ = invoke("check", "--help")
    assert code == 0 and "--all-unchecked" in out and "--json" in out and "headless Chromium" in out
    code, out, _ = invoke("mirror", "build", "--help")
    assert code == 0 and "npm pack" in out


def test_check_without_run_ids_explains_what_to_give() -> None:
    code, _, err = invoke("check")
    assert code == 2
    assert "--all-unchecked" in err
    assert "Traceback" not in err


def test_unknown_run_id_exits_2_naming_it_and_checks_nothing() -> None:
    store = RunStore()
    known = stored_run(store, (PAGES / "dashboard.svg").read_text(), "svg")
    code, _, err = invoke("check", known, "NO-SUCH-RUN")
    assert code == 2
    assert "NO-SUCH-RUN" in err
    assert latest_check(store, known) is None


@needs_chromium
def test_check_json_prints_verdict_and_evidence_and_saves_it() -> None:
    store = RunStore()
    run_id = stored_run(store, (PAGES / "dashboard.svg").read_text(), "svg")
    code, out, _ = invoke("check", run_id, "--json", "--watch", "1")
    assert code == 0
    results = json.loads(out)
    assert isinstance(results, list) and len(results) == 1
    assert results[0]["run_id"] == run_id
    assert results[0]["model_id"] == "fake:fake"
    assert results[0]["verdict"] == "renders"
    assert "SVG" in results[0]["evidence"]
    assert results[0]["has_screenshot"] is True
    row = latest_check(store, run_id)
    assert row is not None and row["verdict"] == "renders"


@needs_chromium
def test_all_unchecked_checks_only_runs_without_a_check() -> None:
    store = RunStore()
    already = stored_run(store, (PAGES / "dashboard.svg").read_text(), "svg")
    save_check(store, already, RenderCheck(verdict="blank", evidence="checked earlier"))
    fresh = stored_run(store, (PAGES / "thrown_error.html").read_text(), "html")
    no_artifact = stored_run(store, None, "html")
    code, out, _ = invoke("check", "--all-unchecked", "--timeout", "20", "--watch", "1")
    assert code == 0, out
    assert fresh in out and "renders with errors" in out and "world.step is not a function" in out
    assert already not in out and no_artifact not in out
    row = latest_check(store, already)
    assert row is not None and row["evidence"] == "checked earlier"
    code, out, _ = invoke("check", "--all-unchecked")
    assert code == 0 and "has been checked" in out


@needs_chromium
def test_check_prints_what_the_player_did_and_the_library_versions_served() -> None:
    store = RunStore()
    run_id = stored_run(store, (PAGES / "three_umd.html").read_text(), "html")
    code, out, _ = invoke("check", run_id, "--timeout", "20", "--watch", "1")
    assert code == 0, out
    assert "played: " in out and "pressed Enter, Space, the arrow keys and WASD" in out
    assert "libraries: three@0.128.0" in out


def test_missing_chromium_is_one_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = RunStore()
    run_id = stored_run(store, (PAGES / "dashboard.svg").read_text(), "svg")
    monkeypatch.setenv("CANVASBENCH_CHROMIUM", str(tmp_path / "no-chromium"))
    code, _, err = invoke("check", run_id)
    assert code == 1
    assert "Chromium was not found" in err and "CANVASBENCH_CHROMIUM" in err
    assert "Traceback" not in err
    assert latest_check(store, run_id) is None


def test_mirror_status_lists_every_package() -> None:
    code, out, _ = invoke("mirror", "status")
    assert code == 0
    for name, version in MIRROR_PACKAGES:
        assert f"{name}@{version}" in out
