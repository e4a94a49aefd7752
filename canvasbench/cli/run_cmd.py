"""`canvasbench run` (one prompt, several models, live) and `canvasbench sweep` (the suite, unattended)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from canvasbench.cli.common import EXIT_INTERRUPTED, clean_errors, db_option, sigterm_as_interrupt
from canvasbench.cli.run_display import LiveDisplay, SweepBar, summary_table
from canvasbench.comparisons import repeat_models
from canvasbench.errors import StoreError, UsageError
from canvasbench.prompts import custom_prompt, get_prompt, load_suite
from canvasbench.providers.base import THINKING_LEVELS
from canvasbench.render import RenderCheckPool
from canvasbench.runner import Runner, RunOptions
from canvasbench.status import Status
from canvasbench.store.reads import latest_checks, run_status

REFRESH_S = 0.25
CANCEL_WAIT_S = 30.0

JSON_RUN_FIELDS = (
    "run_id",
    "model",
    "status",
    "finish_reason",
    "ttft_s",
    "latency_s",
    "output_tokens",
    "thinking_tokens",
    "lines",
    "code_lines",
    "cost_usd",
    "error",
)

EXIT_HELP = (
    "Exit status: 0 when every run is done, 1 when any is not (failed, incomplete, cancelled), "
    "2 for usage errors, 130 when stopped with Ctrl-C (runs cancelled, partial outputs kept)."
)


def json_run(row: dict[str, Any]) -> dict[str, Any]:
    """A stored run as the `--json` output describes it."""
    values = {**row, "run_id": row["id"], "model": row["model_id"]}
    return {name: values.get(name) for name in JSON_RUN_FIELDS}


def exit_code(rows: Sequence[dict[str, Any]], interrupted: bool) -> int:
    """0 all done, 1 any not done, 130 after Ctrl-C."""
    if interrupted:
        return EXIT_INTERRUPTED
    return 0 if rows and all(r["status"] == "done" for r in rows) else 1



def _prompt_from_options(text: str | None, file: Path | None, prompt_id: str | None) -> dict[str, Any]:
    sources = (("--prompt", text), ("--prompt-file", file), ("--prompt-id", prompt_id))
    given = [name for name, value in sources if value is not None]
    if not given:
        raise UsageError(
            "Give the prompt: --prompt TEXT, --prompt-file PATH or --prompt-id ID (see `canvasbench prompts`)."
        )
    if len(given) > 1:
        raise UsageError(f"Give only one of --prompt, --prompt-file and --prompt-id (got {' and '.join(given)}).")
    if prompt_id is not None:
        return get_prompt(prompt_id).as_row()
    if file is not None:
        try:
            content = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Cannot read the prompt file {file}: {exc}.") from exc
        return custom_prompt(content, title=None)
    assert text is not None
    return custom_prompt(text)


def _wait_live(runner: Runner, comparison_ids: Sequence[str], show: Any) -> bool:
    """Refresh the display until every run is saved; on Ctrl-C cancel them all. Returns whether interrupted."""
    try:
        while any(cid in runner.active_comparisons() for cid in comparison_ids):
            show()
            time.sleep(REFRESH_S)
        show()
        return False
    except KeyboardInterrupt:
        click.echo("\nCancelling: the output received so far is kept (Ctrl-C again to quit at once).", err=True)
        for cid in comparison_ids:
            runner.cancel_comparison(cid)
        try:
            for cid in comparison_ids:
                runner.wait(cid, timeout=CANCEL_WAIT_S)
        except KeyboardInterrupt:
            # Quit at once, without waiting for the writer: the runs stay `running` in the store and the
            # next store open marks them interrupted, with the text checkpointed so far.
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        return True


def _quietly(show: Callable[[], None]) -> Callable[[], None]:
    """A display refresh that skips a beat when the database cannot be read (the end result says why)."""

    def refresh() -> None:
        with contextlib.suppress(StoreError):
            show()

    return refresh


def _settle(runner: Runner, fetch: Callable[[], list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The runs as stored, and what could not be saved: a run whose final write failed reads as failed."""
    unsaved = runner.unsaved_runs()
    problems = list(unsaved.values())
    try:
        rows = fetch()
    except StoreError as exc:
        return [], [*problems, f"Cannot read the results back: {exc}"]
    rows = [{**r, "status": "failed", "error": unsaved[r["id"]]} if r["id"] in unsaved else r for r in rows]
    return rows, problems


def _report_problems(problems: Sequence[str]) -> None:
    for problem in problems:
        click.echo(f"Error: {problem}", err=True)


def _check_hook(checks: RenderCheckPool | None) -> Callable[[str], None] | None:
    """Queue a render check for each finished run, except runs the user cancelled (Ctrl-C must exit quickly)."""
    if checks is None:
        return None

    def hook(run_id: str) -> None:
        status = run_status(checks.store, run_id)
        if status is not None and status != Status.CANCELLED:
            checks.on_run_finished(run_id)

    return hook


def _finish_checks(checks: RenderCheckPool | None, *, interrupted: bool) -> bool:
    """Let queued render checks finish; after Ctrl-C (before or during) stop them at once, unfinished
    ones saved as `not checked` for `canvasbench check --all-unchecked`. Returns whether interrupted."""
    if checks is None:
        return interrupted
    if not interrupted:
        try:
            if checks.pending():
                click.echo(f"Checking how {len(checks.pending())} artifact(s) render in headless chromium...", err=True)
            checks.shutdown(wait=True)
            return False
        except KeyboardInterrupt:
            click.echo("\nInterrupted: unfinished render checks are saved as `not checked`.", err=True)
    checks.interrupt()
    return True


def _verdicts(runner: Runner, rows: Sequence[dict[str, Any]], checked: bool) -> dict[str, dict[str, Any]] | None:
    """Each checked run's latest render check (None when checks were off or cannot be read)."""
    try:
        return latest_checks(runner.store, [r["id"] for r in rows]) if checked else None
    except StoreError:
        return None


def _echo_evidence(rows: Sequence[dict[str, Any]], checks: dict[str, dict[str, Any]], *, only_problems: bool) -> None:
    """One line per checked run (or per run that did not render cleanly): the verdict and its evidence."""
    for row in rows:
        check = checks.get(row["id"])
        if check and not (only_problems and check["verdict"] == "renders"):
            label = f"{row['prompt_id']} × {row['model_id']}" if only_problems else row["model_id"]
            click.echo(f"{label}: {check['verdict']} - {check['evidence']}")


def _verdict_column(checks: dict[str, dict[str, Any]] | None) -> dict[str, str] | None:
    return None if checks is None else {run_id: c["verdict"] for run_id, c in checks.items()}


model_option = click.option(
    "--model", "models", multiple=True, required=True, metavar="ID", help="provider:model; repeat for more models."
)
max_tokens_option = click.option(
    "--max-output-tokens",
    type=click.IntRange(min=1),
    default=None,
    help="Output limit (default: each model's maximum).",
)
check_option = click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Open each finished artifact in headless chromium and record whether it renders.",
)
deadline_option = click.option(
    "--deadline",
    "deadline_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Stop each run this long after it starts, keeping its text (default: none; a run that brings no new "
    "text for 5 minutes stops anyway, keep-alive pings or not).",
)
thinking_option = click.option(
    "--thinking", type=click.Choice(THINKING_LEVELS), default="default", show_default=True, help="Reasoning effort."
)


@click.command("run", epilog=EXIT_HELP)
@click.option("--prompt", "prompt_text", metavar="TEXT", help="The prompt text.")
@click.option("--prompt-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the prompt from a file.")
@click.option("--prompt-id", metavar="ID", help="A prompt of the suite (see `canvasbench prompts`).")
@model_option
@click.option("--repeat", type=int, default=1, show_default=True, help="Run each model N times (samples).")
@max_tokens_option
@thinking_option
@deadline_option
@check_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every run's metrics on stdout.")
@clean_errors
def run_command(
    prompt_text: str | None,
    prompt_file: Path | None,
    prompt_id: str | None,
    models: tuple[str, ...],
    repeat: int,
    max_output_tokens: int | None,
    thinking: str,
    deadline_s: float | None,
    check: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Send one prompt to several models at once and watch them stream side by side."""
    prompt = _prompt_from_options(prompt_text, prompt_file, prompt_id)
    models = tuple(repeat_models(models, repeat))
    options = RunOptions(
        max_output_tokens=max_output_tokens, thinking=thinking, deadline_s=deadline_s  # type: ignore[arg-type]
    )
    # Every model of one comparison streams at once: the per-provider limit is for sweeps.
    checks = RenderCheckPool(db) if check else None
    runner = Runner(
        db,
        default_concurrency=max(4, len(models)),
        on_run_finished=_check_hook(checks),
    )
    interrupted = True  # until the runs are seen to the end
    try:
        with sigterm_as_interrupt():
            comparison_id = runner.submit(prompt, models, options)
            display = LiveDisplay(sys.stderr)
            interrupted = _wait_live(
                runner, [comparison_id], _quietly(lambda: display.update(runner.store.run_metrics(comparison_id)))
            )
    finally:
        runner.shutdown()
        interrupted = _finish_checks(checks, interrupted=interrupted)
    rows, problems = _settle(runner, lambda: runner.store.run_metrics(comparison_id))
    if as_json:
        click.echo(json.dumps({"comparison_id": comparison_id, "runs": [json_run(r) for r in rows]}))
    elif rows:
        found = _verdicts(runner, rows, check)
        click.echo(summary_table(rows, verdicts=_verdict_column(found)))
        _echo_evidence(rows, found or {}, only_problems=False)
        if not problems:
            click.echo(f"\nComparison {comparison_id} saved in {runner.store.path}")
    _report_problems(problems)
    sys.exit(exit_code(rows, interrupted) or (1 if problems else 0))


@click.command("sweep", epilog=EXIT_HELP)
@model_option
@click.option("--category", metavar="C", default=None, help="Only the suite's prompts of this category.")
@click.option("--prompt-id", "prompt_ids", multiple=True, metavar="ID", help="Only these prompts; repeat for more.")
@max_tokens_option
@thinking_option
@deadline_option
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=4, show_default=True, help="Runs at once per provider."
)
@check_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every comparison on stdout.")
@clean_errors
def sweep_command(
    models: tuple[str, ...],
    category: str | None,
    prompt_ids: tuple[str, ...],
    max_output_tokens: int | None,
    thinking: str,
    deadline_s: float | None,
    concurrency: int,
    check: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Run the prompt suite (or part of it) against the models: one comparison per prompt, unattended."""
    prompts = [get_prompt(pid) for pid in dict.fromkeys(prompt_ids)] if prompt_ids else load_suite()
    if category is not None:
        known = sorted({p.category for p in load_suite()})
        prompts = [p for p in prompts if p.category.lower() == category.lower()]
        if not prompts:
            raise UsageError(f"No prompt of category '{category}' to run; the suite's categories: {', '.join(known)}.")
    if not prompts:
        raise UsageError("The prompt suite is empty: add prompts to gallery/ or pass --prompt-id.")
    options = RunOptions(
        max_output_tokens=max_output_tokens, thinking=thinking, deadline_s=deadline_s  # type: ignore[arg-type]
    )
    checks = RenderCheckPool(db) if check else None
    runner = Runner(db, default_concurrency=concurrency, on_run_finished=_check_hook(checks))
    comparisons: dict[str, str] = {}  # comparison id -> prompt id
    interrupted = True  # until the runs are seen to the end

    def rows_now() -> list[dict[str, Any]]:
        return [{**row, "prompt_id": pid} for cid, pid in comparisons.items() for row in runner.store.run_metrics(cid)]

    try:
        with sigterm_as_interrupt():
            # All at once: the per-provider limit queues them, and a slow provider never holds up a fast one.
            try:
                for prompt in prompts:
                    comparisons[runner.submit(prompt.as_row(), models, options)] = prompt.id
                bar = SweepBar(sys.stderr, total=len(prompts) * len(models))
                interrupted = _wait_live(runner, list(comparisons), _quietly(lambda: bar.update(rows_now())))
                bar.close()
            except KeyboardInterrupt:  # while submitting
                for cid in comparisons:
                    runner.cancel_comparison(cid)
                interrupted = True
    finally:
        runner.shutdown()
        interrupted = _finish_checks(checks, interrupted=interrupted)
    rows, problems = _settle(runner, rows_now)
    if as_json:
        payload = {
            "comparisons": [
                {
                    "comparison_id": cid,
                    "prompt_id": pid,
                    "runs": [json_run(r) for r in rows if r["comparison_id"] == cid],
                }
                for cid, pid in comparisons.items()
            ]
        }
        click.echo(json.dumps(payload))
    elif rows:
        found = _verdicts(runner, rows, check)
        click.echo(summary_table(rows, prompt_column=True, verdicts=_verdict_column(found)))
        _echo_evidence(rows, found or {}, only_problems=True)
        done = sum(r["status"] == "done" for r in rows)
        where = "NOT all saved" if problems else f"saved in {runner.store.path}"
        click.echo(f"\n{done}/{len(rows)} runs done in {len(comparisons)} comparisons, {where}")
    _report_problems(problems)
    sys.exit(exit_code(rows, interrupted) or (1 if problems else 0))


def register(group: click.Group) -> None:
    """Add `run` and `sweep` to the CLI group."""
    group.add_command(run_command)
    group.add_command(sweep_command)
