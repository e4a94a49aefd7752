"""`canvasbench judge`: an AI judge scores comparisons from screenshots, a checklist and the code."""

from __future__ import annotations

import json

import click

from canvasbench.cli.common import UsageFailure, clean_errors, db_option, open_store
from canvasbench.errors import MissingKeyError
from canvasbench.present import formatting
from canvasbench.providers.registry import ensure_ready
from canvasbench.store import reads


@click.command("judge")
@click.argument("comparison_ids", nargs=-1, metavar="[COMPARISON_ID ...]")
@click.option("--all-unjudged", is_flag=True, help="Every comparison this judge has not judged yet (in this mode).")
@click.option(
    "--judge-model", required=True, metavar="ID", help="The multimodal judge, e.g. gemini:gemini-3-pro-preview."
)
@click.option("--pairwise", is_flag=True, help="Ask A-vs-B for every pair, in both orders (a win needs both to agree).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array: one object per comparison.")
@db_option
@clean_errors
def judge_command(
    comparison_ids: tuple[str, ...], all_unjudged: bool, judge_model: str, pairwise: bool, as_json: bool, db: str | None
) -> None:
    """Judge finished runs: screenshots of the render check, the checklist and the code go to the judge model.

    Each run gets a score per checklist item, an overall 0–10 and one sentence (or, with --pairwise, each pair
    a verdict per order). An answer that is not the JSON asked for is asked again once, then stored as a
    failed judgment with the raw answer: it never becomes a score. Exit 1 when any judgment failed.
    """
    # Imported here: the judge pulls in the providers and the render records, which every CLI start would pay for.
    from canvasbench.judge.judge import judge_comparison
    from canvasbench.store.reads import unjudged_comparisons

    store = open_store(db)
    try:
        ensure_ready(judge_model)
    except MissingKeyError as exc:  # configuration, like a bad option: exit 2 before anything is sent
        raise UsageFailure(str(exc)) from exc
    ids = list(dict.fromkeys(comparison_ids))
    unknown = [cid for cid in ids if reads.get_comparison(store, cid) is None]
    if unknown:
        raise UsageFailure(f"Unknown comparison id(s): {', '.join(unknown)}. List them with 'canvasbench export'.")
    if all_unjudged:
        ids += [cid for cid in unjudged_comparisons(store, judge_model, pairwise=pairwise) if cid not in ids]
    elif not ids:
        raise UsageFailure("Give one or more COMPARISON_IDs, or --all-unjudged.")
    reports = []
    failed = 0
    for cid in ids:
        report = judge_comparison(store, cid, judge_model, pairwise=pairwise)
        failed += report.failed
        reports.append(report)
        if not as_json:
            ok = len(report.judgment_ids) - report.failed
            cost = formatting.cost(report.cost_usd)
            click.echo(f"{cid}: {ok} judged, {report.failed} failed, judge cost {cost}", err=True)
    if as_json:
        click.echo(json.dumps([
            {
                "comparison_id": r.comparison_id,
                "judgment_ids": r.judgment_ids,
                "failed": r.failed,
                "cost_usd": r.cost_usd,
            }
            for r in reports
        ], indent=2))
    if failed:
        raise SystemExit(1)
