"""The metrics table people paste into a report, encoded as CSV, JSON, JSON lines or Parquet.

The rows come from `canvasbench.store.reads` (`export_rows`, `vote_rows`, `judgment_rows`), each with its columns.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
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
    rows: Iterable[dict[str, Any]],
    fmt: str,
    out: BinaryIO | Path | None = None,
    *,
    columns: Sequence[str] = EXPORT_COLUMNS,
) -> bytes | None:
    """Encode rows as csv/json/jsonl/parquet; write to `out` (a path or binary file) or return the bytes.

    Rows are taken one at a time and written as they come (Parquet a row group at a time), so an iterator
    of rows (`iter_export_rows`) never holds every run's artifact in memory.
    """
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"Unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}.")
    mask = redactor()  # rows stored before keys were masked in every spelling are masked on the way out too
    masked = ({name: mask(value) if isinstance(value, str) else value for name, value in row.items()} for row in rows)
    write = {"csv": _csv, "json": _json, "jsonl": _jsonl, "parquet": _parquet}[fmt]
    if out is None:
        buffer = io.BytesIO()
        write(masked, tuple(columns), buffer)
        return buffer.getvalue()
    if isinstance(out, Path):
        try:
            with out.open("wb") as file:
                write(masked, tuple(columns), file)
        except OSError as exc:
            raise UsageError(f"Cannot write {out}: {exc.strerror}. Choose a writable --output path.") from exc
    else:
        write(masked, tuple(columns), out)
        out.flush()
    return None


class _Text(io.TextIOBase):
    """Text written straight through to a binary file as UTF-8 (no buffer of its own to flush or close)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(text.encode("utf-8"))
        return len(text)


def _csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: BinaryIO) -> None:
    writer = csv.writer(_Text(out), lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""  # unknown stays empty: an unknown cost is not $0
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # numbers are never neutralised: -0.5 is data, not a formula
    return neutralise_cell(str(value))


def _json(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: BinaryIO) -> None:
    # The same bytes as json.dumps(list, indent=2), one object at a time.
    first = True
    for row in rows:
        item = json.dumps({name: row.get(name) for name in columns}, indent=2, ensure_ascii=False)
        out.write((("[\n" if first else ",\n") + "  " + item.replace("\n", "\n  ")).encode("utf-8"))
        first = False
    out.write(b"[]\n" if first else b"\n]\n")


def _jsonl(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: BinaryIO) -> None:
    for row in rows:
        out.write((json.dumps({name: row.get(name) for name in columns}, ensure_ascii=False) + "\n").encode("utf-8"))


# A row group is written when it reaches this many rows or this much text: a bounded slice of the artifacts
# is in memory at a time.
PARQUET_ROW_GROUP = 256
PARQUET_GROUP_CHARS = 4_000_000


def _parquet(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: BinaryIO) -> None:
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
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[dict[str, Any]] = []
        chars = 0
        for row in rows:
            batch.append({name: row.get(name) for name in columns})
            chars += sum(len(value) for value in batch[-1].values() if isinstance(value, str))
            if len(batch) >= PARQUET_ROW_GROUP or chars >= PARQUET_GROUP_CHARS:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch, chars = [], 0
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
