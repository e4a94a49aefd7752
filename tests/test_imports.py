"""`canvasbench import`: generations from llm's own log, promptfoo's own results and folders land once, marked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.store import RunStore
from tests.fakes import FakeServer, fixtures

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env

PAGE = "<!DOCTYPE html><html><body><canvas id=c></canvas><script>c.getContext('2d').fillRect(0,0,50,50)</script>"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="9"/></svg>'


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def export(db: Path) -> list[dict[str, object]]:
    result = cli("export", "--format", "json", "--output", "-", "--db", str(db))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


# --- llm's own log ------------------------------------------------------------------------------------


@pytest.fixture
def llm_log(fake_env: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A logs.db written by llm itself: two models asked one prompt, one asked another, then a follow-up turn.

    Through llm's Python API, as its CLI does it (migrate, prompt, log_to_db): five CLI starts took a minute
    on a loaded machine.
    """
    import llm
    from llm.migrations import migrate
    from sqlite_utils import Database

    home = tmp_path / "llm-home"
    home.mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(home))
    # llm's documented way to use an OpenAI-compatible server: extra-openai-models.yaml, a key by name.
    models = [
        f'- model_id: {name}\n  model_name: "{wire}"\n  api_base: "{fake_env.base_url}/v1"\n  api_key_name: fake\n'
        for name, wire in (("fake-long", "fake;text=long;lines=60"), ("fake-short", "fake"))
    ]
    (home / "extra-openai-models.yaml").write_text("".join(models))
    (home / "keys.json").write_text(json.dumps({"fake": "sk-fake-llm-key-0000"}))
    path = home / "logs.db"
    db = Database(path)
    migrate(db)
    for model, prompt in (("fake-long", ORRERY), ("fake-short", ORRERY)):
        response = llm.get_model(model).prompt(prompt)
        response.text()
        response.log_to_db(db)
    conversation = llm.get_model("fake-short").conversation()
    for prompt in ("Write a drum machine page", "Now make the pads light up"):  # the second is a follow-up
        response = conversation.prompt(prompt)
        response.text()
        response.log_to_db(db)
    db.close()
    return path


ORRERY = "Write an orrery in one HTML file"


def test_llm_log_lands_once_grouped_by_prompt_checked_and_exported_with_its_origin(
    llm_log: Path, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    result = cli("import", "--from-llm", str(llm_log), "--db", str(db))
    assert result.exit_code == 0, result.stderr
    assert "Imported 3 run(s) into 2 comparison(s) from llm" in result.stdout
    comparisons = rows(db, "SELECT c.prompt_text, group_concat(r.model_id, ' ') FROM comparisons c "
                           "JOIN (SELECT * FROM runs ORDER BY model_id) r ON r.comparison_id = c.id "
                           "GROUP BY c.id ORDER BY c.prompt_text")  # fmt: skip
    assert comparisons == [
        ("Write a drum machine page", "llm:fake-short"),
        ("Write an orrery in one HTML file", "llm:fake-long llm:fake-short"),
    ]
    # Checked like any run; measured from the page; tokens and duration as llm logged them, no stream timings.
    assert [v for (v,) in rows(db, "SELECT verdict FROM render_checks")] == ["renders"] * 3
    exported = export(db)
    assert {r["origin"] for r in exported} == {"llm"}
    long_run = next(r for r in exported if r["model"] == "fake-long")
    assert long_run["lines"] >= 60 and long_run["status"] == "done"
    assert long_run["output_tokens"] and long_run["input_tokens"] and long_run["latency_s"] is not None
    assert long_run["ttft_s"] is None and long_run["tokens_per_s"] is None
    assert long_run["cost_usd"] is None  # no price for a model we cannot name: unknown, not $0

    again = cli("import", "--from-llm", str(llm_log), "--no-check", "--db", str(db))
    assert again.exit_code == 0 and "Imported 0 run(s)" in again.stdout and "3 already imported" in again.stdout
    assert len(export(db)) == 3
    assert "sk-fake-llm-key" not in db.read_bytes().decode("latin-1")


# --- a folder of pages ---------------------------------------------------------------------------------


def test_a_folder_in_both_layouts_lands_once_with_its_prompts(tmp_path: Path) -> None:
    flat = tmp_path / "battle"
    flat.mkdir()
    (flat / "prompt.txt").write_text("Draw a red square on a canvas.")
    (flat / "gpt-5.2.html").write_text(PAGE)
    (flat / "claude-opus-4-6.html").write_text(PAGE.replace("50,50", "60,60"))
    nested = tmp_path / "suite"
    for model in ("gemini-3-flash-preview", "my-local-model"):
        (nested / model).mkdir(parents=True)
        (nested / model / "square.html").write_text(PAGE)
        (nested / model / "dot.svg").write_text(SVG)
    (nested / "dot.txt").write_text("Draw a dot as SVG.")
    db = tmp_path / "bench.db"

    first = cli("import", "--from-dir", str(flat), "--no-check", "--db", str(db))
    assert first.exit_code == 0, first.stderr
    second = cli("import", "--from-dir", str(nested), "--no-check", "--db", str(db))
    assert second.exit_code == 0 and "Imported 4 run(s) into 2 comparison(s)" in second.stdout, second.output
    got = rows(db, "SELECT c.prompt_text, group_concat(r.model_id, ' ') FROM comparisons c "
                   "JOIN (SELECT * FROM runs ORDER BY model_id) r ON r.comparison_id = c.id "
                   "GROUP BY c.id ORDER BY c.prompt_text")  # fmt: skip
    assert got == [
        ("(prompt not saved; pages named square)", "folder:my-local-model gemini:gemini-3-flash-preview"),
        ("Draw a dot as SVG.", "folder:my-local-model gemini:gemini-3-flash-preview"),
        ("Draw a red square on a canvas.", "anthropic:claude-opus-4-6 openai:gpt-5.2"),
    ]
    kinds = {(m, k) for m, k in rows(db, "SELECT model_id, artifact_kind FROM runs")}
    assert ("folder:my-local-model", "svg") in kinds and ("openai:gpt-5.2", "html") in kinds
    assert {r["origin"] for r in export(db)} == {"folder"}

    (flat / "gemini-3-pro-preview.html").write_text(PAGE)  # a newcomer joins the folder's comparison
    third = cli("import", "--from-dir", str(flat), "--no-check", "--db", str(db))
    assert "Imported 1 run(s) into 1 comparison(s)" in third.stdout and "2 already imported" in third.stdout
    assert len(rows(db, "SELECT id FROM comparisons")) == 3


# --- bad input -------------------------------------------------------------------------------------------


def test_bad_sources_get_one_message_and_leave_the_database_alone(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "m.html").write_text(PAGE)
    assert cli("import", "--from-dir", str(folder), "--no-check", "--db", str(db)).exit_code == 0
    before = db.read_bytes() if not Path(f"{db}-wal").exists() else None
    count = len(rows(db, "SELECT id FROM runs"))

    not_sqlite = tmp_path / "logs.db"
    not_sqlite.write_text("hello")
    other_sqlite = tmp_path / "other.db"
    RunStore(other_sqlite).close()  # SQLite, but not llm's
    empty = tmp_path / "empty"
    empty.mkdir()
    newer = tmp_path / "newer-llm.db"  # an llm log whose turns lack a column this import reads
    with sqlite3.connect(newer) as conn:
        conn.executescript(
            "CREATE TABLE _llm_migrations (name TEXT PRIMARY KEY, applied_at TEXT);"
            "CREATE TABLE turns (id TEXT, thread_id TEXT); CREATE TABLE messages (hash TEXT, role TEXT);"
            "CREATE TABLE parts (message_hash TEXT, text TEXT);"
        )
    cases = {
        ("--from-llm", str(newer)): "newer than the llm 0.36",
        ("--from-llm", str(not_sqlite)): "is not a SQLite database",
        ("--from-llm", str(other_sqlite)): "not llm's log",
        ("--from-llm", str(tmp_path / "missing.db")): "No llm log at",
        ("--from-dir", str(empty)): "No pages in",
        ("--from-dir", str(not_sqlite)): "is not a folder",
    }
    for args, words in cases.items():
        result = cli("import", *args, "--db", str(db))
        assert result.exit_code == 2, (args, result.output)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.output, (args, result.stderr)
    both = cli("import", "--from-dir", str(folder), "--from-llm", str(not_sqlite), "--db", str(db))
    assert both.exit_code == 2 and "exactly one of" in both.stderr
    assert len(rows(db, "SELECT id FROM runs")) == count
    if before is not None:
        assert db.read_bytes() == before


# --- promptfoo's own results ------------------------------------------------------------------------------

PROMPTFOO = Path(__file__).parent / "imports" / "promptfoo"


def test_promptfoo_results_land_as_one_comparison_per_test_case_with_the_providers_error_kept(tmp_path: Path) -> None:
    # results.json was written by `promptfoo eval` itself (VERSION, make_results.sh) against the fake server.
    db = tmp_path / "bench.db"
    result = cli("import", "--from-promptfoo", str(PROMPTFOO / "results.json"), "--no-check", "--db", str(db))
    assert result.exit_code == 0, result.stderr
    assert "Imported 6 run(s) into 2 comparison(s) from promptfoo" in result.stdout
    got = rows(db, "SELECT c.title, c.prompt_text, group_concat(r.model_id || '=' || r.status, ' ') FROM comparisons c "
                   "JOIN (SELECT * FROM runs ORDER BY model_id) r ON r.comparison_id = c.id "
                   "GROUP BY c.id ORDER BY c.title")  # fmt: skip
    assert got == [
        ("Drum machine", "Write a drum machine as one self-contained HTML file.",
         "openai:fake=done promptfoo:broken=failed promptfoo:fake-long=done"),
        ("Orrery", "Write an orrery as one self-contained HTML file.",
         "openai:fake=done promptfoo:broken=failed promptfoo:fake-long=done"),
    ]  # fmt: skip
    exported = {(r["prompt_title"], r["model"]): r for r in export(db)}
    broken = exported[("Orrery", "broken")]
    assert "500 Internal Server Error" in str(broken["error"]) and broken["lines"] in (None, 0)
    long_run = exported[("Orrery", "fake-long")]
    assert long_run["origin"] == "promptfoo" and long_run["lines"] >= 50
    assert (long_run["input_tokens"], long_run["output_tokens"]) == (20, 431)  # as promptfoo counted them
    assert long_run["ttft_s"] is None and long_run["latency_s"] is not None

    again = cli("import", "--from-promptfoo", str(PROMPTFOO / "results.json"), "--no-check", "--db", str(db))
    assert "Imported 0 run(s)" in again.stdout and "6 already imported" in again.stdout


def test_promptfoo_files_that_are_not_current_results_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    data = json.loads((PROMPTFOO / "results.json").read_text())
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**data, "results": {**data["results"], "version": 4}}))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    for path, words in ((newer, "newer promptfoo"), (other, "not promptfoo results"), (broken, "is not JSON")):
        result = cli("import", "--from-promptfoo", str(path), "--db", str(db))
        assert result.exit_code == 2 and words in result.stderr, result.output
    assert not db.exists() or rows(db, "SELECT count(*) FROM runs") == [(0,)]
