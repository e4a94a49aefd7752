"""`canvasbench delete`: remove comparisons with their runs and render checks."""

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
    """Delete comparisons (ids as shown by 'run' or in the dashboard) with their runs and render checks."""
    store = open_store(db)
    for comparison_id in dict.fromkeys(comparison_ids):
        if not yes and not click.confirm(
            f"Delete comparison {comparison_id} and all its runs?", default=False, err=True
        ):
            click.echo(f"Kept {comparison_id}.", err=True)
            continue
        runs = delete_comparison(store, comparison_id)
        click.echo(f"Deleted comparison {comparison_id} and its {runs} run(s).")
