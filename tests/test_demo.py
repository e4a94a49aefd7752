"""The demo's stand-ins: they stream their showcase pages through the real Runner, only in the demo database."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from canvasbench.errors import UsageError
from canvasbench.providers.demo import MODEL_IDS, PACES, DemoProvider, answer_text, page_text
from canvasbench.providers.registry import ensure_ready, provider_names, register_provider
from canvasbench.run.demo_showcase import launch_showcase, showcase_prompt
from canvasbench.run.runner import Runner
from canvasbench.store import RunStore, reads, writes

ROOT = Path(__file__).resolve().parent.parent


class RecordedClock:
    """The stand-ins' clock in a test: notes every wait per model and lets the loop go on at once."""

    def __init__(self) -> None:
        self.waits: dict[str, list[float]] = defaultdict(list)

    async def __call__(self, model: str, seconds: float) -> None:
        self.waits[model].append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def demo_on(monkeypatch: pytest.MonkeyPatch, isolated_paths: Path) -> Path:
    """The demo as dev.py starts it: CANVASBENCH_DEMO=1 and the database is the demo database."""
    demo_db = isolated_paths / "demo.db"
    monkeypatch.setenv("CANVASBENCH_DEMO", "1")
    monkeypatch.setenv("CANVASBENCH_DB", str(demo_db))
    monkeypatch.setenv("CANVASBENCH_DEMO_DB", str(demo_db))
    return demo_db


@pytest.fixture
def clock() -> RecordedClock:
    recorded = RecordedClock()
    register_provider("demo", lambda: DemoProvider(recorded), key_env_vars=(), needs_key=False)
    yield recorded
    register_provider("demo", DemoProvider, key_env_vars=(), needs_key=False)


def test_the_showcase_streams_each_page_through_the_runner_at_its_own_pace(demo_on: Path, clock: RecordedClock) -> None:
    runner = Runner(demo_on)
    try:
        comparison_id = launch_showcase(runner)
        runner.wait(comparison_id, timeout=120)
    finally:
        runner.shutdown()
    runs = {r["model_id"]: r for r in reads.runs_of(RunStore(demo_on), comparison_id)}
    assert list(runs) == list(MODEL_IDS) and all("stand-in" in m for m in runs)
    for model_id, run in runs.items():
        model = model_id.split(":", 1)[1]
        assert run["status"] == "done", run.get("error")
        assert run["response"] == answer_text(model)  # every chunk, in order, nothing lost or doubled
        assert run["artifact"].strip() == page_text(model).strip()
    # Paces, from the stand-ins' own clock (never the wall's): more, smaller chunks and a longer stream each.
    simulated = {m: sum(clock.waits[m.split(":", 1)[1]]) for m in MODEL_IDS}
    swift, steady, deliberate = (simulated[m] for m in MODEL_IDS)
    assert swift < steady < deliberate
    waits = {m: len(clock.waits[m.split(":", 1)[1]]) for m in MODEL_IDS}
    text_chunks = {m: waits[m] - 1 - PACES[m.split(":", 1)[1]].thinking_chunks for m in MODEL_IDS}
    assert text_chunks[MODEL_IDS[0]] < text_chunks[MODEL_IDS[1]] < text_chunks[MODEL_IDS[2]]
    # Only the deliberate one thinks first, and its thinking is kept apart from the page.
    assert not runs[MODEL_IDS[0]]["reasoning"] and not runs[MODEL_IDS[1]]["reasoning"]
    assert "requestAnimationFrame" in runs[MODEL_IDS[2]]["reasoning"]
    assert runs[MODEL_IDS[2]]["thinking_tokens"] > 0
    # The export labels them: every row's model is a stand-in-..., its provider the demo's.
    from canvasbench.cli import main

    exported = CliRunner().invoke(main, ["export", "--format", "json", "--db", str(demo_on)])
    assert exported.exit_code == 0, exported.output
    rows = json.loads(exported.output)
    assert len(rows) == 3 and all(r["model"].startswith("stand-in-") and r["provider"] == "demo" for r in rows)


def test_stand_ins_are_refused_outside_the_demo_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Not started as the demo: every door says it is the demo's and how to start the demo.
    with pytest.raises(UsageError, match=r"stand-in of the demo.*dev.py dashboard --demo"):
        ensure_ready("demo:stand-in-swift")
    assert "demo" not in provider_names()
    # The demo flag set, but pointed at the real database: still refused, by the registry and by the store.
    monkeypatch.setenv("CANVASBENCH_DEMO", "1")
    with pytest.raises(UsageError, match="stand-in of the demo"):
        ensure_ready("demo:stand-in-swift")
    store = RunStore(tmp_path / "canvasbench.db")
    with pytest.raises(UsageError, match="stand-in of the demo"):
        writes.create_comparison(store, prompt=showcase_prompt(), model_ids=["demo:stand-in-swift"])
    runner = Runner(store)
    try:
        with pytest.raises(UsageError, match="stand-in of the demo"):
            launch_showcase(runner)
    finally:
        runner.shutdown()
    assert reads.gallery_page(store, reads.GalleryFilter(), limit=8, offset=0).total == 0


def test_the_cli_refuses_a_stand_in_outside_the_demo() -> None:
    from canvasbench.cli import main

    result = CliRunner().invoke(main, ["run", "--model", "demo:stand-in-steady", "--prompt", "a page"])
    assert result.exit_code != 0
    assert "stand-in of the demo" in result.output and "Traceback" not in result.output


def test_stand_in_runs_cannot_be_merged_out_of_the_demo_database(demo_on: Path, clock: RecordedClock,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    runner = Runner(demo_on)
    try:
        runner.wait(launch_showcase(runner), timeout=120)
    finally:
        runner.shutdown()
    monkeypatch.delenv("CANVASBENCH_DEMO")
    from canvasbench.cli import main

    real = tmp_path / "real.db"
    result = CliRunner().invoke(main, ["merge", str(demo_on), "--db", str(real)])
    assert result.exit_code != 0 and "stand-in" in result.output, result.output
    with sqlite3.connect(real) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def _dev() -> object:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_py_dashboard_demo_parses_and_sets_the_demo_environment() -> None:
    dev = _dev()
    args, extra = dev.parse(["dashboard", "--demo", "--server.port", "8600"])  # type: ignore[attr-defined]
    assert args.command == "dashboard" and args.demo and extra == ["--server.port", "8600"]
    env = dev.demo_environment({"CANVASBENCH_DB": "/somewhere/real.db"})  # type: ignore[attr-defined]
    assert env["CANVASBENCH_DEMO"] == "1"
    assert env["CANVASBENCH_DB"] == env["CANVASBENCH_DEMO_DB"] == str(ROOT / "storage" / "demo.db")
    plain, _ = dev.parse(["dashboard"])  # type: ignore[attr-defined]
    assert not plain.demo


def test_the_empty_gallery_shows_the_three_ways_to_fill_it() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(str(e.value) for kind in ("info", "markdown") for e in getattr(at, kind))
    code = "\n".join(str(e.value) for e in at.code)
    assert "Set a key and launch" in shown and "GEMINI_API_KEY" in shown
    assert "Import what you already have" in shown
    for flag in ("--from-llm", "--from-promptfoo", "--from-dir"):
        assert f"canvasbench import {flag}" in code
    assert "Start the demo" in shown and "python3 dev.py dashboard --demo" in code
    assert "stand-in" not in "\n".join(str(e.value) for e in at.warning)  # no demo banner outside the demo


def test_every_page_of_the_demo_says_its_models_are_stand_ins(demo_on: Path, clock: RecordedClock) -> None:
    from streamlit.testing.v1 import AppTest

    runner = Runner(demo_on)
    try:
        runner.wait(launch_showcase(runner), timeout=120)
    finally:
        runner.shutdown()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()  # the gallery
    pages = ("pages/arena_page.py", "pages/leaderboard_page.py", "pages/comparison_page.py", "pages/models_page.py",
             "pages/new_comparison_page.py", "pages/metrics_page.py")
    for page in (None, *pages):
        if page is not None:
            at.switch_page(page)
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("Demo database: stand-in models" in str(w.value) for w in at.warning), page
        if page == "pages/new_comparison_page.py":  # the stand-ins are there to pick, first
            assert list(at.multiselect[0].options[:3]) == list(MODEL_IDS)


def test_the_dashboards_start_up_launches_nothing_outside_the_demo(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    from ui import demo

    assert demo.launch_on_start() is None
    monkeypatch.setenv("CANVASBENCH_DEMO", "1")  # the flag alone, on the user's own database: still nothing
    assert demo.launch_on_start() is None
    store = RunStore(tmp_path / "canvasbench.db")
    assert reads.gallery_page(store, reads.GalleryFilter(), limit=8, offset=0).total == 0
