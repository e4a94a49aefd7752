"""`canvasbench rerun`: start a comparison again with the same prompt, models and options."""

from __future__ import annotations

import dataclasses
import json
import sys

import click

from canvasbench.cli.common import clean_errors, db_option, open_store
from canvasbench.cli.execute import execute
from canvasbench.cli.run_cmd import (
    EXIT_HELP,
    _echo_evidence,
    _verdict_column,
    accept_option,
    check_option,
    checked_contestants,
    checked_repair,
    echo_attempts,
    echo_recipes,
    json_run,
    judge_model_option,
    recipe_option,
    repair_option,
)
from canvasbench.cli.run_display import LiveDisplay, summary_table
from canvasbench.run.comparisons import rerun_request


@click.command("rerun", epilog=EXIT_HELP)
@click.argument("comparison_id")
@recipe_option
@repair_option(default=None)
@accept_option(default=None)
@judge_model_option()
@check_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every run's metrics on stdout.")
@clean_errors
def rerun_command(
    comparison_id: str,
    recipes: tuple[str, ...],
    repair: int | None,
    accept: str | None,
    judge_model: str | None,
    check: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Run a comparison again as a new one: the same prompt text, models (repeats included) and options.

    --recipe, --repair and --accept, when given, replace the comparison's own (its recipes run again otherwise).
    """
    request = rerun_request(open_store(db, writes=False), comparison_id)  # execute() checks it for writing
    stored = request.options
    found = checked_contestants(request.model_ids, recipes or stored.recipes)
    judge_model = judge_model or stored.judge_model
    repair, accept = checked_repair(
        stored.repair if repair is None else repair, stored.accept if accept is None else accept, check=check,
        judge_model=judge_model, recipes=found,
    )
    options = dataclasses.replace(
        stored, repair=repair, accept=accept, judge_model=judge_model, recipes=tuple(recipes or stored.recipes)
    )
    request = dataclasses.replace(request, options=options)
    display = LiveDisplay(sys.stderr)
    outcome = execute(
        db, [(request.prompt, None)], request.model_ids, request.options,
        concurrency=max(4, len(request.model_ids) + len(options.recipes)), check=check, show=display.update,
    )
    new_id = next(iter(outcome.comparisons), None)
    if new_id is None:  # Ctrl-C before the comparison was recorded
        outcome.finish()
    rows = outcome.rows
    if as_json:
        click.echo(
            json.dumps({"comparison_id": new_id, "rerun_of": comparison_id, "runs": [json_run(r) for r in rows]})
        )
    else:
        click.echo(summary_table(rows, verdicts=_verdict_column(outcome.verdicts)))
        _echo_evidence(rows, outcome.verdicts or {}, only_problems=False)
        echo_recipes(found)
        echo_attempts(outcome, repair, accept, found)
        if not outcome.problems:
            click.echo(f"\nComparison {new_id} (a re-run of {comparison_id}) saved in {outcome.store_path}")
    outcome.finish()
