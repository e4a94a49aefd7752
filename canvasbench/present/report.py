"""The interactive metrics report: one self-contained HTML file of plotly charts that opens offline.

Numbers only: run metrics, pass@round, costs and ratings, never a model's output (no artifact, answer or
thinking). plotly.js goes in once from the installed plotly package; the page requests nothing.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from canvasbench.contestants import contestant
from canvasbench.errors import UsageError
from canvasbench.present import formatting
from canvasbench.redact import redact
from canvasbench.store import RunStore, reads


@dataclass(frozen=True)
class ReportScope:
    """Which runs, attempts and pairwise outcomes the report counts; days are ISO dates, inclusive."""

    category: str | None = None
    since: str | None = None
    until: str | None = None
    sweep_id: str | None = None
    comparison_id: str | None = None

    def words(self) -> str:
        """The filters in words, for the report's header."""
        parts = [
            f"{label} {value}"
            for label, value in (
                ("category", self.category), ("from", self.since), ("until", self.until),
                ("sweep", self.sweep_id), ("comparison", self.comparison_id),
            )
            if value
        ]  # fmt: skip
        return ", ".join(parts) if parts else "none (the whole database)"


@dataclass(frozen=True)
class Report:
    """The finished file and what went into it."""

    html: str
    runs: int
    comparisons: int
    figures: dict[str, Any] = field(default_factory=dict)  # name -> plotly Figure, or None when it had no data

    @property
    def size(self) -> int:
        """The file's size in bytes (UTF-8)."""
        return len(self.html.encode("utf-8"))


# Each chart: its key, its heading, and what the page says when it has no data.
SECTIONS = (
    ("lines_time", "Lines against time", "No finished run has both a line count and a total time."),
    ("tokens_per_s", "Tokens per second", "No run has a tokens/s figure (batch and imported runs have none)."),
    ("ttft_s", "Time to first token", "No run has a time to first token (batch and imported runs have none)."),
    ("cost", "Cost per run", "No run has a known price (see canvasbench models for the price table)."),
    ("render_share", "Renders cleanly", "No run has been render-checked yet (canvasbench check)."),
    ("pass_at_round", "pass@round", "No comparison here asked for repair rounds (run with --repair N)."),
    ("cost_per_acceptable", "Cost per acceptable page",
     "No acceptable page with a known cost (or no comparison here asked for repair rounds)."),
    ("ratings_human", "Rating by human votes", "No arena votes here yet (the dashboard's Arena page)."),
    ("ratings_judge", "Rating by the AI judge", "No judgments here yet (canvasbench judge)."),
)  # fmt: skip


def check_scope(store: RunStore, scope: ReportScope) -> None:
    """Refuse a sweep or comparison this database does not hold, before any work (UsageError)."""
    if scope.comparison_id is not None and reads.get_comparison(store, scope.comparison_id) is None:
        raise UsageError(f"No comparison '{scope.comparison_id}' in this database: see the gallery for ids.")
    if scope.sweep_id is not None and scope.sweep_id not in {s["sweep_id"] for s in reads.sweeps(store, 1_000_000)}:
        raise UsageError(f"No sweep '{scope.sweep_id}' in this database: see the Sweep matrix page for ids.")


def _run_rows(store: RunStore, scope: ReportScope) -> list[dict[str, Any]]:
    flt = reads.RunFilter(
        categories=(scope.category,) if scope.category else (),
        since=scope.since,
        until=scope.until,
        comparison_id=scope.comparison_id,
        sweep_id=scope.sweep_id,
    )
    return reads.runs_table(store, flt)


def _figures(store: RunStore, scope: ReportScope, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Every chart of the report (None where there is no data), from the core's own figures."""
    from canvasbench.arena.leaderboard import leaderboard
    from canvasbench.present import report_figures as rf
    from canvasbench.present.model_summary import contestant_runs
    from canvasbench.present.palette import contestant_colours
    from canvasbench.run.attempts import attempt_rows

    in_scope = {r["comparison_id"] for r in runs}
    runs = contestant_runs(runs)  # a planner is no run of its own: its cost is in the round built on it
    attempts = [a for a in attempt_rows(reads.round_rows(store, scope.comparison_id)) if a["comparison_id"] in in_scope]
    if not any(int(a.get("repair") or 0) for a in attempts):
        attempts = []  # as on the dashboard: the curve means something once a comparison asked for repairs
    arena = reads.ArenaFilter(scope.category, scope.since, scope.until, None, scope.comparison_id, scope.sweep_id)
    boards = {basis: leaderboard(store, by=basis, scope=arena) for basis in ("human", "judge")}
    names = [contestant(r) for r in runs] + [str(a["model"]) for a in attempts]
    names += [str(r["model"]) for b in boards.values() for r in b.rows]
    colours = contestant_colours(store, sorted(set(names)))
    return {
        "lines_time": rf.lines_vs_time(runs, colours),
        "tokens_per_s": rf.distribution(runs, colours, "tokens_per_s", "Tokens per second", "tokens/s",
                                        lambda v: f"{formatting.count(v)} tokens/s"),
        "ttft_s": rf.distribution(runs, colours, "ttft_s", "Time to first token", "seconds",
                                  lambda v: formatting.duration(v)),
        "cost": rf.cost_per_run(runs, colours),
        "render_share": rf.render_share(runs, colours),
        "pass_at_round": rf.pass_curve(attempts, colours),
        "cost_per_acceptable": rf.cost_per_acceptable(attempts, colours),
        "ratings_human": rf.ratings(boards["human"].rows, colours, "human votes", boards["human"].outcomes),
        "ratings_judge": rf.ratings(boards["judge"].rows, colours, "the AI judge", boards["judge"].outcomes),
    }  # fmt: skip


def build_report(store: RunStore, scope: ReportScope = ReportScope(), *, now: datetime | None = None) -> Report:
    """The report of the runs in scope; UsageError for an unknown sweep or comparison or when no run matches."""
    check_scope(store, scope)
    runs = _run_rows(store, scope)
    if not runs:
        where = "this database" if scope == ReportScope() else f"this database with these filters ({scope.words()})"
        raise UsageError(f"No runs in {where}: nothing to report. Run a comparison first, or widen the filters.")
    figures = _figures(store, scope, runs)
    title = None
    if scope.comparison_id is not None:
        title = (reads.get_comparison(store, scope.comparison_id) or {}).get("title")
    head = _header(store, scope, runs, title, now or datetime.now(UTC))
    page = _page(head, figures)
    return Report(page, len(runs), len({r["comparison_id"] for r in runs}), figures)


def many(n: int, word: str) -> str:
    """A count with its noun: "1 run", "2,400 runs"."""
    return f"{formatting.count(n)} {word}{'' if n == 1 else 's'}"


def _version() -> str:
    try:
        return metadata.version("canvasbench")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _header(store: RunStore, scope: ReportScope, runs: list[dict[str, Any]], title: str | None, now: datetime) -> str:
    days = sorted(str(r["created_at"])[:10] for r in runs if r.get("created_at"))
    span = (f"on {days[0]}" if days[0] == days[-1] else f"from {days[0]} to {days[-1]}") if days else "undated"
    contestants = len({contestant(r) for r in runs})
    # The file's name only: where it lives (a home directory, a user name) stays on this machine.
    facts = [
        ("Data", f"{many(len(runs), 'run')} of {many(len({r['comparison_id'] for r in runs}), 'comparison')}, "
                 f"{many(contestants, 'contestant')}, created {span}"),
        ("Database", redact(store.path.name)),
        ("Filters", scope.words() + (f" ({title})" if title else "")),
        ("Made", f"{now.astimezone(UTC):%Y-%m-%d %H:%M} UTC with CanvasBench {_version()}"),
    ]  # fmt: skip
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    return (
        "<header><h1>CanvasBench metrics report</h1>"
        f"<dl>{rows}</dl><p class=note>Numbers only: no model output is in this file. Hover a mark for its "
        "details, drag to zoom, double-click to zoom back out; a legend entry hides or shows its contestant.</p>"
        "</header>"
    )


def _json(figure: Any) -> str:
    # Inert data inside <script type=application/json>: no "<" may end the block early.
    return figure.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(head: str, figures: dict[str, Any]) -> str:
    from plotly.offline import get_plotlyjs

    sections = []
    for key, heading, empty in SECTIONS:
        figure = figures[key]
        if figure is None:  # the heading says what is missing; a drawn chart's own title is its heading
            body = f"<h2>{html.escape(heading)}</h2><p class=empty>{html.escape(empty)}</p>"
        else:
            body = (f"<div class=chart id=fig-{key}></div>"
                    f"<script type=application/json data-figure=fig-{key}>{_json(figure)}</script>")  # fmt: skip
        sections.append(f"<section id={key}>{body}</section>")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>CanvasBench metrics report</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>{head}<main>{''.join(sections)}</main>"
        f"<script>{DRAW}</script></body></html>"
    )


# Nothing may leave the page: no request of any kind, no frame, no form; plotly's script and ours are inline.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; connect-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'"
)
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1f2328}"
    "h1{font-size:1.5em;margin:0 0 8px}h2{font-size:1.15em;margin:28px 0 4px}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dt{color:#59636e}dd{margin:0}"
    ".note{color:#59636e;font-size:.9em}.empty{color:#59636e;font-style:italic}.chart{min-height:420px;margin-top:20px}"
)
# Our one script: each figure's inert JSON drawn into its box; responsive, so it follows the window's width.
CONFIG = {"displaylogo": False, "responsive": True}
DRAW = (
    f"(function(){{var config={json.dumps(CONFIG)};"
    "document.querySelectorAll('script[data-figure]').forEach(function(block){"
    "var figure=JSON.parse(block.textContent);"
    "Plotly.newPlot(document.getElementById(block.getAttribute('data-figure')),figure.data,figure.layout,config);"
    "});})();"
)
