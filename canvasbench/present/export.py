"""The metrics table people paste into a report, encoded as CSV, JSON, JSON lines or Parquet.

The rows come from `canvasbench.store.reads` (`export_rows`, `vote_rows`, `judgment_rows`), each with its columns.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from canvasbench.errors import UsageError
from canvasbench.redact import redactor
from canvasbench.store.columns import FRACTIONAL, RUN_METRICS
from canvasbench.store.reads import EXPORT_BOOL_COLUMNS, EXPORT_COLUMNS

EXPORT_FORMATS: tuple[str, ...] = ("csv", "json", "jsonl", "parquet")

_INT_COLUMNS = frozenset({
    *(set(RUN_METRICS) - FRACTIONAL), "chars", "js_errors", "attempts", "images", "round", "repair", "rounds_run",
    "rounds_to_acceptable",
})  # fmt: skip
_FLOAT_COLUMNS = frozenset({*FRACTIONAL, "render_ms", "judge_score", "overall", "wall_s", "generation_s"})
_BOOL_COLUMNS = EXPORT_BOOL_COLUMNS | {"acceptable"}

# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection");
# tab and carriage return are on OWASP's list too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    mask = redactor()  # rows stored before keys were masked in every spelling are masked on the way out too
    rows = [{name: mask(value) if isinstance(value, str) else value for name, value in row.items()} for row in rows]
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
