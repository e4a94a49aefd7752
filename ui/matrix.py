"""The sweep matrix drawn as one HTML table: a cell per prompt × contestant, each a link to its comparison."""

from __future__ import annotations

import html
from typing import Any

from canvasbench.present import formatting
from canvasbench.present.matrix import Matrix, Summary, summarise
from canvasbench.present.outcome import describe_run
from ui import data
from ui.colours import colour
from ui.text import clipped_html
from ui.tiles import _VERDICT_TONES, _badge, comparison_href, cost_text, model_hover, short_name

THUMB_WIDTH = 240  # px; a cell is about 200 px wide at 1440 px with four contestants
_TABLE = "border-collapse:separate;border-spacing:6px;width:100%;table-layout:fixed"
_HEAD = "text-align:left;font-weight:600;font-size:0.9rem;vertical-align:bottom;padding:2px 4px"
_CELL = "vertical-align:top;border:1px solid rgba(128,128,128,0.25);border-radius:8px;padding:6px"
_SUMMARY = "vertical-align:top;background:rgba(151,166,195,0.12);border-radius:8px;padding:6px;font-size:0.85rem"
_LINK = "display:block;color:inherit;text-decoration:none"
_SHOT = "width:100%;aspect-ratio:16/10;object-fit:cover;object-position:top;border-radius:6px;display:block"
_NO_SHOT = (
    "aspect-ratio:16/10;display:flex;align-items:center;justify-content:center;background:rgba(128,128,128,0.12);"
    "border-radius:6px;opacity:0.75;font-size:0.8rem"
)
_FACTS = "font-size:0.8rem;opacity:0.7;margin-top:2px"  # the theme's text colour, dimmed: light and dark


def summary_text(s: Summary) -> list[str]:
    """A summary's lines: renders / runs, total cost, median lines."""
    lines = "–" if s.median_lines is None else formatting.count(s.median_lines)
    return [f"{s.renders}/{s.runs} render", cost_text(s.cost_usd, s.cost_unknown), f"median {lines} lines"]


def _summary_cell(s: Summary, kind: str) -> str:
    body = "".join(f"<div>{html.escape(line)}</div>" for line in summary_text(s))
    return f'<td class="cb-summary" data-summary="{kind}" style="{_SUMMARY}">{body}</td>'


def _verdict_badge(run: dict[str, Any]) -> str:
    verdict = run.get("render_verdict")
    if verdict:
        return _badge(verdict, _VERDICT_TONES.get(verdict, "gray"))
    state = describe_run(run)
    return _badge(state.label, state.tone)


def _image(run: dict[str, Any]) -> str | None:
    if not run.get("has_screenshot"):
        return None
    return data.tile_data_uri(run["id"], run.get("checked_at"), THUMB_WIDTH)


def _facts(run: dict[str, Any]) -> str:
    lines = "–" if run.get("lines") is None else formatting.count(run["lines"])
    return f"{lines} lines · {formatting.cost(run.get('cost_usd'), unknown='cost unknown')}"


def _repeats(runs: list[dict[str, Any]]) -> str:
    """Every repeat as a small numbered link with its verdict's colour, and what they come to together."""
    chips = []
    for n, run in enumerate(runs, start=1):
        verdict = run.get("render_verdict") or describe_run(run).label
        tip = html.escape(f"repeat {n}: {verdict} · {_facts(run)}", quote=True)
        chips.append(
            f'<a href="{html.escape(comparison_href(run["comparison_id"]), quote=True)}" title="{tip}" '
            f'style="color:inherit;text-decoration:none">'
            f'{_badge(f"#{n} {verdict}", _VERDICT_TONES.get(verdict, "gray"))}</a>'
        )
    s = summarise(runs)
    median = "–" if s.median_lines is None else formatting.count(s.median_lines)
    together = f"{len(runs)} runs: {s.renders} render · median {median} lines · {cost_text(s.cost_usd, s.cost_unknown)}"
    return f'<div>{"".join(chips)}</div><div style="{_FACTS}">{html.escape(together)}</div>'


def _cell(runs: list[dict[str, Any]], prompt_title: str, model_id: str, who: str | None = None) -> str:
    if not runs:
        return f'<td style="{_CELL};opacity:0.6;font-size:0.8rem">not run</td>'
    latest = runs[-1]
    image = _image(latest)
    alt = html.escape(f"{model_id} on {prompt_title}", quote=True)
    shot = (
        f'<img src="{image}" alt="{alt}" style="{_SHOT}">'
        if image
        else f'<div style="{_NO_SHOT}">no screenshot</div>'
    )
    tip = html.escape(f"Open the comparison: {prompt_title} · {who or model_hover(model_id)}", quote=True)
    main = (
        f'<a class="cb-cell-link" href="{html.escape(comparison_href(latest["comparison_id"]), quote=True)}" '
        f'title="{tip}" style="{_LINK}">{shot}<div>{_verdict_badge(latest)}</div>'
        f'<div style="{_FACTS}">{html.escape(_facts(latest))}</div></a>'
    )
    more = _repeats(runs) if len(runs) > 1 else ""
    return f'<td class="cb-cell" data-runs="{len(runs)}" style="{_CELL}">{main}{more}</td>'


def _head(model_id: str, who: str | None = None) -> str:
    label = clipped_html(
        short_name(model_id) if who is None or " — " not in who else model_id,  # a recipe: its own name
        style=f"border-left:4px solid {colour(model_id)};padding-left:6px",
        hover=who or model_hover(model_id),
    )
    return f'<th class="cb-contestant" style="{_HEAD}">{label}</th>'


def matrix_html(matrix: Matrix, rows_shown: slice = slice(None)) -> str:
    """The matrix: a header of contestants, a row per prompt (those in `rows_shown`) with its summary, and a row of
    column summaries (over every prompt of the matrix, shown or not)."""
    head = "".join(_head(m, matrix.who.get(m)) for m in matrix.contestants)
    rows = []
    for key, title, category in matrix.prompts[rows_shown]:
        name = clipped_html(title, style="font-weight:600;font-size:0.9rem", hover=f"{title} ({key})")
        sub = clipped_html(category, style="font-size:0.8rem;opacity:0.7") if category else ""
        cells = "".join(_cell(matrix.cell(key, m), title, m, matrix.who.get(m)) for m in matrix.contestants)
        rows.append(
            f'<tr class="cb-row"><th scope="row" style="{_HEAD};vertical-align:top">{name}{sub}</th>{cells}'
            f"{_summary_cell(matrix.row_summary[key], 'row')}</tr>"
        )
    everything = summarise(r for runs in matrix.cells.values() for r in runs)
    footer = "".join(_summary_cell(matrix.column_summary[m], "column") for m in matrix.contestants)
    prompt_width = "width:15%"
    return (
        f'<table class="cb-matrix" style="{_TABLE}"><thead><tr><th style="{_HEAD};{prompt_width}">Prompt</th>{head}'
        f'<th style="{_HEAD}">Prompt summary</th></tr></thead><tbody>{"".join(rows)}</tbody>'
        f'<tfoot><tr><th scope="row" style="{_HEAD};vertical-align:top">Contestant summary</th>{footer}'
        f"{_summary_cell(everything, 'all')}</tr></tfoot></table>"
    )
