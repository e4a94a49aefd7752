"""`canvasbench leaderboard`: Bradley–Terry ratings by human votes or by the AI judge, with cost and render rate."""

from __future__ import annotations

import json

import click

from canvasbench.cli.common import clean_errors, db_option, iso_day, open_store
from canvasbench.present import formatting


@click.command("leaderboard")
@click.option("--by", type=click.Choice(("human", "judge")), default="human", show_default=True,
              help="Rank by human arena votes or by the AI judge's verdicts.")
@click.option("--category", default=None, help="Only comparisons of this category (see 'canvasbench prompts').")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Only votes/judgments from this day on.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Only votes/judgments up to this day.")
@click.option("--judge-model", default=None, metavar="ID", help="Only this judge's verdicts (default: every judge).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@db_option
@clean_errors
def leaderboard_command(
    by: str,
    category: str | None,
    since: str | None,
    until: str | None,
    judge_model: str | None,
    as_json: bool,
    db: str | None,
) -> None:
    """Rank models by Bradley–Terry rating (Elo-like scale, 95% bootstrap interval) from pairwise outcomes.

    Beside each model: median cost per generation, median latency and the share of checked runs that
    render. The last line says how often the judge agrees with the human votes on pairs that have both.
    """
    # Imported here: the fit needs numpy, which every CLI start would pay for.
    from canvasbench.arena.leaderboard import leaderboard
    from canvasbench.store.reads import ArenaFilter

    store = open_store(db, writes=False)
    scope = ArenaFilter(category, iso_day(since, "--since"), iso_day(until, "--until"), judge_model)
    board = leaderboard(store, by=by, scope=scope)  # type: ignore[arg-type]
    agree = board.agreement
    if as_json:
        click.echo(json.dumps({
            "by": board.by,
            "category": category,
            "since": since,
            "until": until,
            "judge_model": judge_model,
            "outcomes": board.outcomes,
            "models": board.rows,
            "win_rate": [
                {"model": a, "opponent": b, "win_rate": rate, "outcomes": board.fit.pair_games[(a, b)]}
                for (a, b), rate in sorted(board.fit.win_rate.items())
            ],
            "judge_human_agreement": {"agree": agree.agree, "pairs": agree.pairs, "rate": agree.rate},
        }, indent=2))
        return
    if not board.rows:
        source = "arena votes (dashboard page Arena)" if by == "human" else "judgments ('canvasbench judge')"
        click.echo(f"No {source} yet{' in category ' + category if category else ''}: nothing to rank.")
    else:
        head = ["#", "model", "rating", "95% CI", "votes" if by == "human" else "verdicts",
                "median cost", "median latency", "renders", "runs"]
        body = [
            [
                str(r["rank"]), r["model"], f"{r['rating']:.0f}", f"{r['ci_low']:.0f}–{r['ci_high']:.0f}",
                str(r["votes"]), formatting.cost(r["median_cost_usd"]), formatting.duration(r["median_latency_s"]),
                formatting.share(r["render_share"]), str(r["runs"]),
            ]
            for r in board.rows
        ]
        click.echo(formatting.table(head, body))
    if agree.pairs:
        rate = formatting.share(agree.rate)
        click.echo(f"Judge agrees with the human votes on {agree.agree} of {agree.pairs} pairs ({rate}).")
    else:
        click.echo("Judge–human agreement: no pair of runs has both votes and a judge verdict yet.")
