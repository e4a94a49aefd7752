"""The metrics table people paste into a report: one row per run, as CSV, JSON, JSON lines or Parquet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from canvasbench.errors import UsageError
from canvasbench.store import RunStore

# A contract: people build spreadsheets on these names and this order, so columns are only appended.
EXPORT_COLUMNS: tuple[str, ...] = (
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
    "judge_score",  # the latest successful AI-judge overall score (0-10) of the run, empty when never judged
)

EXPORT_FORMATS: tuple[str, ...] = ("csv", "json", "jsonl", "parquet")

_INT_COLUMNS = frozenset(
    {"input_tokens", "output_tokens", "thinking_tokens", "lines", "code_lines", "chars", "js_errors",
     "attempts", "images"}
)
_FLOAT_COLUMNS = frozenset({"ttft_s", "latency_s", "tokens_per_s", "cost_usd", "render_ms", "judge_score", "overall"})
_BOOL_COLUMNS = frozenset({"truncated", "render_animates", "render_responds"})

# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection");
# tab and carriage return are on OWASP's list too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SELECT = """
SELECT
  r.comparison_id AS comparison_id,
  r.id AS run_id,
  r.created_at AS created_at,
  c.prompt_id AS prompt_id,
  c.title AS prompt_title,
  r.provider AS provider,
  r.model AS model,
  r.status AS status,
  r.finish_reason AS finish_reason,
  r.error AS error,
  r.input_tokens AS input_tokens,
  r.output_tokens AS output_tokens,
  r.thinking_tokens AS thinking_tokens,
  r.ttft_s AS ttft_s,
  r.latency_s AS latency_s,
  r.tokens_per_s AS tokens_per_s,
  r.lines AS lines,
  r.code_lines AS code_lines,
  r.chars AS chars,
  r.artifact_kind AS artifact_kind,
  CASE WHEN r.artifact_kind IS NULL THEN NULL ELSE r.truncated END AS truncated,
  r.cost_usd AS cost_usd,
  rc.verdict AS render_verdict,
  rc.js_errors AS js_errors,
  rc.render_ms AS render_ms,
  rc.animates AS render_animates,
  rc.responds_to_input AS render_responds,
  (SELECT j.overall FROM judgments j WHERE j.run_id = r.id AND j.mode = 'score' AND j.status = 'ok'
   ORDER BY j.created_at DESC, j.id DESC LIMIT 1) AS judge_score
FROM runs r
JOIN comparisons c ON c.id = r.comparison_id
LEFT JOIN render_checks rc ON rc.run_id = r.id
"""


def export_rows(
    store: RunStore, *, comparison_id: str | None = None, run_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The export table (EXPORT_COLUMNS, in order), oldest comparison first, runs in the order asked for."""
    where: list[str] = []
    params: list[Any] = []
    if comparison_id is not None:
        where.append("r.comparison_id = ?")
        params.append(comparison_id)
    if run_ids is not None:
        if not run_ids:
            return []
        where.append(f"r.id IN ({','.join('?' * len(run_ids))})")
        params.extend(run_ids)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY c.created_at, r.comparison_id, r.position"
    rows = []
    for row in store.db.query(sql, params):
        for flag in _BOOL_COLUMNS:
            if row[flag] is not None:
                row[flag] = bool(row[flag])
        rows.append({name: row[name] for name in EXPORT_COLUMNS})
    return rows


def neutralise_cell(value: str) -> str:
    """Prefix a text cell a spreadsheet would run as a formula with an apostrophe."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def write_export(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    out: BinaryIO | Path | None = None,
    *,
    columns: Sequence[str] = EXPORT_COLUMNS,
) -> bytes | None:
    """Encode rows as csv/json/jsonl/parquet; write to `out` (a path or binary file) or return the bytes."""
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"Unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}.")
    data = {"csv": _csv, "json": _json, "jsonl": _jsonl, "parquet": _parquet}[fmt](rows, tuple(columns))
    if out is None:
        return data
    if isinstance(out, Path):
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise UsageError(f"Cannot write {out}: {exc.strerror}. Choose a writable --output path.") from exc
    else:
        out.write(data)
        out.flush()
    return None


def _csv(rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""  # unknown stays empty: an unknown cost is not $0
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # numbers are never neutralised: -0.5 is data, not a formula
    return neutralise_cell(str(value))


def _json(rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    ordered = [{name: row.get(name) for name in columns} for row in rows]
    return (json.dumps(ordered, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _jsonl(rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    lines = [json.dumps({name: row.get(name) for name in columns}, ensure_ascii=False) for row in rows]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _parquet(rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    # Imported here: only this format needs pyarrow, and it slows every CLI start otherwise.
    import pyarrow as pa
    import pyarrow.parquet as pq

    # An explicit schema: a column that is empty in every row keeps its real type instead of `null`.
    def arrow_type(name: str) -> pa.DataType:
        if name in _INT_COLUMNS:
            return pa.int64()
        if name in _FLOAT_COLUMNS:
            return pa.float64()
        if name in _BOOL_COLUMNS:
            return pa.bool_()
        return pa.string()

    schema = pa.schema([(name, arrow_type(name)) for name in columns])
    table = pa.Table.from_pylist([{name: row.get(name) for name in columns} for row in rows], schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()
