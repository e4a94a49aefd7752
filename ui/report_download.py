"""The metrics page's "Download interactive report (HTML)": built on click only, never on a page load."""

from __future__ import annotations

import html
from functools import partial

import streamlit as st

from canvasbench.errors import UsageError
from canvasbench.present.report import ReportScope, build_report
from canvasbench.store import RunStore, reads
from ui import data


def _report(store: RunStore, scope: ReportScope) -> bytes:
    # Runs when the button is clicked (plotly is imported then, not before).
    try:
        return build_report(store, scope).html.encode("utf-8")
    except UsageError as exc:  # e.g. the runs went away since the page drew
        return f"<!doctype html><meta charset=utf-8><p>{html.escape(str(exc))}</p>".encode()


def scope_of(flt: reads.RunFilter) -> ReportScope:
    """The report's scope for the page's filters: the category (when one is chosen) and the dates."""
    return ReportScope(category=flt.categories[0] if len(flt.categories) == 1 else None, since=flt.since,
                       until=flt.until)  # fmt: skip


def button(flt: reads.RunFilter) -> None:
    """The download button; the file is made only when it is clicked."""
    scope = scope_of(flt)
    st.download_button(
        "Download interactive report (HTML)",
        data=partial(_report, data.store(), scope),
        file_name="canvasbench-report.html",
        mime="text/html",
        icon=":material/monitoring:",
        key="export-report",
        on_click="ignore",
        help=f"One HTML file of interactive charts (plotly) that opens offline, numbers only, as "
        f"'canvasbench report' writes it. Filters: {scope.words()}; the prompt, model and status filters "
        "and a choice of several categories do not narrow it.",
    )
