"""The runs export can carry each run's code: `--artifact` (CLI) and "Include the code" (metrics page)."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from streamlit.testing.v1 import AppTest

from canvasbench.cli import main
from canvasbench.store import RunStore
from canvasbench.store.reads import EXPORT_COLUMNS
from tests.browser_helpers import seed_comparison

APP = str(Path(__file__).resolve().parent.parent / "app.py")
KEY = "sk-proj-Zq8vTn3LmW5xRb7YcK2dHf9Gj4Ps6Ua1"
# Code that a CSV or JSON writer could get wrong: commas, quotes, newlines, a carriage return, non-ASCII.
TRICKY = '<!doctype html>\n<p title="a, b">"quoted", \'single\'\r\n</p>\n<script>const s = "é😀\\n";</script>\n'


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["export", *args])


def stored_artifacts(store: RunStore) -> dict[str, str | None]:
    return {r["id"]: r["artifact"] for r in store.db.query("SELECT id, artifact FROM runs")}


@pytest.fixture
def store() -> RunStore:
    store = RunStore()
    seed_comparison(store, models=("openai:gpt-5.2", "gemini:gemini-3-flash-preview"), artifacts=[("html", TRICKY)] * 2)
    seed_comparison(store, title="Second", statuses=["failed"], models=("anthropic:claude-opus-4-6",))
    with store.write():  # a run without code: its cell is empty, not missing
        store.db.execute("UPDATE runs SET artifact = NULL, artifact_kind = NULL WHERE model = 'claude-opus-4-6'")
    return store


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "parquet"])
def test_artifact_column_comes_last_and_equals_the_stored_code(store: RunStore, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"runs.{fmt}"
    result = cli("--artifact", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
        header, rows = table[0], [dict(zip(table[0], row, strict=True)) for row in table[1:]]
        empty: str | None = ""
    elif fmt == "json":
        rows = json.loads(out.read_text(encoding="utf-8"))
        header, empty = list(rows[0]), None
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        header, empty = list(rows[0]), None
    else:
        rows = pq.read_table(out).to_pylist()
        header, empty = pq.read_schema(out).names, None
    assert header == [*EXPORT_COLUMNS, "artifact"]
    expected = stored_artifacts(store)
    assert len(rows) == len(expected) == 3
    assert {row["run_id"]: row["artifact"] for row in rows} == {
        run_id: empty if code is None else code for run_id, code in expected.items()
    }
    assert TRICKY in {row["artifact"] for row in rows}


def test_without_the_flag_there_is_no_artifact_column(store: RunStore) -> None:
    result = cli("--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert all(list(json.loads(line)) == list(EXPORT_COLUMNS) for line in result.stdout.splitlines())
    assert TRICKY.splitlines()[1] not in result.stdout


def test_artifact_is_for_the_runs_table_only(store: RunStore) -> None:
    result = cli("--table", "votes", "--artifact")
    assert result.exit_code == 2 and "--artifact" in result.stderr and "runs table" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_in_stored_code_never_reaches_the_export(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with store.write():  # stored before keys were masked: written straight into the row
        store.db.execute(
            "UPDATE runs SET artifact = ? WHERE model = 'gpt-5.2'", [f"<script>fetch(x, '{KEY}')</script>"]
        )
    result = cli("--artifact")
    assert result.exit_code == 0, result.stderr
    assert KEY not in result.stdout and "***" in result.stdout


def test_the_export_streams_the_artifacts(tmp_path: Path) -> None:
    # Twenty runs with 1 MB of code each: written one row at a time, never all of them in memory at once.
    store = RunStore()
    big = "<!doctype html>\n" + "<p>" + "x" * 1_000_000 + "</p>\n"
    for i in range(10):
        seed_comparison(store, title=f"Big {i}", models=("openai:gpt-5.2", "gemini:g"), artifacts=[("html", big)] * 2)
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"big.{fmt}"
        # Once untraced first: the first parquet export imports pyarrow's pandas shim (25 MB of modules), which
        # is not what is measured and made the test fail when run on its own.
        assert cli("--artifact", "--output", str(out)).exit_code == 0
        tracemalloc.start()
        try:
            result = cli("--artifact", "--output", str(out))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert result.exit_code == 0, result.stderr
        if fmt == "parquet":  # compressed: the rows are read back instead
            assert pq.read_metadata(out).num_rows == 20
        else:
            assert out.stat().st_size > 20_000_000
        assert peak < 12_000_000, f"{fmt}: {peak / 1e6:.1f} MB held at once for 20 MB of code"


def test_the_metrics_page_offers_the_code_beside_the_export(store: RunStore) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/metrics_page.py")
    at.query_params["export"] = "true"  # the Export section open, as its link opens it
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    choice = next(c for c in at.checkbox if c.label == "Include the code")
    assert choice.value is False
    labels = [b.label for b in at.get("download_button")]
    assert {"CSV", "JSON", "Parquet"} <= set(labels)
    choice.check()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert {"CSV with code", "JSON with code", "Parquet with code"} <= set(labels), labels
