"""`canvasbench delete`: remove comparisons with their runs, render checks, votes and judgments."""

from __future__ import annotations

import click

from canvasbench.cli.common import clean_errors, db_option, open_store
from canvasbench.run.comparisons import delete_comparison


@click.command("delete")
@click.argument("comparison_ids", nargs=-1, required=True, metavar="COMPARISON_ID...")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@db_option
@clean_errors
def delete_command(comparison_ids: tuple[str, ...], yes: bool, db: str | None) -> None:
    """Delete comparisons (ids from 'run' or the dashboard) with their runs, render checks, votes and judgments."""
    store = open_store(db)
    for comparison_id in dict.fromkeys(comparison_ids):
        if not yes and not click.confirm(
            f"Delete comparison {comparison_id} and all its runs?", default=False, err=True
        ):
            click.echo(f"Kept {comparison_id}.", err=True)
            continue
        runs = delete_comparison(store, comparison_id)
        click.echo(f"Deleted comparison {comparison_id} and its {runs} run(s).")
