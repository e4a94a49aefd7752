"""`canvasbench batches`: the sweeps handed to providers' batch engines: progress, waiting, cancelling."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from canvasbench.cli.common import clean_errors, db_option, open_store
from canvasbench.providers.batch import engine_for

if TYPE_CHECKING:
    from canvasbench.run.batch_sweep import JobReport
    from canvasbench.run.runner import RunOptions


def submit_batches(
    db: str | None,
    prompts: Sequence[tuple[dict[str, Any], str]],
    models: Sequence[str],
    options: RunOptions,
    sweep_id: str,
    *,
    streamed: bool,
    as_json: bool,
) -> list[str]:
    """`sweep --batch`: submit what batch engines can run; returns the models left to stream (with `streamed`)."""
    from canvasbench.run.batch_sweep import batchable, submit_batch_sweep

    batched, stream_only = batchable(models) if streamed else (list(models), [])
    if not batched:
        return stream_only
    store = open_store(db)
    submission = submit_batch_sweep(store, prompts, batched, options, sweep_id=sweep_id)
    from canvasbench.store import batches

    jobs = [batches.job(store, batch_id) for batch_id in submission.jobs]
    if as_json:
        click.echo(json.dumps({"sweep_id": sweep_id, "comparisons": [
            {"comparison_id": cid, "prompt_id": label} for cid, label in submission.comparisons.items()
        ], "jobs": [_job_json(j) for j in jobs if j is not None]}))  # fmt: skip
    else:
        requests = len(prompts) * len(batched)
        click.echo(f"Submitted {requests} request(s) in {len(submission.comparisons)} comparison(s) as "
                   f"{len(jobs)} batch job(s), at the batch price:")  # fmt: skip
        for job in jobs:
            if job is not None:
                click.echo(
                    f"  {job['provider']:<10} {job['state']:<10} {job['job_id'] or '-'}  ({job['total']} requests)"
                )
        for provider, reason in submission.refused.items():
            click.echo(f"  {provider}: {reason}", err=True)
        click.echo("Results come within hours (24 at most): 'canvasbench batches --wait' collects them.")
        if options.repair:
            click.echo(f"Pages that are not acceptable get up to {options.repair} repair round(s), each a follow-up "
                       "batch: every round adds one batch turnaround.")  # fmt: skip
    return stream_only


@click.command("batches")
@click.option("--wait", is_flag=True, help="Poll (with backoff) until every job has ended and its results are stored.")
@click.option("--cancel", "cancel", metavar="JOB_ID", default=None, help="Cancel a job at its provider.")
@click.option("--all", "show_all", is_flag=True, help="List finished jobs too.")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as one JSON array.")
@click.option("--check/--no-check", default=True, show_default=True, help="Render-check the pages that arrive.")
@db_option
@clean_errors
@click.pass_context
def batches_command(
    ctx: click.Context, wait: bool, cancel: str | None, show_all: bool, as_json: bool, check: bool, db: str | None
) -> None:
    """List batch jobs with their progress; poll them, store results that have arrived, or cancel one.

    Runs of a comparison with repair rounds (`sweep --batch --repair N`) that are not acceptable get their
    next round as a follow-up batch here, once they are checked (and judged, with `--accept judge>=K`).
    """
    from functools import partial

    from canvasbench.judge.round_judge import judge_round
    from canvasbench.run.batch_rounds import repair_pass
    from canvasbench.run.batch_sweep import cancel_job, poll_jobs, wait_for_jobs
    from canvasbench.store import batches

    store = open_store(db)
    if cancel is not None:
        job = cancel_job(store, cancel)
        if job["job_id"]:
            click.echo(f"Asked {job['provider']} to cancel {job['job_id']}; finished requests keep their results.")
        else:
            click.echo(f"Cancelled batch job {job['id']}, which {job['provider']} never confirmed: not sent again.")
    arrived: list[str] = []

    def show(reports: list[JobReport]) -> None:
        for report in reports:
            arrived.extend(report.ingested)
            if report.ingested and not as_json:
                print(
                    f"{report.provider} job {report.state}: stored {len(report.ingested)} result(s).", file=sys.stderr
                )

    def checks(run_ids: list[str]) -> None:  # checked like any run, in the check command's bounded pool
        from canvasbench.cli.check_cmd import check_command

        # With --json, stdout is the one JSON document: the check's lines go to stderr beside the progress.
        with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
            ctx.invoke(check_command, run_ids=tuple(run_ids), db=db, as_json=False)

    def step() -> None:
        """Check what arrived, then send the repair rounds that are due (a pass over the whole database)."""
        from canvasbench.store import reads

        if check and arrived:
            with_pages = [rid for rid in arrived if (reads.get_run(store, rid) or {}).get("artifact")]
            arrived.clear()
            if with_pages:
                checks(with_pages)
        sent = repair_pass(store, engine_for, check=checks if check else None, judge=partial(judge_round, store))
        if sent.jobs and not as_json:
            rounds = sum((batches.job(store, b) or {}).get("total") or 0 for b in sent.jobs)
            print(f"Sent {rounds} repair round(s) as {len(sent.jobs)} follow-up batch job(s).", file=sys.stderr)
        if sent.unchecked and not as_json:
            print(f"{len(sent.unchecked)} run(s) wait for a render check before a repair round: run "
                  "'canvasbench batches' without --no-check.", file=sys.stderr)  # fmt: skip

    if wait:
        wait_for_jobs(store, show=show, step=step, said=lambda message: print(message, file=sys.stderr))
    else:
        show(poll_jobs(store))  # one pass: store what has arrived since the last look
        step()
    jobs = batches.jobs(store, unfinished_only=not show_all)
    if as_json:
        click.echo(json.dumps([_job_json(j) for j in jobs]))
        return
    if not jobs:
        click.echo("No batch job is running." + ("" if show_all else " ('--all' lists finished ones.)"))
        return
    click.echo(f"{'job':<28} {'provider':<10} {'state':<10} {'done':>9} {'waiting':>8}  submitted")
    for job in jobs:
        done = f"{job['done'] or 0}/{job['total'] or '?'}"
        state = "stored" if job["ingested_at"] else job["state"]
        click.echo(f"{(job['job_id'] or job['id'])[:28]:<28} {job['provider']:<10} {state:<10} {done:>9} "
                   f"{job['waiting']:>8}  {job['created_at'][:16].replace('T', ' ')}{_round(job)}")  # fmt: skip
        if job["error"]:
            click.echo(f"    {job['error']}")


def _round(job: dict[str, Any]) -> str:
    """`  round 1 of 2` for a follow-up job (repair rounds), nothing for a sweep's first answers."""
    from canvasbench.present.batch_words import job_round

    said = job_round(job)
    return f"  {said}" if said else ""


def _job_json(job: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "provider", "job_id", "state", "raw_state", "total", "done", "failed", "error", "created_at",
            "ingested_at", "round", "repair")  # fmt: skip
    return {key: job.get(key) for key in keys}
