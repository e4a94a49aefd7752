"""The export table: exact columns and order, every format, unknown cost as empty, CSV formula neutralising."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from canvasbench.cli import main
from canvasbench.present.export import write_export
from canvasbench.store import RunStore, utc_now, writes
from canvasbench.store.reads import EXPORT_COLUMNS, export_rows

# The documented export columns in their order, then the render-check, judge and prompt-cache columns (appended last).
ISSUE_COLUMNS = [
    "comparison_id",
    "run_id",
    "created_at",
    "prompt_id",
    "prompt_title",
    "provider",
    "model",
    "status",
    "finish_reason",
    "error",
    "input_tokens",
    "output_tokens",
    "thinking_tokens",
    "ttft_s",
    "latency_s",
    "tokens_per_s",
    "lines",
    "code_lines",
    "chars",
    "artifact_kind",
    "truncated",
    "cost_usd",
    "render_verdict",
    "js_errors",
    "render_ms",
    "render_animates",
    "render_responds",
    "judge_score",
    "cached_tokens",
    "cache_write_tokens",
    "origin",
    "mode",
    "round",
    "parent_run_id",
    "recipe",
]


def make_comparison(store: RunStore, title: str = "Spinning cube") -> tuple[str, list[str]]:
    """Two finished runs (one priced, one with an unknown price) and one still queued."""
    prompt = {"id": "custom-abc", "title": title, "category": "3d", "kind": "html", "text": "A cube."}
    comparison_id, run_ids = writes.create_comparison(
        store,
        prompt=prompt, model_ids=["openai:gpt-5.2", "gemini:mystery", "anthropic:claude-opus-4-6"]
    )
    finished = {
        "status": "done",
        "finish_reason": "stop",
        "finished_at": utc_now(),
        "input_tokens": 120,
        "output_tokens": 9000,
        "thinking_tokens": 300,
        "ttft_s": 0.5,
        "latency_s": 40.25,
        "tokens_per_s": 232.5,
        "lines": 812,
        "code_lines": 700,
        "chars": 30_000,
        "artifact_kind": "html",
        "truncated": 0,
    }
    writes.update_run(store, run_ids[0], **finished, cost_usd=0.1302)
    writes.update_run(
        store,
        run_ids[1], **{**finished, "status": "failed", "error": "-1 is not a valid token count", "truncated": 1}
    )
    return comparison_id, run_ids


def add_render_check(store: RunStore, run_id: str) -> None:
    with store.write():
        store.table("render_checks").insert(
            {
                "run_id": run_id,
                "checked_at": utc_now(),
                "verdict": "renders with errors",
                "js_errors": 2,
                "render_ms": 512.5,
            }
        )


def test_columns_are_exactly_the_issues_in_order() -> None:
    assert list(EXPORT_COLUMNS) == ISSUE_COLUMNS


def test_rows_join_prompt_and_render_check_and_keep_unknown_cost_empty() -> None:
    store = RunStore()
    comparison_id, run_ids = make_comparison(store)
    add_render_check(store, run_ids[0])
    rows = export_rows(store)
    assert [list(r) for r in rows] == [ISSUE_COLUMNS] * 3
    priced, unpriced, queued = rows
    assert priced["run_id"] == run_ids[0] and priced["comparison_id"] == comparison_id
    assert priced["prompt_title"] == "Spinning cube" and priced["prompt_id"] == "custom-abc"
    assert (priced["provider"], priced["model"]) == ("openai", "gpt-5.2")
    assert priced["cost_usd"] == 0.1302 and priced["truncated"] is False
    assert (priced["render_verdict"], priced["js_errors"], priced["render_ms"]) == ("renders with errors", 2, 512.5)
    assert unpriced["cost_usd"] is None and unpriced["truncated"] is True
    assert unpriced["render_verdict"] is None  # not checked: empty, not a verdict
    assert queued["status"] == "queued" and queued["truncated"] is None and queued["lines"] is None
    assert export_rows(store, run_ids=[run_ids[1]]) == [unpriced]
    assert export_rows(store, comparison_id="nope") == []


def test_csv_has_the_header_empty_unknowns_and_neutralised_formulas() -> None:
    store = RunStore()
    make_comparison(store, title='=HYPERLINK("http://evil")')
    data = write_export(export_rows(store), "csv", None)
    assert data is not None
    table = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert table[0] == ISSUE_COLUMNS
    priced, unpriced, _queued = (dict(zip(table[0], row, strict=True)) for row in table[1:])
    assert priced["prompt_title"] == '\'=HYPERLINK("http://evil")'
    assert unpriced["error"] == "'-1 is not a valid token count"
    assert unpriced["cost_usd"] == "" and priced["cost_usd"] == "0.1302"
    assert priced["truncated"] == "false" and unpriced["truncated"] == "true"
    assert priced["latency_s"] == "40.25"  # numbers are data, never neutralised


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_formats_keep_column_order_and_null_cost(fmt: str) -> None:
    store = RunStore()
    make_comparison(store)
    data = write_export(export_rows(store), fmt, None)
    assert data is not None
    text = data.decode("utf-8")
    rows: list[dict[str, Any]] = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert [list(r) for r in rows] == [ISSUE_COLUMNS] * 3
    assert rows[0]["cost_usd"] == 0.1302 and rows[1]["cost_usd"] is None
    assert rows[1]["error"] == "-1 is not a valid token count"  # only CSV is neutralised


def test_parquet_reads_back_with_types_and_nulls(tmp_path: Path) -> None:
    store = RunStore()
    make_comparison(store)
    out = tmp_path / "runs.parquet"
    assert write_export(export_rows(store), "parquet", out) is None
    table = pq.read_table(out)
    assert table.column_names == ISSUE_COLUMNS
    assert str(table.schema.field("cost_usd").type) == "double"
    assert str(table.schema.field("output_tokens").type) == "int64"
    assert str(table.schema.field("truncated").type) == "bool"
    assert str(table.schema.field("render_verdict").type) == "string"  # all-null column keeps its type
    rows = table.to_pylist()
    assert rows[0]["cost_usd"] == 0.1302 and rows[1]["cost_usd"] is None
    assert rows[0]["lines"] == 812


def test_empty_database_exports_a_header_only() -> None:
    data = write_export(export_rows(RunStore()), "csv", None)
    assert data is not None and data.decode().strip() == ",".join(ISSUE_COLUMNS)


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["export", *args])


def test_cli_writes_csv_to_stdout_by_default() -> None:
    comparison_id, _ = make_comparison(RunStore())
    result = cli()
    assert result.exit_code == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ISSUE_COLUMNS and len(table) == 4
    assert {row[0] for row in table[1:]} == {comparison_id}


def test_cli_filters_by_comparison_and_picks_the_format_from_the_suffix(tmp_path: Path) -> None:
    store = RunStore()
    make_comparison(store)
    wanted, _ = make_comparison(store, title="Second")
    out = tmp_path / "second.parquet"
    result = cli("--comparison", wanted, "--output", str(out))
    assert result.exit_code == 0, result.stderr
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 3 and {r["comparison_id"] for r in rows} == {wanted}
    result = cli("--format", "jsonl", "--comparison", wanted)
    assert [json.loads(line)["prompt_title"] for line in result.stdout.splitlines()] == ["Second"] * 3


def test_cli_usage_errors() -> None:
    RunStore()
    result = cli("--format", "parquet")
    assert result.exit_code == 2 and "--output" in result.stderr
    result = cli("--comparison", "01NOSUCHCOMPARISON")
    assert result.exit_code == 2 and "01NOSUCHCOMPARISON" in result.stderr
    result = cli("--format", "xlsx")
    assert result.exit_code == 2 and "xlsx" in result.stderr


def test_every_run_metric_is_exported_with_its_type() -> None:
    # The figures are listed once (store.columns): a new one reaches the export, typed, or this fails.
    from canvasbench.present.export import _FLOAT_COLUMNS, _INT_COLUMNS
    from canvasbench.store.columns import FRACTIONAL, RUN_METRICS

    assert set(RUN_METRICS) <= set(EXPORT_COLUMNS)
    assert set(RUN_METRICS) - FRACTIONAL <= _INT_COLUMNS
    assert set(RUN_METRICS) >= FRACTIONAL and FRACTIONAL <= _FLOAT_COLUMNS
