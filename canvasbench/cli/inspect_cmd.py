"""`canvasbench inspect`: extract the artifact from a saved raw response and print its line metrics."""

from __future__ import annotations

import json
import sys

import click

from canvasbench.cli.common import clean_errors
from canvasbench.errors import UsageError
from canvasbench.measure.analysis import ResponseAnalysis, analyse_response
from canvasbench.present import formatting

_LABELS = (
    ("kind", "kind"),
    ("lines", "lines"),
    ("code_lines", "code lines"),
    ("chars", "chars"),
    ("truncated", "truncated"),
    ("response_lines", "response lines"),
)


def _table(result: ResponseAnalysis) -> str:
    data = result.as_dict()
    width = max(len(label) for _, label in _LABELS)
    rows = []
    for key, label in _LABELS:
        value = data[key]
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, int):
            shown = formatting.count(value)
        else:
            shown = str(value)
        rows.append(f"{label:<{width}}  {shown}")
    return "\n".join(rows)


@click.command("inspect")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object instead of a table.")
@click.option("--code", "show_code", is_flag=True, help="Print the extracted artifact itself (save it as a page).")
@clean_errors
def inspect_command(path: str, as_json: bool, show_code: bool) -> None:
    """Measure a saved raw model response: artifact kind, lines, code lines, chars, truncation.

    PATH is a text file holding the model's whole answer (prose, reasoning, fences and all);
    `-` reads standard input. Code lines are lines with at least one token that is not
    whitespace, a comment (HTML, CSS or JavaScript) or filler such as a line of dots.
    """
    if as_json and show_code:
        raise UsageError("Use either --json or --code, not both.")
    if path == "-":
        raw = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    else:
        with open(path, "rb") as handle:
            raw = handle.read().decode("utf-8", errors="replace")
    result = analyse_response(raw)
    if show_code:
        click.echo(result.code)
        if result.kind == "none":
            click.echo("No HTML or SVG artifact found in this response.", err=True)
        return
    if as_json:
        click.echo(json.dumps(result.as_dict()))
        return
    click.echo(_table(result))
    if result.kind == "none":
        click.echo("No HTML or SVG artifact found in this response.", err=True)
    elif result.truncated:
        click.echo("The artifact is cut off: extracted what is there.", err=True)
