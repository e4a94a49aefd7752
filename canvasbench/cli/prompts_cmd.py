"""`canvasbench prompts`: list the curated prompt suite, or print one prompt."""

from __future__ import annotations

import json

import click

from canvasbench.cli.common import clean_errors
from canvasbench.errors import UsageError
from canvasbench.present import formatting
from canvasbench.run.prompt_suite import get_prompt, load_suite, suite_categories


@click.command("prompts")
@click.option("--category", "-c", default=None, help="Only prompts in this category (e.g. threejs, svg, game).")
@click.option(
    "--id",
    "prompt_id",
    default=None,
    metavar="ID",
    help="Print this prompt's text alone (pipe it to a file, or pass the id to 'run --prompt-id').",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of prompts, or one object with --id.")
@clean_errors
def prompts_command(category: str | None, prompt_id: str | None, as_json: bool) -> None:
    """List the prompt suite in gallery/ (id, category, kind, title), or print one prompt with --id."""
    if prompt_id is not None:
        prompt = get_prompt(prompt_id)
        if as_json:
            click.echo(json.dumps(prompt.as_row(), ensure_ascii=False, indent=2))
        else:
            click.echo(prompt.text)
        return

    suite = load_suite()
    if category is not None:
        known = suite_categories(suite)
        if category not in known:
            raise UsageError(f"Unknown category '{category}'. Known categories: {', '.join(known)}.")
        suite = [p for p in suite if p.category == category]

    if as_json:
        click.echo(json.dumps([p.as_row() for p in suite], ensure_ascii=False, indent=2))
        return
    rows = [[p.id, p.category, p.kind, p.title] for p in suite]
    click.echo(formatting.table(["id", "category", "kind", "title"], rows))
    click.echo(
        f"\n{len(suite)} prompt(s). Print one with 'canvasbench prompts --id ID'; "
        f"run one with 'canvasbench run --prompt-id ID --model PROVIDER:MODEL'.",
        err=True,
    )
