"""Gemini batch jobs past the inline limit go as an uploaded JSONL file, and results that come as a file are read."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from google import genai
from google.genai import types

from canvasbench.cli import main
from canvasbench.providers.base import GenerationRequest, ImagePart, Turn
from canvasbench.providers.batch.gemini_batch import GeminiBatches
from canvasbench.render import RenderEngine
from canvasbench.run.prompt_suite import load_suite
from tests import test_batch_repairs as repairs
from tests.fakes import FakeServer, fixtures
from tests.fakes.conversation import received_turns

fake_server = fixtures.fake_server
fake_env = fixtures.fake_env
engine = repairs.engine  # one browser for the module, only when a test here needs it
needs_chromium = repairs.needs_chromium

INLINE_LIMIT_ENV = "CANVASBENCH_GEMINI_BATCH_INLINE_BYTES"  # gemini_batch.INLINE_LIMIT_ENV
PROMPTS = [p.id for p in load_suite()[:2]]
PRICES = (
    '[models."fake"]\ninput_per_m = 1.0\noutput_per_m = 10.0\nbatch_factor = 0.5\n'
    'as_of = "2026-12"\nsource = "t"\n'
)


@pytest.fixture
def file_env(fake_env: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeServer:
    """The fakes, with Gemini's inline limit lowered below two prompts' requests (the real one is 20 MB)."""
    monkeypatch.setenv(INLINE_LIMIT_ENV, "1000")
    (tmp_path / "prices.toml").write_text(PRICES)  # the conftest's price file: the fake model, batch at half
    return fake_env


def cli(*args: str, db: Path) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(db)])


def sweep(db: Path, *models: str) -> Result:
    chosen = [a for pid in PROMPTS for a in ("--prompt-id", pid)]
    return cli("sweep", "--batch", *[a for m in models for a in ("--model", m)], *chosen, db=db)


def rows(db: Path) -> list[dict[str, object]]:
    """Every run as the export shows it (what users read)."""
    result = CliRunner().invoke(main, ["export", "--format", "json", "--output", "-", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def by_model(db: Path) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for row in rows(db):
        out.setdefault(f"{row['provider']}:{row['model']}", []).append(row)
    return out


def test_a_sweep_past_the_inline_limit_goes_as_an_uploaded_file_and_every_run_gets_its_result(
    file_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    assert sweep(db, "gemini:fake", "gemini:fake;batch=error_first").exit_code == 0
    starts = [r for r in file_env.requests if r.path == "/upload/v1beta/files"]
    assert len(starts) == 2, "each job's requests were uploaded through google-genai's resumable upload"
    assert all(r.headers["x-goog-upload-protocol"] == "resumable" for r in starts)
    assert all(r.headers["x-goog-upload-header-content-type"] == "application/jsonl" for r in starts)
    created = [r for r in file_env.requests if r.path.endswith(":batchGenerateContent")]
    sources = [r.body["batch"]["inputConfig"] for r in created]
    assert len(sources) == 2 and all(set(s) == {"fileName"} for s in sources), "jobs made from the file, not inline"
    uploaded = [json.loads(line) for s in sources for line in file_env.batches.files[s["fileName"]].splitlines()]
    run_ids = {str(r["run_id"]) for r in rows(db)}
    assert {u["key"] for u in uploaded} == run_ids  # one line per run, keyed by its custom id
    assert all(u["request"]["contents"][0]["parts"][0]["text"] for u in uploaded)

    collected = cli("batches", "--wait", "--no-check", db=db)
    assert collected.exit_code == 0, collected.output
    got = by_model(db)
    for row in got["gemini:fake"]:
        assert row["status"] == "done" and row["mode"] == "batch" and row["lines"] and row["output_tokens"]
        full = (row["input_tokens"] * 1.0 + (row["output_tokens"] + (row["thinking_tokens"] or 0)) * 10.0) / 1e6  # type: ignore[operator]
        assert row["cost_usd"] == pytest.approx(full / 2)  # the batch price
    mixed = sorted(got["gemini:fake;batch=error_first"], key=lambda r: str(r["status"]))
    assert [r["status"] for r in mixed] == ["done", "failed"]  # the request's own error fails only its run
    assert "Internal error" in str(mixed[1]["error"]) and mixed[0]["lines"]
    assert cli("batches", "--wait", db=db).exit_code == 0 and len(rows(db)) == 4  # read again: nothing doubled


def test_a_broken_line_in_the_results_file_fails_only_its_run(file_env: FakeServer, tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    assert sweep(db, "gemini:fake;batch=broken_first").exit_code == 0
    collected = cli("batches", "--wait", "--no-check", db=db)
    assert collected.exit_code == 0, collected.output
    got = sorted(rows(db), key=lambda r: str(r["status"]))
    assert [r["status"] for r in got] == ["done", "failed"]
    assert got[0]["lines"] and got[0]["output_tokens"]
    assert "unreadable line" in str(got[1]["error"]) and "Traceback" not in str(got[1]["error"])


def test_an_ingest_cut_off_while_downloading_a_results_file_loses_nothing_and_doubles_nothing(
    file_env: FakeServer, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    # Jobs are read newest first: the cut one (submitted first) is read after the whole one.
    assert sweep(db, "gemini:fake;batch=cut_results", "gemini:fake").exit_code == 0
    first = cli("batches", "--no-check", db=db)
    assert first.exit_code == 1  # the download broke part way: said in one line, not hidden, no traceback
    assert "could not be downloaded" in first.stderr and "Run 'canvasbench batches' again" in first.stderr
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT id, updated_at FROM runs WHERE status != 'queued'").fetchall())
        left = [r[0] for r in conn.execute("SELECT status FROM runs WHERE status = 'queued'")]
    assert len(stored) == 2 and len(left) == 2  # the whole job's results kept; the cut job's runs still wait

    again = cli("batches", "--no-check", db=db)
    assert again.exit_code == 0, again.output
    once_more = cli("batches", "--no-check", db=db)
    assert once_more.exit_code == 0, once_more.output
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("SELECT id, updated_at FROM runs").fetchall())
        statuses = [r[0] for r in conn.execute("SELECT status FROM runs")]
    assert statuses == ["done"] * 4
    assert all(after[run_id] == stamp for run_id, stamp in stored.items())  # not written a second time
    downloads = sorted(sum(r.path == d.path for r in file_env.requests) for d in file_env.requests
                       if d.path.endswith(":download?alt=media"))  # fmt: skip
    assert sorted(set(downloads)) == [1, 2]  # the cut file again, the whole one once: a stored job is not read again


def _camel(value: object) -> object:
    """Keys in camelCase (google-genai sends some nested keys inline in snake_case; the API reads both)."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def test_a_follow_up_with_screenshots_goes_into_the_file_as_it_would_go_inline(fake_env: FakeServer) -> None:
    screenshot = bytes(range(256)) * 64  # every byte value: base64 mistakes show
    request = GenerationRequest(
        model="fake", prompt="It threw an error; fix it.", images=(ImagePart(screenshot),), max_output_tokens=1234,
        temperature=0.5, thinking="high", history=(Turn("user", "Make a page."), Turn("model", "```html\n<p>\n```")),
    )  # fmt: skip
    as_file = GeminiBatches(inline_limit=1).submit([("run-1", request)], "follow-up")
    inline = GeminiBatches().submit([("run-1", request)], "follow-up")
    assert any(r.path == "/upload/v1beta/files" for r in fake_env.requests)
    sent_as_file = fake_env.batches.jobs[as_file].requests[0]
    assert sent_as_file[0] == "run-1"
    assert _camel(sent_as_file[2]) == _camel(fake_env.batches.jobs[inline].requests[0][2])
    source = next(r.body["batch"]["inputConfig"]["fileName"] for r in fake_env.requests if r.path.endswith("Content"))
    with genai.Client(api_key="k", http_options=types.HttpOptions(base_url=fake_env.base_url)) as client:
        uploaded = client.files.get(name=source)  # the file resource, as the Files API describes it
    assert uploaded.mime_type == "application/jsonl" and uploaded.display_name == "follow-up"
    assert uploaded.size_bytes == len(fake_env.batches.files[source])
    turns = received_turns("gemini", sent_as_file[2])
    assert [t.role for t in turns] == ["user", "model", "user"]
    assert turns[-1].images == [("image/png", screenshot)]


@needs_chromium
def test_a_repair_round_with_its_screenshots_goes_as_a_file_and_its_page_lands(
    file_env: FakeServer, engine: RenderEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(INLINE_LIMIT_ENV, "1")  # every job as a file: the follow-up carries answer and screenshots
    db = tmp_path / "bench.db"
    repairs.sweep(db, f"gemini:{repairs.FIXES}", repair=1)
    repairs.collect(db, engine)
    sources = [r.body["batch"]["inputConfig"] for r in file_env.requests if r.path.endswith(":batchGenerateContent")]
    assert len(sources) == 2 and all(set(s) == {"fileName"} for s in sources)  # round 0, then the follow-up
    follow_up = received_turns("gemini", json.loads(file_env.batches.files[sources[1]["fileName"]])["request"])
    assert [t.role for t in follow_up] == ["user", "model", "user"]
    assert follow_up[-1].images and all(png.startswith(repairs.PNG_MAGIC) for _, png in follow_up[-1].images)
    first, second = repairs.rows_by_model(db)[f"gemini:{repairs.FIXES}"]
    assert (first["render_verdict"], second["render_verdict"]) == ("crashed", "renders")
    assert second["status"] == "done" and second["output_tokens"]
