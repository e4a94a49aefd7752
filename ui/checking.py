"""Render checks as they progress (queued, checking, verdict), each region refreshing itself until all is settled.

A check may be queued and run by this process (the runner's hook), by another dashboard or by the CLI's `check`:
every process records where its checks stand in the store, so this reads the store, never a pool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from canvasbench.status import ACTIVE_STATUSES
from canvasbench.store import reads
from canvasbench.store.reads import CheckProgress
from ui import data, views
from ui.format import verdict_label

# What a page says while a check is to come ("awaiting": its process has not queued it yet; nothing to say).
PROGRESS: dict[str, tuple[str, str, str]] = {
    "queued": ("render check queued", "gray", "schedule"),
    "checking": ("checking the render", "blue", "progress_activity"),
}
CARDS_EVERY_S = 2.0  # the gallery refreshes less often than a comparison: a page of cards costs more to draw


def progress_of(run_ids: Sequence[str]) -> dict[str, CheckProgress]:
    """Runs whose check is still to come (queued, checking, awaiting), read from the store now."""
    return reads.check_progress(data.store(), run_ids)


def progress_with_verdicts(runs: Sequence[dict[str, Any]]) -> dict[str, CheckProgress]:
    """Each run's check progress, then its latest verdict put in run["check"], read in that order.

    A verdict stored between the two reads is in the second, or its check still reads as to come in the first
    (so it is polled). Read the other way round, a verdict stored in between was in neither: the run showed
    no verdict, and nothing polled for one, until a reload.
    """
    store = data.store()
    ids = [run["id"] for run in runs]
    progress = reads.check_progress(store, ids)
    checks = reads.latest_checks(store, ids)
    for run in runs:
        run["check"] = checks.get(run["id"])
    return progress


def progress_badge(progress: str | None) -> str:
    """A check's progress as a markdown badge ('' when there is nothing to say)."""
    if progress not in PROGRESS:
        return ""
    label, tone, icon = PROGRESS[progress]
    return f":{tone}-badge[:material/{icon}: {label}]"


def compact(check: dict[str, Any] | None, progress: str | None) -> str:
    """A lane's one line about its check: progress and the verdict so far (markdown, '' before any)."""
    bits = [verdict_label(check.get("verdict")) if check else "", progress_badge(progress)]
    return " ".join(bit for bit in bits if bit)


def live_check(run: dict[str, Any], progress: str | None) -> None:
    """A run's verdict with its details; while its check is to come, refreshed by itself until it is stored."""
    if progress is None:
        views.verdict_badge(run.get("check"))
        return
    run_id = run["id"]

    def pending() -> bool:
        return run_id in progress_of([run_id])

    def body() -> None:
        store = data.store()
        now = reads.check_progress(store, [run_id]).get(run_id)
        if badge := progress_badge(now):
            st.markdown(badge)
        views.verdict_badge(reads.latest_checks(store, [run_id]).get(run_id))

    views.polling(pending, body)


def _run_ids(cards: Sequence[dict[str, Any]]) -> list[str]:
    return [run["id"] for card in cards for run in card.get("runs") or []]


def still_changing(cards: Sequence[dict[str, Any]], progress: dict[str, CheckProgress]) -> bool:
    """Whether a run on these cards still generates or waits for its render check."""
    runs = [run for card in cards for run in card.get("runs") or []]
    return bool(progress) or any(run.get("status") in ACTIVE_STATUSES for run in runs)


def with_progress(cards: Sequence[dict[str, Any]], progress: dict[str, CheckProgress]) -> list[dict[str, Any]]:
    """The cards with each run's check progress in `check_progress` (None when settled)."""
    return [
        {**card, "runs": [{**run, "check_progress": progress.get(run["id"])} for run in card.get("runs") or []]}
        for card in cards
    ]


def live_cards(
    read: Callable[[], Sequence[dict[str, Any]]], draw: Callable[[Sequence[dict[str, Any]]], None]
) -> None:
    """Draw the cards `read()` returns; while one of them is still changing, re-read and redraw them by themselves."""
    first = read()
    changing = still_changing(first, progress_of(_run_ids(first)))

    @st.fragment(run_every=CARDS_EVERY_S if changing else None)
    def cards() -> None:
        now = read()
        progress = progress_of(_run_ids(now))
        draw(with_progress(now, progress))  # all cards at once: one element draws faster than one per card
        if changing and not still_changing(now, progress):
            st.rerun()  # all settled: redraw the page once, without a timer

    cards()
