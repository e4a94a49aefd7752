"""`canvasbench export`: the metrics table, one row per run, as CSV, JSON, JSON lines or Parquet."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from canvasbench.cli.common import clean_errors, db_option, open_store
from canvasbench.errors import UsageError
from canvasbench.present.export import EXPORT_FORMATS, write_export
from canvasbench.store import RunStore, reads
from canvasbench.store.reads import (
    JUDGMENT_EXPORT_COLUMNS,
    VOTE_EXPORT_COLUMNS,
    export_columns,
    integrity_problems,
    iter_export_rows,
    judgment_rows,
    round_rows,
    vote_rows,
)
from canvasbench.store.run_store import store_error

STDOUT = Path("-")


def _format_for(fmt: str | None, output: Path | None) -> str:
    if fmt is not None:
        return fmt
    suffix = output.suffix.lower().lstrip(".") if output is not None and output != STDOUT else ""
    return suffix if suffix in EXPORT_FORMATS else "csv"


@click.command("export")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS, case_sensitive=False),
    default=None,
    help="csv, json, jsonl or parquet (default: from the --output suffix, else csv).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Write here instead of stdout (required for parquet); - is stdout.",
)
@click.option("--comparison", "comparison_id", metavar="ID", default=None, help="Only the runs of this comparison.")
@click.option(
    "--table",
    type=click.Choice(("runs", "votes", "judgments", "attempts")),
    default="runs",
    show_default=True,
    help="runs: the metrics table; votes: arena votes; judgments: AI-judge verdicts (failed ones too); "
    "attempts: per contestant and comparison, rounds, time and cost to an acceptable page.",
)
@click.option(
    "--artifact",
    "with_artifact",
    is_flag=True,
    help="Add each run's code (its extracted HTML, SVG or script) as the last column, 'artifact' (runs table only).",
)
@clean_errors
def export_command(
    db: str | None, fmt: str | None, output: Path | None, comparison_id: str | None, table: str, with_artifact: bool
) -> None:
    """Export the metrics table: one row per run (unknown values empty, never 0); or the votes or judgments."""
    if with_artifact and table != "runs":
        raise UsageError(f"--artifact adds the code to the runs table; the {table} table has none. Drop --artifact.")
    fmt = _format_for(fmt, output).lower()
    if output == STDOUT:
        output = None
    if fmt == "parquet" and output is None:
        raise UsageError("Parquet is binary: give --output PATH (or choose --format csv, json or jsonl for stdout).")
    # Read-only: an export never creates a database where a mistyped path points, nor changes one.
    store = open_store(db, read_only=True)
    if output is not None and output.resolve() == store.path:
        raise UsageError(f"--output {output} is the database itself: choose another file.")
    columns = export_columns(artifact=with_artifact)
    written = [0]
    try:
        if comparison_id is not None and reads.get_comparison(store, comparison_id) is None:
            raise UsageError(f"No comparison '{comparison_id}' in {store.path}.")
        damage = _damage(store)
        rows: Iterable[dict[str, Any]]
        if table == "runs":
            # Read as written: the artifacts of every run are never in memory at once.
            rows = iter_export_rows(store, comparison_id=comparison_id, artifact=with_artifact)
        elif table == "attempts":
            from canvasbench.run.attempts import ATTEMPT_COLUMNS, attempt_rows

            rows, columns = attempt_rows(round_rows(store, comparison_id)), ATTEMPT_COLUMNS
        elif table == "votes":
            rows, columns = vote_rows(store), VOTE_EXPORT_COLUMNS
        else:
            rows, columns = judgment_rows(store), JUDGMENT_EXPORT_COLUMNS
        if table != "runs" and comparison_id is not None:
            rows = [row for row in rows if row["comparison_id"] == comparison_id]
        write_export(_counted(rows, written), fmt, sys.stdout.buffer if output is None else output, columns=columns)
    except sqlite3.DatabaseError as exc:
        raise store_error(store.path, exc) from exc
    if output is not None:
        click.echo(f"Wrote {written[0]} {table} to {output} ({fmt}).", err=True)
    if damage:
        click.echo(
            f"Warning: database {store.path} is damaged ({damage}): the export holds what could be read and "
            f"may be incomplete. Rescue the rest with 'sqlite3 {store.path} .recover'.",
            err=True,
        )
        sys.exit(1)


def _counted(rows: Iterable[dict[str, Any]], count: list[int]) -> Iterator[dict[str, Any]]:
    """The rows as they pass, counted in count[0] (for the closing message)."""
    for row in rows:
        count[0] += 1
        yield row


def _damage(store: RunStore) -> str | None:
    """SQLite's own quick check: None when the file is sound, else its first complaint."""
    problems = integrity_problems(store, 5)
    return "; ".join(problems) if problems else None
