"""API keys never reach stdout, stderr, logs or the database, whatever an SDK puts in its errors."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from canvasbench.redact import install, redact
from canvasbench.run.writer import RunWriter
from canvasbench.sandbox.document import sandbox_document
from canvasbench.store import RunStore, reads, writes
from tests.fakes import FakeServer, fixtures
from tests.fakes.echoes import echo_text, key_echoes
from tests.key_leaks import key_spellings_in, key_spellings_in_files

PROJECT = Path(__file__).resolve().parent.parent
CLI = "from canvasbench.cli import main; main()"
KEY = "sk-live-CANVASBENCH-test-0123456789abcdefXYZ"
# Characters that base64 turns into + and /, that percent-encoding and some JSON encoders escape.
ECHO_KEY = "sk-proj-Zx9?Qm~7>kL_2b+9Yt/0aP3vW8rN"
PROVIDERS = ("gemini", "openai", "anthropic")

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env


def test_a_key_echoed_in_a_malformed_200_response_reaches_no_output_and_no_database(
    fake_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "secrets.db"
    env = {**os.environ, **fake_env.env(key=KEY), "CANVASBENCH_DB": str(db)}
    models = [a for p in ("gemini", "openai", "anthropic") for a in ("--model", f"{p}:fake;fault=leak:3")]
    result = subprocess.run(
        [sys.executable, "-c", CLI, "run", "--prompt", "x", "--no-check", *models],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "gemini:fake;fault=leak:3" in result.stdout  # the runs ran and were summarised
    # Gemini's SDK raises a validation error that quotes the bad field, the key, in full.
    assert "ValidationError" in result.stderr and "***" in result.stderr
    assert KEY not in result.stdout and KEY not in result.stderr
    files = [p for p in tmp_path.iterdir() if p.name.startswith("secrets.db")]
    assert files and all(KEY.encode() not in p.read_bytes() for p in files)
    assert len(fake_env.requests) == 3 and all(r.key == KEY for r in fake_env.requests)  # the key was sent


def test_log_records_and_their_tracebacks_are_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    install()
    logger = logging.getLogger("canvasbench.test-secrets")
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"the SDK said: bad key {KEY}")
        except RuntimeError:
            logger.exception("call with %s failed", KEY)
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert "RuntimeError: the SDK said: bad key ***" in err and "call with *** failed" in err
    assert KEY not in err
    assert redact(f"x{KEY}y") == "x***y"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600
    )


def _rows(db: Path, sql: str) -> list[dict[str, object]]:
    store = RunStore(db)
    try:
        return [dict(r) for r in store.db.query(sql)]
    finally:
        store.close()


def test_a_key_echoed_in_any_spelling_reaches_no_output_database_export_or_preview(
    fake_env: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "echo.db"
    env = {**os.environ, **fake_env.env(key=ECHO_KEY), "CANVASBENCH_DB": str(db)}
    for name, value in fake_env.env(key=ECHO_KEY).items():
        monkeypatch.setenv(name, value)  # this process builds the previews: it knows the keys as the dashboard does
    # 200 answers with every spelling in the prose, the code and the thinking, streamed over ~2 s in pieces
    # small enough that each spelling is split across chunks (and checkpoints); error bodies with one each.
    answers = [f"{p}:fake;echo=all;thinking=2;chunks=400;interval_ms=5" for p in PROVIDERS]
    errors = [f"{p}:fake;fault=400;echo={form}" for p in PROVIDERS for form in key_echoes(ECHO_KEY)]
    in_stream = [f"{p}:fake;fault=error:3;echo=all" for p in PROVIDERS]
    models = [arg for m in answers + errors + in_stream for arg in ("--model", m)]
    run = _cli(env, "run", "--prompt", "Draw a cube.", "--no-check", *models)
    assert "gemini:fake;echo=all" in run.stdout, run.stderr  # the runs ran and were summarised
    assert all(r.key == ECHO_KEY for r in fake_env.requests)  # the key really was sent (and echoed)

    runs = {str(r["model_id"]): r for r in _rows(db, "select * from runs")}
    for model in answers:  # the echoes arrived and were masked, in every column a run stores its text in
        for column in ("response", "reasoning", "artifact"):
            assert str(runs[model][column]).count("***") >= len(key_echoes(ECHO_KEY)), (model, column)
    for model in errors + in_stream:
        assert runs[model]["status"] == "failed" and "***" in str(runs[model]["error"]), runs[model]["error"]

    exports = []
    for fmt in ("csv", "json", "jsonl"):
        out = tmp_path / f"runs.{fmt}"
        assert _cli(env, "export", "--output", str(out)).returncode == 0
        exports.append(out)
    previews = [
        sandbox_document(str(r["artifact"]), str(r["artifact_kind"])) for r in runs.values() if r["artifact"]
    ]
    assert len(previews) == len(answers)

    assert key_spellings_in(run.stdout + run.stderr, ECHO_KEY) == []
    assert key_spellings_in_files([p for p in tmp_path.iterdir() if p.name.startswith("echo.db")], ECHO_KEY) == {}
    assert key_spellings_in_files(exports, ECHO_KEY) == {}
    assert [key_spellings_in(doc, ECHO_KEY) for doc in previews] == [[]] * len(previews)


def test_a_key_split_across_checkpoints_is_never_stored_even_in_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", ECHO_KEY)
    store = RunStore(tmp_path / "stream.db")
    prompt = {"id": "p-1", "title": "Echo", "category": "canvas", "kind": "html", "text": "Draw."}
    _comparison, (run_id,) = writes.create_comparison(store, prompt=prompt, model_ids=["anthropic:echo"])
    writer = RunWriter(store)
    writer.update(run_id, {"status": "running"})
    text = "<p>start</p>\n" + echo_text(ECHO_KEY, "all") + "\n<p>end</p>\n"
    thinking = "Thinking about " + echo_text(ECHO_KEY, "all")
    seen: list[list[str]] = []
    for cut in range(1, len(text) + 1, 5):  # every fifth character: each spelling is cut in many places
        writer.checkpoint(run_id, {"status": "running", "response": text[:cut], "reasoning": thinking[: cut // 2]})
        assert writer.flush(timeout=30)
        stored = reads.get_run(store, run_id)
        seen.append(key_spellings_in(f"{stored['response']}\n{stored['reasoning']}", ECHO_KEY))
    assert seen == [[]] * len(seen)
    assert reads.get_run(store, run_id)["response"].startswith("<p>start</p>\n[plain: ***] [reversed: ***]")
    writer.close()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("stream.db")]
    assert key_spellings_in_files(files, ECHO_KEY) == {}


def test_rows_stored_before_masking_are_masked_in_exports_and_previews(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ECHO_KEY)
    db = tmp_path / "old.db"
    store = RunStore(db)
    prompt = {"id": "p-1", "title": "Old", "category": "canvas", "kind": "html", "text": "Draw."}
    _comparison, (run_id,) = writes.create_comparison(store, prompt=prompt, model_ids=["openai:old"])
    echoed = echo_text(ECHO_KEY, "all")
    writes.update_run(store, run_id, status="failed", error=f"gateway said {echoed}", artifact=f"<p>{echoed}</p>")
    store.close()
    out = tmp_path / "old.csv"
    result = _cli({**os.environ, "CANVASBENCH_DB": str(db), "OPENAI_API_KEY": ECHO_KEY}, "export", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "gateway said [plain: ***]" in out.read_text()
    assert key_spellings_in_files([out], ECHO_KEY) == {}
    assert key_spellings_in(sandbox_document(f"<p>{echoed}</p>", "html"), ECHO_KEY) == []


def test_a_key_typed_into_a_prompt_is_kept_as_written_with_a_warning(fake_env: FakeServer, tmp_path: Path) -> None:
    db = tmp_path / "prompt.db"
    env = {**os.environ, **fake_env.env(key=ECHO_KEY), "CANVASBENCH_DB": str(db)}
    prompt = f"Draw a login form prefilled with {ECHO_KEY}."
    result = _cli(env, "run", "--prompt", prompt, "--no-check", "--model", "openai:fake;text=tiny")
    assert result.returncode == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "this prompt contains the API key" in line]
    assert "OPENAI_API_KEY" in warning and "stored with the prompt" in warning
    assert [r["text"] for r in _rows(db, "select text from prompts")] == [prompt]
    assert key_spellings_in(result.stdout, ECHO_KEY) == []


def test_the_new_comparison_page_warns_about_a_key_in_the_prompt(
    fake_env: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ANTHROPIC_API_KEY", ECHO_KEY)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/new_comparison_page.py").run()
    at.selectbox(key="new.source").set_value("own").run()
    assert not at.warning
    at.text_area(key="new.own_text").input(f"Use the key {ECHO_KEY} to call the API.").run()
    warnings = [str(w.value) for w in at.warning]
    assert any("ANTHROPIC\\_API\\_KEY" in w or "ANTHROPIC_API_KEY" in w for w in warnings), warnings


def test_every_spelling_of_a_key_is_masked_in_log_lines_even_quoted_by_repr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ECHO_KEY)
    install()
    logger = logging.getLogger("canvasbench.test-secrets-spellings")
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    monkeypatch.setattr(logger, "propagate", False)  # only our handler: another module's may also print to stderr
    try:
        for form, value in key_echoes(ECHO_KEY).items():
            # As an SDK logs the parsed error body: repr() doubles the backslash of every JSON escape.
            logger.error("%s: Error code: 400 - %r", form, {"error": {"message": f"bad key {value}"}})
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert err.count("bad key ") == len(key_echoes(ECHO_KEY))
    assert key_spellings_in(err, ECHO_KEY) == []


def test_masking_a_key_loads_no_provider() -> None:
    # redact sits below the providers: the registry hands it the key variables, it never imports the registry.
    code = (
        "import sys\n"
        "from canvasbench.redact import redact\n"
        "print(redact('key=secret-value-1234 end'), 'canvasbench.providers.registry' in sys.modules)\n"
        "from canvasbench.providers.registry import register_provider\n"
        "register_provider('mine', object, key_env_vars=('MINE_SECRET',))\n"
        "print(redact('my key my-provider-key-99'))\n"
    )
    env = {**os.environ, "GEMINI_API_KEY": "secret-value-1234", "MINE_SECRET": "my-provider-key-99"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.splitlines() == ["key=*** end False", "my key ***"]
