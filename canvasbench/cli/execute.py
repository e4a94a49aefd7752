"""The executor `run`, `sweep` and `rerun` share: submit, show progress, Ctrl-C, render checks, read back, exit code."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from canvasbench.cli.common import EXIT_INTERRUPTED, open_store, sigterm_as_interrupt
from canvasbench.errors import StoreError
from canvasbench.run.recipes import recipe_repairs
from canvasbench.run.runner import Runner, RunOptions
from canvasbench.status import Status
from canvasbench.store import reads

if TYPE_CHECKING:
    from canvasbench.render import RenderCheckPool

REFRESH_S = 0.25
CANCEL_WAIT_S = 30.0

Rows = list[dict[str, Any]]


@dataclass
class Outcome:
    """What the runs came to: rows as stored, what could not be saved, render verdicts, Ctrl-C or not."""

    comparisons: dict[str, str | None]  # comparison id -> its label (a sweep's prompt id), in submit order
    rows: Rows
    problems: list[str]
    verdicts: dict[str, dict[str, Any]] | None  # run id -> latest render check (None: checks off)
    interrupted: bool
    store_path: Path

    def finish(self) -> NoReturn:
        """Print what could not be saved and exit: 0 all done, 1 any not done or not saved, 130 after Ctrl-C."""
        for problem in self.problems:
            click.echo(f"Error: {problem}", err=True)
        sys.exit(exit_code(self.rows, self.interrupted) or (1 if self.problems else 0))


def exit_code(rows: Sequence[dict[str, Any]], interrupted: bool) -> int:
    """0 all done, 1 any not done, 130 after Ctrl-C."""
    if interrupted:
        return EXIT_INTERRUPTED
    return 0 if rows and all(r["status"] == Status.DONE for r in rows) else 1


def execute(
    db: str | None,
    jobs: Sequence[tuple[dict[str, Any], str | None]],
    models: Sequence[str],
    options: RunOptions,
    *,
    concurrency: int,
    check: bool,
    show: Callable[[Rows], None],
    close: Callable[[], None] | None = None,
    sweep_id: str | None = None,
    start: Callable[[Runner], str] | None = None,
) -> Outcome:
    """Run each (prompt row, label) against `models` as one comparison each (of `sweep_id`), showing rows live.

    `start`, instead of jobs: starts runs in an existing comparison (a follow-up) and returns its id.
    """
    store = open_store(db)  # a database the runs could not be saved in is refused before any model is paid
    checks = None
    if check:
        from canvasbench.render import RenderCheckPool  # playwright: only when checks are on

        checks = RenderCheckPool(store.path)
    runner = Runner(store, default_concurrency=concurrency)
    if checks is not None:
        runner.use_checks(checks)  # cancelled runs are not checked: Ctrl-C must exit quickly
    if options.judge_model and (options.repair or any(recipe_repairs(options.recipes).values())):
        from functools import partial

        from canvasbench.judge.round_judge import judge_round

        runner.use_judge(partial(judge_round, runner.store))
    comparisons: dict[str, str | None] = {}
    interrupted = True  # until the runs are seen to the end

    def rows_now() -> Rows:
        return [
            {**row, "prompt_id": label} if label is not None else row
            for cid, label in comparisons.items()
            for row in reads.run_metrics(runner.store, cid)
        ]

    try:
        with sigterm_as_interrupt():
            try:
                if start is not None:
                    comparisons[start(runner)] = None
                for prompt, label in jobs:
                    comparisons[runner.submit(prompt, models, options, sweep_id=sweep_id)] = label
                interrupted = _wait_live(runner, list(comparisons), _quietly(lambda: show(rows_now())))
                if close is not None:
                    close()
            except KeyboardInterrupt:  # while submitting
                for cid in comparisons:
                    runner.cancel_comparison(cid)
                interrupted = True
    finally:
        runner.shutdown()
        interrupted = _finish_checks(checks, interrupted=interrupted)
    rows, problems = _settle(runner, rows_now)
    verdicts = _verdicts(runner, rows) if check else None
    runner.store.close()  # now, while we wait for it, rather than in the interpreter's teardown
    return Outcome(comparisons, rows, problems, verdicts, interrupted, runner.store.path)


def _wait_live(runner: Runner, comparison_ids: Sequence[str], show: Callable[[], None]) -> bool:
    """Refresh the display until every run is saved; on Ctrl-C cancel them all. Returns whether interrupted."""
    try:
        while True:
            saved = runner.saved_count()
            active = set(runner.active_comparisons())
            if not any(cid in active for cid in comparison_ids):
                break
            show()
            runner.wait_saved(saved, REFRESH_S)  # wakes as soon as a run is saved: the end is seen at once
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


def _settle(runner: Runner, fetch: Callable[[], Rows]) -> tuple[Rows, list[str]]:
    """The runs as stored, and what could not be saved: a run whose final write failed reads as failed."""
    unsaved = runner.unsaved_runs()
    problems = list(unsaved.values())
    try:
        rows = fetch()
    except StoreError as exc:
        return [], [*problems, f"Cannot read the results back: {exc}"]
    rows = [{**r, "status": Status.FAILED, "error": unsaved[r["id"]]} if r["id"] in unsaved else r for r in rows]
    return rows, problems


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
            click.echo("\nInterrupted: unfinished render checks are saved as 'not checked'.", err=True)
    checks.interrupt()
    return True


def _verdicts(runner: Runner, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]] | None:
    """Each run's latest render check (None when they cannot be read)."""
    from canvasbench.store.reads import latest_checks

    try:
        return latest_checks(runner.store, [r["id"] for r in rows])
    except StoreError:
        return None
