"""Gallery cards people can judge: one large tile per model (screenshot, short name, verdict) and a real link."""

from __future__ import annotations

from typing import Any

import streamlit as st

from canvasbench import formatting
from canvasbench.comparisons import sample_labels
from canvasbench.providers.catalogue import model_info
from ui import data, state
from ui.colours import colour
from ui.format import run_badge, verdict_label
from ui.text import clipped, clipped_html, md_iso

MAX_TILES = 8
THUMB_WIDTH = 480


def short_name(model_id: str) -> str:
    """The model's name without its provider (the catalogue's display name when it knows the model)."""
    info = model_info(model_id)
    if info is not None:
        return info.display_name
    return model_id.split(":", 1)[-1]


TILES_PER_ROW = 4  # the same tile size in every card, whatever its number of models


def _names(runs: list[dict[str, Any]]) -> dict[str, str]:
    """Short names, or full ids where two different models of the card would share a short name."""
    short = {r["model_id"]: short_name(r["model_id"]) for r in runs}
    clash = {name for name in short.values() if list(short.values()).count(name) > 1}
    return {model_id: model_id if name in clash else name for model_id, name in short.items()}


def _tile(run: dict[str, Any], name: str, sample: str, winner: dict[str, Any] | None) -> None:
    with st.container(border=True, gap="small"):
        img = data.tile_image(run["id"], run.get("checked_at"), THUMB_WIDTH) if run.get("has_screenshot") else None
        if img is not None:
            st.image(img, width="stretch")
        else:
            st.html(
                '<div style="aspect-ratio:16/10;display:flex;align-items:center;justify-content:center;'
                'background:#f3f4f6;border-radius:6px;color:#6b7280;font-size:0.85rem">no screenshot</div>'
            )
        st.html(
            clipped_html(
                name,
                suffix=sample,
                style=f"font-weight:600;border-left:4px solid {colour(run['model_id'])};padding-left:6px",
                hover=run["model_id"] + sample,
            )
        )
        bits = [verdict_label(run["render_verdict"]) if run.get("render_verdict") else run_badge(run)]
        if winner is not None and winner["run_id"] == run["id"]:
            by = "by votes" if winner["source"] == "votes" else "by the AI judge"
            bits.insert(0, f":orange-badge[:material/trophy: winner {by}]")
        if (run.get("render_verdict") and run.get("status") != "done") or run.get("finish_reason") not in (
            None,
            "stop",
        ):
            bits.append(run_badge(run))
        lines = f"{formatting.count(run['lines'])} lines" if run.get("lines") is not None else ""
        facts = [lines, formatting.duration(run.get("latency_s"))]
        st.markdown(" ".join(bits) + "  \n" + " · ".join(f for f in facts if f and f != "–"))


def card(comp: dict[str, Any]) -> None:
    """One comparison: its title as a link (opens in a new tab too), date and category, a tile per model."""
    runs: list[dict[str, Any]] = comp.get("runs") or []
    with st.container(border=True):
        head, link = st.columns([6, 1], vertical_alignment="center")
        with head:
            clipped(comp.get("title") or comp["id"], size="1.15rem", strong=True)
            st.caption(
                f"{md_iso(comp.get('category') or 'uncategorised', 40)} · {formatting.when(comp.get('created_at'))}"
                f" · {len(runs)} runs"
            )
        link.page_link(
            "pages/gallery_page.py",
            label="Open",
            icon=":material/open_in_new:",
            query_params={state.QP_COMPARISON: comp["id"]},
            width="stretch",
        )
        shown = runs[:MAX_TILES]
        labels = sample_labels(runs)
        names = _names(shown)
        winner = data.winner(comp["id"])
        per_row = TILES_PER_ROW
        for start in range(0, len(shown), per_row):
            cols = st.columns(per_row, gap="small")
            for col, run in zip(cols, shown[start : start + per_row], strict=False):
                with col:
                    _tile(run, names[run["model_id"]], labels.get(run["id"], ""), winner)
        if len(runs) > MAX_TILES:
            st.caption(f"and {len(runs) - MAX_TILES} more runs: open the comparison to see them all")
