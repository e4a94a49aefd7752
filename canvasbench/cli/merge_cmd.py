"""`canvasbench merge`: bring other CanvasBench databases (other machines, shards of a sweep) into this one."""

from __future__ import annotations

from pathlib import Path

import click

from canvasbench.cli.common import clean_errors, db_option, open_store


@click.command("merge")
@click.argument("others", nargs=-1, required=True, metavar="OTHER_DB...", type=click.Path(path_type=Path))
@db_option
@clean_errors
def merge_command(others: tuple[Path, ...], db: str | None) -> None:
    """Merge comparisons, runs, render checks, votes and judgments from other databases into this one.

    Ids stay unique and a second merge of the same file adds nothing; a run that changed since (finished,
    re-checked) is updated. All files are merged in one transaction: if any is refused, nothing changes.
    """
    from canvasbench.store.merge import merge_databases

    store = open_store(db)
    for report in merge_databases(store, list(dict.fromkeys(others))):
        added = ", ".join(f"{n} {table}" for table, n in report.added.items() if n) or "nothing new"
        updated = ", ".join(f"{n} {table}" for table, n in report.updated.items() if n)
        line = f"{report.source}: added {added}" + (f"; updated {updated}" if updated else "")
        if report.active_left_out:
            line += (
                f"; left out {report.active_left_out} run(s) still queued or streaming there "
                "(merge again when they finish)"
            )
        click.echo(line + ".")
