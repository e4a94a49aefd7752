"""`canvasbench check` (render checks in headless Chromium) and `canvasbench mirror` (offline CDN mirror)."""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import click

from canvasbench.cli.common import (
    EXIT_INTERRUPTED,
    UsageFailure,
    clean_errors,
    db_option,
    open_store,
    sigterm_as_interrupt,
)
from canvasbench.contestants import is_plan
from canvasbench.paths import mirror_dir
from canvasbench.render import CheckLimits, RenderCheck, RenderCheckPool, save_check
from canvasbench.render.processes import chromium_path
from canvasbench.render.verdict import NOT_CHECKED, not_checked
from canvasbench.sandbox.mirror import MIRROR_PACKAGES, load_mirror
from canvasbench.sandbox.mirror_build import build_mirror
from canvasbench.store import RunStore, reads
from canvasbench.store.reads import unchecked_run_ids


@click.command("check")
@click.argument("run_ids", nargs=-1, metavar="[RUN_ID ...]")
@click.option("--all-unchecked", is_flag=True, help="Check every finished run with an artifact and no check yet.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array: verdict and evidence per run.")
@click.option("--timeout", type=click.FloatRange(1, 300), default=10.0, show_default=True,
              help="Seconds a page may take to load before it is stopped.")
@click.option("--watch", type=click.FloatRange(0.5, 60), default=3.0, show_default=True,
              help="Seconds to watch each page after it loads (animation frames, late errors).")
@click.option("--workers", type=click.IntRange(1, 8), default=2, show_default=True, help="Checks at a time.")
@db_option
@clean_errors
def check_command(
    run_ids: tuple[str, ...],
    all_unchecked: bool,
    as_json: bool,
    timeout: float,
    watch: float,
    workers: int,
    db: str | None,
) -> None:
    """Open runs' artifacts in headless Chromium and record whether they render.

    Each page runs offline in the dashboard's sandbox; CDN libraries come from the local mirror
    (`canvasbench mirror build`). Verdicts: renders, renders with errors, blank, crashed, not checked.
    """
    store = open_store(db)
    ids = list(dict.fromkeys(run_ids))
    unknown = [rid for rid in ids if reads.get_run(store, rid) is None]
    if unknown:
        raise UsageFailure(
            f"Unknown run id{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            "List runs with 'canvasbench inspect'."
        )
    plans = [rid for rid in ids if is_plan(reads.get_run(store, rid) or {})]
    if plans:  # a design, not a page: a check would store a verdict for something no page ever came from
        raise UsageFailure(
            f"Run {plans[0]} is a build recipe's planner: it wrote a design, not a page, so there is nothing to "
            "check. Check the build after it (its round 0) instead."
        )
    if all_unchecked:
        ids += [rid for rid in unchecked_run_ids(store) if rid not in ids]
    elif not ids:
        raise UsageFailure("Give one or more RUN_IDs, or --all-unchecked to check every run not yet checked.")
    if not ids:
        click.echo("[]" if as_json else "Every finished run with an artifact has been checked.")
        return
    browser = chromium_path()
    if browser is None or not Path(browser).exists():
        raise click.ClickException(
            f"Chromium was not found{f' at {browser}' if browser else ''}: install it "
            "('sudo apt-get install chromium') or set CANVASBENCH_CHROMIUM to its path."
        )
    if load_mirror().empty and not as_json:
        click.echo(
            "Note: the offline library mirror is not built; CDN libraries will be blocked. "
            "Run 'canvasbench mirror build'.",
            err=True,
        )

    pool = RenderCheckPool(store.path, workers=workers, limits=CheckLimits(load_timeout_s=timeout, sample_s=watch))
    results: list[dict[str, object]] = []
    futures: list[tuple[str, Future[RenderCheck]]] = []
    try:
        with sigterm_as_interrupt():
            futures = [(rid, pool.submit(rid)) for rid in ids]
            for rid, future in futures:
                results.append(_report(store, rid, future.result(), as_json))
    except KeyboardInterrupt:
        # Ctrl-C: checks still running end as `not checked` (never `crashed`) and are saved as such,
        # so `check --all-unchecked` does them again; the summary says what was finished.
        pool.interrupt()
        click.echo("\nInterrupted: unfinished checks are saved as 'not checked'.", err=True)
        deadline = time.monotonic() + 1.0
        for rid, future in futures[len(results) :]:
            try:
                check = future.result(timeout=max(deadline - time.monotonic(), 0.01))
            except BaseException:  # cancelled, timed out, a second Ctrl-C: it was not finished
                check = None
            results.append(_report(store, rid, check or not_checked(INTERRUPTED), as_json))
        if as_json:
            click.echo(json.dumps(results, indent=2, default=str))
        sys.exit(EXIT_INTERRUPTED)
    finally:
        if not pool.interrupted:
            pool.shutdown()
    if as_json:
        click.echo(json.dumps(results, indent=2, default=str))


INTERRUPTED = (
    "The check was interrupted (Ctrl-C) before it finished; 'canvasbench check --all-unchecked' does it again."
)


def _report(store: RunStore, run_id: str, check: RenderCheck, as_json: bool) -> dict[str, object]:
    """Print one run's check (unless --json) and return it as the JSON output describes it."""
    run = reads.get_run(store, run_id) or {}
    if check.verdict == NOT_CHECKED:
        save_check(store, run_id, check)  # an interrupted check is recorded as not checked, never lost
    if not as_json:
        click.echo(f"{run_id}  {run.get('model_id', '')}  {check.verdict}: {check.evidence}")
        if check.interaction:
            click.echo(f"    played: {'; '.join(check.interaction)}")
        if check.served or check.substitutions:
            click.echo(f"    libraries: {', '.join([*check.served, *check.substitutions])}")
    return {"run_id": run_id, "model_id": run.get("model_id"), **check.as_dict()}


@click.group("mirror")
def mirror_group() -> None:
    """The offline mirror of CDN libraries (three.js, p5, d3, ...) used by render checks."""


@mirror_group.command("build")
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to build into (default: $CANVASBENCH_MIRROR, else storage/mirror).",
)
@clean_errors
def mirror_build(dest: Path | None) -> None:
    """Fetch the mirrored libraries with `npm pack` and unpack them (skips ones already there)."""
    target = dest or mirror_dir()
    path = build_mirror(target, progress=lambda name: click.echo(f"fetching {name}", err=True))
    click.echo(f"Mirror ready at {path}: {len(load_mirror(path).summary())} packages.")


@mirror_group.command("status")
@clean_errors
def mirror_status() -> None:
    """List the mirrored packages and any that are missing."""
    mirror = load_mirror()
    have = set(mirror.summary())
    for name, version in MIRROR_PACKAGES:
        spec = f"{name}@{version}"
        click.echo(f"{'ok     ' if spec in have else 'missing'}  {spec}")
    if mirror.empty:
        click.echo(f"The mirror at {mirror.root} is not built: run 'canvasbench mirror build'.")
