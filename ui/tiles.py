"""Gallery cards people can judge: one large tile per model (screenshot, short name, verdict) and a real link."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from canvasbench.contestants import contestant, is_plan
from canvasbench.present import batch_words, formatting
from canvasbench.present import contestant_steps as steps
from canvasbench.present.outcome import describe_run
from canvasbench.providers.catalogue import model_info
from canvasbench.run.comparisons import sample_labels
from canvasbench.status import Verdict
from ui import data, state
from ui.checking import PROGRESS
from ui.colours import colour
from ui.format import one_line
from ui.text import clipped_html

MAX_TILES = 8
THUMB_WIDTH = 400  # px; a tile is about 300 px wide at 1440 px, a bit more for sharper screens


def short_name(model_id: str) -> str:
    """The model's name without its provider (the catalogue's display name when it knows the model)."""
    info = model_info(model_id)
    if info is not None:
        return info.display_name
    return model_id.split(":", 1)[-1]


TILES_PER_ROW = 4  # the same tile size in every card, whatever its number of models


def display_name(run: dict[str, Any]) -> str:
    """A contestant's name on a tile or column: a recipe's own name, else the model's short name."""
    return str(run["recipe"]) if run.get("recipe") else short_name(run["model_id"])


def _names(runs: list[dict[str, Any]]) -> dict[str, str]:
    """Per contestant: its short name, or its whole id where two different models of the card would share one."""
    short = {contestant(r): display_name(r) for r in runs}
    clash = {name for name in short.values() if list(short.values()).count(name) > 1}
    return {who: who if name in clash else name for who, name in short.items()}


# Badge colours of Streamlit's own markdown badges (background, text), for tiles drawn as one HTML block. Other
# text in a tile inherits the theme's colour (greys by opacity), so it reads on the light and the dark theme.
_TONES = {
    "green": ("#e6f4ea", "#1e7b34"),
    "blue": ("#e5f0fd", "#1c5fb8"),
    "orange": ("#fdf0e1", "#a35200"),
    "red": ("#fde8e8", "#b42318"),
    "gray": ("#eef0f3", "#555b66"),
    "violet": ("#f0eafd", "#6941c6"),
}
_VERDICT_TONES: dict[str, str] = {
    Verdict.RENDERS: "green", Verdict.RENDERS_WITH_ERRORS: "orange", Verdict.BLANK: "gray", Verdict.CRASHED: "red"
}
_GRID = "display:grid;grid-template-columns:repeat({n},minmax(0,1fr));gap:8px;width:100%"
_TILE = "border:1px solid rgba(128,128,128,0.3);border-radius:8px;padding:6px;min-width:0;overflow:hidden"
_SHOT = "width:100%;aspect-ratio:16/10;object-fit:cover;object-position:top;border-radius:6px;display:block"
_LINK = "display:block;color:inherit;text-decoration:none"  # a tile reads as a tile, and is a real link
_NO_SHOT = (
    "aspect-ratio:16/10;display:flex;align-items:center;justify-content:center;background:rgba(128,128,128,0.12);"
    "border-radius:6px;opacity:0.75;font-size:0.85rem"
)


def _badge(text: str, tone: str) -> str:
    background, colour_ = _TONES.get(tone, _TONES["gray"])
    return (
        f'<span style="background:{background};color:{colour_};border-radius:4px;padding:1px 6px;'
        f'font-size:0.8rem;white-space:nowrap;display:inline-block;margin:2px 4px 0 0">{html.escape(text)}</span>'
    )


def comparison_href(comparison_id: str) -> str:
    """The comparison page's URL relative to the app's root, as a plain link (a new tab or a middle-click works)."""
    return "comparison?" + urlencode({state.QP_COMPARISON: comparison_id})


def model_hover(model_id: str) -> str:
    """The whole model id and its provider, for a tooltip where the name is shortened or clipped."""
    return f"{model_id} · provider {model_id.split(':', 1)[0]}"


def last_rounds(runs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any], int, str]]:
    """Per contestant: its first round, its final round (what its tile shows), how many rounds ran and who it is
    in full (for the tooltip). A recipe's planner row is a step, never a tile nor a round."""
    out = []
    for chain in steps.chains(runs):
        rounds = steps.rounds_of(chain) or chain  # only a planner so far: the tile says it is planning
        out.append((rounds[0], steps.final(chain), len(steps.rounds_of(chain)) or 1, steps.hover(chain)))
    return out


def tile_html(
    run: dict[str, Any],
    name: str,
    sample: str,
    winner: dict[str, Any] | None,
    image: str | None,
    href: str | None = None,
    rounds: int = 1,
    who: str | None = None,
) -> str:
    """One model's tile: screenshot (a data: URI) or a placeholder, short name on one line, verdict and facts.

    With `href` the whole tile, thumbnail included, is one link: Tab reaches it, Enter opens it. `who`: the
    contestant in full for the tooltip (a recipe and its steps' models), else the model id and its provider.
    """
    who = who or model_hover(run["model_id"])
    shot = (
        f'<img src="{image}" alt="{html.escape(name, quote=True)} screenshot" style="{_SHOT}">'
        if image
        else f'<div style="{_NO_SHOT}">no screenshot</div>'
    )
    state = describe_run(run)
    verdict = run.get("render_verdict")
    if verdict == Verdict.NOT_CHECKED and not state.ok:
        verdict = None  # a run that failed says what happened, not that its (missing) page went unchecked
    badges = [_badge(verdict, _VERDICT_TONES.get(verdict, "gray")) if verdict else _badge(state.label, state.tone)]
    if is_plan(run):  # a recipe whose planner is at work (or ended before a build): a design, no page to judge
        badges = [_badge("planning", "blue") if state.active else _badge(f"plan {state.label}", state.tone)]
    if winner is not None and winner["run_id"] == run["id"]:
        by = "by votes" if winner["source"] == "votes" else "by the AI judge"
        badges.insert(0, _badge(f"🏆 winner {by}", "orange"))
    if verdict and not state.ok:
        badges.append(_badge(state.label, state.tone))
    if rounds > 1:  # the tile is the last round: say there were earlier ones (the page shows them as steps)
        badges.append(_badge(f"{rounds} rounds", "violet"))
    if run.get("check_progress") in PROGRESS:  # queued or checking now, in any process (ui.checking)
        label, tone, _icon = PROGRESS[run["check_progress"]]
        badges.append(_badge(label, tone))
    lines = f"{formatting.count(run['lines'])} lines" if run.get("lines") is not None else ""
    took = batch_words.turnaround(run) if batch_words.is_batch(run) else formatting.duration(run.get("latency_s"))
    facts = [state.headline or lines, took]
    facts_text = " · ".join(f for f in facts if f and f != "–")
    label = clipped_html(
        name,
        suffix=sample,
        style=f"font-weight:600;border-left:4px solid {colour(contestant(run))};padding-left:6px;margin-top:6px",
        hover=who + sample,
    )
    body = (
        f'{shot}{label}<div>{"".join(badges)}</div>'
        f'<div style="font-size:0.85rem;opacity:0.75">{html.escape(facts_text)}</div>'
    )
    if href is None:
        return f'<div style="{_TILE}">{body}</div>'
    tip = html.escape(f"Open the comparison: {who}{sample}", quote=True)
    return f'<a class="cb-tile" href="{html.escape(href, quote=True)}" title="{tip}" style="{_TILE};{_LINK}">{body}</a>'


def cost_text(cost: float | None, unknown: int) -> str:
    """A total of known costs, saying how many are unknown (an unknown cost is never shown as $0)."""
    if cost is None:
        return "cost unknown" if unknown else "no cost"
    return formatting.cost(cost) + (f" ({unknown} cost unknown)" if unknown else "")


def totals(comp: dict[str, Any]) -> str:
    """What the gallery can sort a card by, so the order explains itself: its cost, lines and best rating."""
    parts = []
    if comp.get("cost_total") is not None or comp.get("cost_unknown"):
        parts.append(cost_text(comp.get("cost_total"), int(comp.get("cost_unknown") or 0)))
    if comp.get("lines_total") is not None:
        parts.append(f"{formatting.count(comp['lines_total'])} lines")  # of each contestant's final round
    if comp.get("best_rating") is not None:
        parts.append(f"best model rated {comp['best_rating']:.0f}")
    return "".join(f" · {p}" for p in parts)


def _image(run: dict[str, Any]) -> str | None:
    if not run.get("has_screenshot"):
        return None
    return data.tile_data_uri(run["id"], run.get("checked_at"), THUMB_WIDTH)


_CARD = "border:1px solid rgba(128,128,128,0.3);border-radius:0.5rem;padding:12px 16px;margin:0 0 16px 0"
_CARD_HEAD = "display:flex;align-items:center;gap:12px;margin-bottom:8px"
_META = "font-size:0.875rem;opacity:0.6;white-space:nowrap;overflow:hidden;text-overflow:ellipsis"
_OPEN = (
    "flex:none;border:1px solid rgba(128,128,128,0.4);border-radius:0.5rem;padding:4px 14px;color:inherit;"
    "text-decoration:none;font-size:0.9rem;white-space:nowrap"
)
_MORE = "font-size:0.875rem;opacity:0.6;margin-top:6px"


def _tiles_of(comp: dict[str, Any], href: str) -> tuple[str, int]:
    """A card's tiles as HTML (one per contestant, its last round) and how many contestants it has."""
    runs: list[dict[str, Any]] = comp.get("runs") or []
    chains = last_rounds(runs)  # repair rounds are not extra tiles
    # Samples are counted per contestant: a recipe built by a model is not a repeat of that model.
    firsts = sample_labels([{**first, "model_id": contestant(first), "round": 0} for first, *_ in chains])
    labels = {last["id"]: firsts.get(first["id"], "") for first, last, *_ in chains}
    counts = {last["id"]: n for _first, last, n, _who in chains}
    whos = {last["id"]: who for _first, last, _n, who in chains}
    shown = [last for _first, last, *_ in chains][:MAX_TILES]
    if comp.get("mode") == "batch":  # their latency is the batch's turnaround: the tiles say so
        shown = [{**run, "mode": "batch"} for run in shown]
    names = _names(shown)
    winner = data.winner(comp["id"])
    tiles = "".join(
        tile_html(
            run,
            names[contestant(run)],
            labels.get(run["id"], ""),
            winner,
            _image(run),
            href,
            rounds=counts.get(run["id"], 1),
            who=whos.get(run["id"]),
        )
        for run in shown
    )
    return tiles, len(chains)


def meta_text(comp: dict[str, Any]) -> str:
    """A card's line under its title: category, date, runs and the totals the gallery sorts by (plain text)."""
    runs: list[dict[str, Any]] = comp.get("runs") or []
    # A recipe's planner row is a step, no run (as on the metrics page): its cost is in the total.
    return (
        f" · {formatting.when(comp.get('created_at'))} · {sum(not is_plan(r) for r in runs)} runs{totals(comp)}"
    )


def card_html(comp: dict[str, Any]) -> str:
    """One comparison as escaped HTML: its title, date and category, an Open link and a tile per contestant.

    Every link is a plain `<a href>` to the comparison (a new tab, a copied URL, Tab and Enter all work).
    """
    title = comp.get("title") or comp["id"]
    href = html.escape(comparison_href(comp["id"]), quote=True)
    tiles, contestants = _tiles_of(comp, comparison_href(comp["id"]))
    name = str(comp.get("category") or "uncategorised")
    category = clipped_html(one_line(name, 40), tag="span", style="display:inline", hover=name)
    more = (
        f'<div style="{_MORE}">and {contestants - MAX_TILES} more contestants: '
        "open the comparison to see them all</div>"
        if contestants > MAX_TILES
        else ""
    )
    open_tip = html.escape(f"Open the comparison: {' '.join(str(title).split())}", quote=True)
    return (
        f'<section class="cb-card" style="{_CARD}"><div style="{_CARD_HEAD}"><div style="flex:1;min-width:0">'
        f"{clipped_html(title, style='font-size:1.15rem;line-height:1.4', strong=True)}"
        f'<div style="{_META}">{category}{html.escape(meta_text(comp))}</div></div>'
        f'<a class="cb-open" href="{href}" title="{open_tip}" style="{_OPEN}">Open ↗</a></div>'
        f'<div style="{_GRID.format(n=TILES_PER_ROW)}">{tiles}</div>{more}</section>'
    )


def cards(comps: Sequence[dict[str, Any]]) -> None:
    """A page of cards as ONE escaped HTML block: a card drawn with Streamlit columns, containers and page links
    cost the browser several elements each (about half a second of main-thread work for a page of 8)."""
    st.html("".join(card_html(comp) for comp in comps))
