"""`canvasbench followup`: send one instruction to every model of a comparison as the next turn of its conversation."""

from __future__ import annotations

import dataclasses
import json
import sys

import click

from canvasbench.cli.common import clean_errors, db_option, open_store
from canvasbench.cli.execute import execute
from canvasbench.cli.run_cmd import EXIT_HELP, _echo_evidence, _verdict_column, check_option, json_run
from canvasbench.cli.run_display import LiveDisplay, summary_table
from canvasbench.run.followups import follow_up_inputs, stored_options
from canvasbench.run.runner import Runner


@click.command("followup", epilog=EXIT_HELP)
@click.argument("comparison_id")
@click.option(
    "--text", required=True, metavar="INSTRUCTION", help="What to ask every model next, e.g. 'add a pause button'."
)
@check_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the new rounds' metrics on stdout.")
@clean_errors
def followup_command(comparison_id: str, text: str, check: bool, db: str | None, as_json: bool) -> None:
    """Send one instruction to every model of a comparison as the next turn of its own conversation.

    Each model gets its whole conversation so far (the prompt, its answers, any repair or earlier follow-up
    turns) and then the instruction; each answer is a new round, checked like any run, and repaired as the
    comparison's --repair says.
    """
    store = open_store(db, writes=False)  # refused here, before a browser starts: nothing to follow up
    _instruction, comparison, rows = follow_up_inputs(store, comparison_id, text)
    before = {row["id"] for row in rows}
    started: list[str] = []

    def start(runner: Runner) -> str:
        found = runner.follow_up(comparison_id, text)
        started.extend(found.run_ids)
        for why in found.skipped:
            click.echo(f"Not followed up: {why}", err=True)
        return comparison_id

    display = LiveDisplay(sys.stderr)
    outcome = execute(
        db, [], [], stored_options(comparison), concurrency=4, check=check, start=start,
        show=lambda rows: display.update([r for r in rows if r["id"] not in before]),
    )  # fmt: skip
    outcome = dataclasses.replace(outcome, rows=[r for r in outcome.rows if r["id"] not in before])
    if as_json:
        click.echo(json.dumps({"comparison_id": comparison_id, "runs": [json_run(r) for r in outcome.rows]}))
    elif started:
        click.echo(summary_table(outcome.rows, verdicts=_verdict_column(outcome.verdicts)))
        _echo_evidence(outcome.rows, outcome.verdicts or {}, only_problems=False)
        if not outcome.problems:
            click.echo(f"\nFollow-up saved as new rounds of comparison {comparison_id} in {outcome.store_path}")
    outcome.finish()
