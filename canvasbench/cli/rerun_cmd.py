"""`canvasbench rerun`: start a comparison again with the same prompt, models and options."""

from __future__ import annotations

import json
import sys

import click

from canvasbench.cli.common import clean_errors, db_option, sigterm_as_interrupt
from canvasbench.cli.run_cmd import (
    EXIT_HELP,
    _check_hook,
    _echo_evidence,
    _finish_checks,
    _verdict_column,
    _verdicts,
    _wait_live,
    check_option,
    exit_code,
    json_run,
)
from canvasbench.cli.run_display import LiveDisplay, summary_table
from canvasbench.comparisons import rerun_request
from canvasbench.render import RenderCheckPool
from canvasbench.runner import Runner, RunOptions
from canvasbench.store import RunStore


@click.command("rerun", epilog=EXIT_HELP)
@click.argument("comparison_id")
@check_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every run's metrics on stdout.")
@clean_errors
def rerun_command(comparison_id: str, check: bool, db: str | None, as_json: bool) -> None:
    """Run a comparison again as a new one: the same prompt text, models (repeats included) and options."""
    request = rerun_request(RunStore(db), comparison_id)
    checks = RenderCheckPool(db) if check else None
    runner = Runner(db, default_concurrency=max(4, len(request.model_ids)), on_run_finished=_check_hook(checks))
    interrupted = True  # until the runs are seen to the end
    try:
        with sigterm_as_interrupt():
            new_id = runner.submit(request.prompt, request.model_ids, RunOptions(**request.options))
            display = LiveDisplay(sys.stderr)
            interrupted = _wait_live(runner, [new_id], lambda: display.update(runner.store.run_metrics(new_id)))
        rows = runner.store.run_metrics(new_id)
    finally:
        runner.shutdown()
        _finish_checks(checks, interrupted=interrupted)
    if as_json:
        click.echo(
            json.dumps({"comparison_id": new_id, "rerun_of": comparison_id, "runs": [json_run(r) for r in rows]})
        )
    else:
        found = _verdicts(runner, rows, check)
        click.echo(summary_table(rows, verdicts=_verdict_column(found)))
        _echo_evidence(rows, found or {}, only_problems=False)
        click.echo(f"\nComparison {new_id} (a re-run of {comparison_id}) saved in {runner.store.path}")
    sys.exit(exit_code(rows, interrupted))


def register(group: click.Group) -> None:
    """Add `rerun` to the CLI group."""
    group.add_command(rerun_command)
