"""`canvasbench run` (one prompt, several models, live) and `canvasbench sweep` (the suite, unattended)."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from canvasbench.cli.common import clean_errors, db_option
from canvasbench.cli.run_display import LiveDisplay, SweepBar, run_label, summary_table
from canvasbench.errors import UsageError
from canvasbench.present.outcome import left_no_page
from canvasbench.providers.base import THINKING_LEVELS
from canvasbench.redact import prompt_key_warning
from canvasbench.run.acceptable import DEFAULT_ACCEPT, MAX_REPAIR, parse_accept
from canvasbench.run.prompt_suite import custom_prompt, get_prompt, load_suite
from canvasbench.status import State, Verdict, run_state

if TYPE_CHECKING:
    from canvasbench.cli.execute import Outcome
    from canvasbench.run.recipes import Recipe

F = TypeVar("F", bound=Callable[..., Any])

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
    "round",
    "parent_run_id",
    "recipe",
)

EXIT_HELP = (
    "Exit status: 0 when every run is done, 1 when any is not (failed, incomplete, cancelled), "
    "2 for usage errors, 130 when stopped with Ctrl-C (runs cancelled, partial outputs kept)."
)


def json_run(row: dict[str, Any]) -> dict[str, Any]:
    """A stored run as the `--json` output describes it."""
    state = run_state(row.get("status"), row.get("finish_reason"), row.get("error"), row.get("truncated"))
    # `status` is the state word the summary, the dashboard and the exports show (a cut run is "cut").
    values = {**row, "run_id": row["id"], "model": row["model_id"], "status": state.value}
    return {name: values.get(name) for name in JSON_RUN_FIELDS}


def _prompt_from_options(text: str | None, file: Path | None, prompt_id: str | None) -> dict[str, Any]:
    sources = (("--prompt", text), ("--prompt-file", file), ("--prompt-id", prompt_id))
    given = [name for name, value in sources if value is not None]
    if not given:
        raise UsageError(
            "Give the prompt: --prompt TEXT, --prompt-file PATH or --prompt-id ID (see 'canvasbench prompts')."
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


def _echo_evidence(rows: Sequence[dict[str, Any]], checks: dict[str, dict[str, Any]], *, only_problems: bool) -> None:
    """One line per checked run (or per run that did not render cleanly): the verdict and its evidence."""
    for row in rows:
        check = checks.get(row["id"])
        if only_problems and left_no_page(row):
            continue  # no page to check: the summary already said what happened to the run
        if check and not (only_problems and check["verdict"] == Verdict.RENDERS):
            # Named as the table names it: a recipe's round by its recipe and step, not as its builder alone.
            label = f"{row['prompt_id']} × {run_label(row)}" if only_problems else run_label(row)
            click.echo(f"{label}: {check['verdict']} - {check['evidence']}")


def _start_warming(models: Sequence[str]) -> None:
    """Import and warm the models' SDKs on a thread while this one loads the runner and opens the store."""
    from canvasbench.run.warm import warm_in_background

    warm_in_background(dict.fromkeys(m.partition(":")[0].strip() for m in models), analysis_workers=False)


def echo_attempts(outcome: Outcome, repair: int, accept: str, recipes: Sequence[Recipe] = ()) -> None:
    """Per contestant, after repair rounds or with recipes: rounds, wall time and cost to an acceptable page.

    A recipe's time, tokens and cost add every step, its planner's included.
    """
    if not (repair or recipes) or outcome.verdicts is None:
        return
    from canvasbench.run.attempts import attempts, describe
    from canvasbench.store import RunStore, reads

    store = RunStore(outcome.store_path)
    try:  # the judge's scores are read with the rounds, as the attempts export reads them
        rows = [
            {**r, "prompt_id": label}
            for cid, label in outcome.comparisons.items()
            for r in reads.round_rows(store, cid)
        ]
    finally:
        store.close()
    if recipes:
        models = f"models at most {repair} repair rounds, " if any(not r.get("recipe") for r in rows) else ""
        click.echo(
            f"\nRounds and totals (acceptable: {accept}; {models}a recipe its own repair=; "
            "a recipe's time, tokens and cost add every step, its planner's included):"
        )
    else:
        click.echo(f"\nRepair rounds (acceptable: {accept}, at most {repair}):")
    own = {r.name: r.repair for r in recipes}
    for attempt in attempts(rows, outcome.verdicts, parse_accept(accept), repair=repair, recipe_repair=own):
        name = attempt.contestant or attempt.model_id
        label = name if attempt.prompt_id is None else f"{attempt.prompt_id} × {name}"
        click.echo(f"  {label}: {describe(attempt)}")


def _verdict_column(checks: dict[str, dict[str, Any]] | None) -> dict[str, str] | None:
    return None if checks is None else {run_id: c["verdict"] for run_id, c in checks.items()}


model_option = click.option(
    "--model", "models", multiple=True, metavar="ID", help="provider:model; repeat for more models."
)
recipe_option = click.option(
    "--recipe", "recipes", multiple=True, metavar="SPEC",
    help="A build recipe competing beside the models: 'plan=MODEL,build=MODEL,fix=MODEL,repair=N,name=NAME' "
    "(build required; the planner writes a design, the builder the page, repairs go to fix= or the builder). "
    "Repeatable.",
)  # fmt: skip


def checked_contestants(models: Sequence[str], recipes: Sequence[str]) -> list[Recipe]:
    """The recipes, refused with what to write when malformed or when nothing would compete (before any payment)."""
    from canvasbench.run.recipes import parse_recipes

    if not models and not recipes:
        raise UsageError("Give at least one --model provider:model or --recipe 'build=provider:model,...'.")
    return parse_recipes(recipes, models)


def echo_recipes(recipes: Sequence[Recipe]) -> None:
    """Each recipe once, by name, with its steps."""
    from canvasbench.run.recipes import distinct

    if recipes:
        click.echo("\nRecipes:")
        for recipe in distinct(recipes):
            click.echo(f"  {recipe.name}: {recipe.steps()}")
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
def repair_option(default: int | None = 0) -> Callable[[F], F]:
    """`--repair N`: repair rounds for a page that is not acceptable (None: as the comparison was run)."""
    return click.option(
        "--repair",
        type=click.IntRange(0, MAX_REPAIR),
        default=default,
        show_default=default is not None,
        metavar="N",
        help="When a page is not acceptable, send the model its render check's findings (and screenshots) and ask "
        f"for the corrected file, up to N times (0-{MAX_REPAIR}); each round is its own run.",
    )


def accept_option(default: str | None = DEFAULT_ACCEPT) -> Callable[[F], F]:
    """`--accept renders|judge>=K`: what ends the repair rounds."""
    return click.option(
        "--accept",
        default=default,
        show_default=default is not None,
        metavar="renders|judge>=K",
        help="What ends the repair rounds: the render check says 'renders'; judge>=K: and the AI judge "
        "(--judge-model) scores it at least K of 10, its low-scored checklist items quoted in the next round.",
    )


def judge_model_option(default: str | None = None) -> Callable[[F], F]:
    """`--judge-model ID`: the judge that scores each round with --accept judge>=K."""
    return click.option(
        "--judge-model", default=default, metavar="ID", help="With --accept judge>=K: the AI judge (provider:model)."
    )


def checked_repair(
    repair: int, accept: str, *, check: bool, judge_model: str | None = None, recipes: Sequence[Recipe] = ()
) -> tuple[int, str]:
    """The repair settings (a recipe's own repair= too, named as given), refused when they cannot work."""
    acceptance = parse_accept(accept)
    looped = next((r for r in recipes if r.repair), None)
    if (repair or looped) and not check:
        raise UsageError("--repair needs render checks to see what failed: drop --no-check." if not looped or repair
            else f"Recipe '{looped.name}' has repair={looped.repair}, which needs render checks to see what failed: "
            "drop --no-check (or give the recipe repair=0).")  # fmt: skip
    if (repair or looped) and acceptance.min_judge is not None:
        if not judge_model:
            raise UsageError("--accept judge>=K needs the judge: give --judge-model provider:model.")
        from canvasbench.providers.registry import ensure_ready

        ensure_ready(judge_model)  # its key, before any model is paid
    return repair, acceptance.spec


thinking_option = click.option(
    "--thinking", type=click.Choice(THINKING_LEVELS), default="default", show_default=True, help="Reasoning effort."
)


@click.command("run", epilog=EXIT_HELP)
@click.option("--prompt", "prompt_text", metavar="TEXT", help="The prompt text.")
@click.option("--prompt-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the prompt from a file.")
@click.option("--prompt-id", metavar="ID", help="A prompt of the suite (see 'canvasbench prompts').")
@model_option
@recipe_option
@click.option("--repeat", type=int, default=1, show_default=True, help="Run each model and recipe N times (samples).")
@max_tokens_option
@thinking_option
@deadline_option
@repair_option()
@accept_option()
@judge_model_option()
@check_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every run's metrics on stdout.")
@clean_errors
def run_command(
    prompt_text: str | None,
    prompt_file: Path | None,
    prompt_id: str | None,
    models: tuple[str, ...],
    recipes: tuple[str, ...],
    repeat: int,
    max_output_tokens: int | None,
    thinking: str,
    deadline_s: float | None,
    repair: int,
    accept: str,
    judge_model: str | None,
    check: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Send one prompt to several models (and build recipes) at once and watch them stream side by side."""
    found = checked_contestants(models, recipes)
    _start_warming([*models, *(m for r in found for m in r.model_ids)])
    from canvasbench.cli.execute import execute  # the runner, the store and their libraries: only when run
    from canvasbench.run.comparisons import repeat_models
    from canvasbench.run.recipes import repeat_recipes
    from canvasbench.run.runner import RunOptions

    # A recipe's own repair= rounds need what --repair needs (checks; a judge for judge>=K).
    repair, accept = checked_repair(repair, accept, check=check, judge_model=judge_model, recipes=found)
    prompt = _prompt_from_options(prompt_text, prompt_file, prompt_id)
    warning = prompt_key_warning(prompt["text"])
    if warning:  # the user's own words are stored as written, so say so before they are
        click.echo(warning, err=True)
    models = tuple(repeat_models(models, repeat))
    options = RunOptions(
        max_output_tokens=max_output_tokens, thinking=thinking,  # type: ignore[arg-type]
        deadline_s=deadline_s, repair=repair, accept=accept, judge_model=judge_model,
        recipes=tuple(repeat_recipes([r.spec for r in found], repeat)),
    )
    display = LiveDisplay(sys.stderr)
    # Every model of one comparison streams at once: the per-provider limit is for sweeps.
    outcome = execute(
        db, [(prompt, None)], models, options, concurrency=max(4, len(models) + len(options.recipes)), check=check,
        show=display.update,
    )
    comparison_id = next(iter(outcome.comparisons), None)
    if comparison_id is None:  # Ctrl-C before the comparison was recorded
        outcome.finish()
    rows = outcome.rows
    if as_json:
        click.echo(json.dumps({"comparison_id": comparison_id, "runs": [json_run(r) for r in rows]}))
    elif rows:
        click.echo(summary_table(rows, verdicts=_verdict_column(outcome.verdicts)))
        _echo_evidence(rows, outcome.verdicts or {}, only_problems=False)
        echo_recipes(found)
        echo_attempts(outcome, repair, accept, found)
        if not outcome.problems:
            click.echo(f"\nComparison {comparison_id} saved in {outcome.store_path}")
    outcome.finish()


def _shard(value: str | None) -> tuple[int, int] | None:
    """`--shard 2/3` as (2, 3)."""
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise click.BadParameter(f"'{value}' is not I/N with 1 <= I <= N (for example 2/3).")
    return int(index), int(count)


@click.command("sweep", epilog=EXIT_HELP)
@model_option
@recipe_option
@click.option("--category", metavar="C", default=None, help="Only the suite's prompts of this category.")
@click.option("--prompt-id", "prompt_ids", multiple=True, metavar="ID", help="Only these prompts; repeat for more.")
@click.option("--repeat", type=int, default=1, show_default=True, help="Run each model N times on each prompt.")
@click.option(
    "--shard", metavar="I/N", default=None, callback=lambda _c, _p, v: _shard(v),
    help="Run only the I-th of N equal parts of the prompts (on N machines; 'canvasbench merge' joins them).",
)
@max_tokens_option
@thinking_option
@deadline_option
@repair_option()
@accept_option()
@judge_model_option()
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=4, show_default=True, help="Runs at once per provider."
)
@click.option("--batch", is_flag=True,
              help="Run on the providers' batch engines: half price, results within hours ('canvasbench batches').")
@click.option("--batch-or-stream", is_flag=True,
              help="Like --batch, but stream the models whose endpoint has no batch API instead of refusing them.")
@check_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every comparison on stdout.")
@clean_errors
def sweep_command(
    models: tuple[str, ...],
    recipes: tuple[str, ...],
    category: str | None,
    prompt_ids: tuple[str, ...],
    repeat: int,
    shard: tuple[int, int] | None,
    max_output_tokens: int | None,
    thinking: str,
    deadline_s: float | None,
    repair: int,
    accept: str,
    judge_model: str | None,
    concurrency: int,
    batch: bool,
    batch_or_stream: bool,
    check: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Run the prompt suite (or part of it) against the models (and recipes): one comparison per prompt, unattended."""
    found = checked_contestants(models, recipes)
    if found and (batch or batch_or_stream):  # a batch answers once, hours later: a recipe's steps follow each other
        raise UsageError("Build recipes do not run on batch engines: run it streamed (drop --batch).")
    _start_warming([*models, *(m for r in found for m in r.model_ids)])
    from canvasbench.cli.execute import execute
    from canvasbench.ids import new_id
    from canvasbench.run.runner import RunOptions

    repair, accept = checked_repair(repair, accept, check=check, judge_model=judge_model, recipes=found)
    prompts = [get_prompt(pid) for pid in dict.fromkeys(prompt_ids)] if prompt_ids else load_suite()
    if category is not None:
        known = sorted({p.category for p in load_suite()})
        prompts = [p for p in prompts if p.category.lower() == category.lower()]
        if not prompts:
            raise UsageError(f"No prompt of category '{category}' to run; the suite's categories: {', '.join(known)}.")
    if not prompts:
        raise UsageError("The prompt suite is empty: add prompts to gallery/ or pass --prompt-id.")
    from canvasbench.run.comparisons import repeat_models
    from canvasbench.run.recipes import repeat_recipes

    models = tuple(repeat_models(models, repeat))
    options = RunOptions(
        max_output_tokens=max_output_tokens, thinking=thinking,  # type: ignore[arg-type]
        deadline_s=deadline_s, repair=repair, accept=accept, judge_model=judge_model,
        recipes=tuple(repeat_recipes([r.spec for r in found], repeat)),
    )
    sweep_id = new_id()  # the dashboard's matrix reads a sweep back by it
    if shard is not None:
        # Whole comparisons per shard (every model on a prompt), dealt round-robin in the suite's fixed order.
        index, count = shard
        # Every shard names the same sweep (made of what all of them share), so merged shards read as one.
        whole = json.dumps([[p.id for p in prompts], list(models), repr(options), count])
        sweep_id = "shards-" + hashlib.sha256(whole.encode()).hexdigest()[:20]
        prompts = prompts[index - 1 :: count]
        if not prompts:
            raise UsageError(f"Shard {index}/{count} has no prompt: use at most {count} shards for these prompts.")
    if batch or batch_or_stream:
        from canvasbench.cli.batches_cmd import submit_batches

        rows_in = [(p.as_row(), p.id) for p in prompts]
        left = submit_batches(db, rows_in, models, options, sweep_id, streamed=batch_or_stream, as_json=as_json)
        models = tuple(left)
        if not models:  # every model went to a batch engine
            return
    bar = SweepBar(sys.stderr, total=len(prompts) * (len(models) + len(options.recipes)))
    # All at once: the per-provider limit queues them, and a slow provider never holds up a fast one.
    outcome = execute(
        db, [(p.as_row(), p.id) for p in prompts], models, options, concurrency=concurrency, check=check,
        show=bar.update, close=bar.close, sweep_id=sweep_id,
    )
    rows = outcome.rows
    if as_json:
        payload = {
            "comparisons": [
                {
                    "comparison_id": cid,
                    "prompt_id": pid,
                    "runs": [json_run(r) for r in rows if r["comparison_id"] == cid],
                }
                for cid, pid in outcome.comparisons.items()
            ]
        }
        click.echo(json.dumps(payload))
    elif rows:
        click.echo(summary_table(rows, prompt_column=True, verdicts=_verdict_column(outcome.verdicts)))
        _echo_evidence(rows, outcome.verdicts or {}, only_problems=True)
        echo_recipes(found)
        echo_attempts(outcome, repair, accept, found)
        done = sum(json_run(r)["status"] == State.DONE for r in rows)  # "done" as the table above says it
        where = "NOT all saved" if outcome.problems else f"saved in {outcome.store_path}"
        click.echo(f"\n{done}/{len(rows)} runs done in {len(outcome.comparisons)} comparisons, {where}")
    outcome.finish()
