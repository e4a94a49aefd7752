"""`canvasbench report`: the metrics as one interactive HTML file (plotly) that opens offline."""

from __future__ import annotations

import os
from pathlib import Path

import click

from canvasbench.cli.common import ConfigFailure, clean_errors, db_option, iso_day, open_store
from canvasbench.errors import UsageError


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


def _writable(out: Path) -> None:
    """Refuse an OUT that cannot be written before the work starts: one line, exit 2."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ConfigFailure(f"{out} is a folder: give a file name such as {out / 'report.html'}.")
    if not folder.is_dir():
        raise ConfigFailure(f"Cannot write {out}: the folder {folder} does not exist. Create it or choose another.")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ConfigFailure(f"Cannot write {out}: permission denied. Choose a file in a folder you can write.")


@click.command("report")
@click.argument("out", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--category", default=None, help="Only comparisons of this category (see 'canvasbench prompts').")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Only runs (and votes, judgments) from this day on.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Only runs (and votes, judgments) up to this day.")
@click.option("--sweep", "sweep_id", metavar="ID", default=None, help="Only the comparisons of this sweep.")
@click.option("--comparison", "comparison_id", metavar="ID", default=None, help="Only this comparison.")
@db_option
@clean_errors
def report_command(
    out: Path,
    category: str | None,
    since: str | None,
    until: str | None,
    sweep_id: str | None,
    comparison_id: str | None,
    db: str | None,
) -> None:
    """Write the metrics as one interactive HTML file of charts that opens offline, to send to anyone.

    Per contestant, in one colour throughout: lines against time, tokens/s, time to first token, cost per
    run, render share, the pass@round curve, cost per acceptable page and the Bradley–Terry ratings with
    their intervals, under a header naming the data. Numbers only: no model output goes in.
    """
    scope_days = iso_day(since, "--since"), iso_day(until, "--until")
    _writable(out)
    from canvasbench.present.report import ReportScope, build_report, many  # plotly: only when a report is built

    store = open_store(db, read_only=True)
    if out.resolve() == store.path.resolve():
        raise ConfigFailure(f"{out} is the database itself: choose another file.")
    scope = ReportScope(category, *scope_days, sweep_id=sweep_id, comparison_id=comparison_id)
    try:
        report = build_report(store, scope)
    except UsageError as exc:
        raise ConfigFailure(str(exc)) from exc
    try:
        out.write_text(report.html, encoding="utf-8")
    except OSError as exc:
        raise ConfigFailure(f"Cannot write {out}: {exc.strerror or exc}. Choose another file.") from exc
    drawn = sum(1 for f in report.figures.values() if f is not None)
    click.echo(
        f"Wrote {out} ({_size(report.size)}): {many(drawn, 'chart')} of {many(report.runs, 'run')} in "
        f"{many(report.comparisons, 'comparison')}; it opens offline in any browser."
    )
