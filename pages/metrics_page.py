"""Metrics: the runs table with filters, charts, the generation timeline, exports and the database download."""

from __future__ import annotations

from functools import partial
from html import escape
from typing import Any

import pandas as pd
import streamlit as st

from canvasbench.present import batch_words, formatting
from canvasbench.present.export import write_export
from canvasbench.present.model_summary import summarise
from canvasbench.store import batches, reads
from canvasbench.store.columns import RUN_METRICS
from canvasbench.store.reads import export_columns, iter_export_rows
from ui import charts, data, date_filter, report_download, round_charts, state
from ui.colours import colour
from ui.format import md
from ui.html_table import Dot, show_figures, table_html
from ui.text import md_iso

TABLE_COLUMNS = (
    "created_at", "title", "category", "model_id", "state",
    *RUN_METRICS,
    "cost_per_1k_lines", "finish_reason", "truncated", "render_verdict",
)


FILTERS = (  # (widget key, label, placeholder, what a number of them is called on the closed menu)
    ("metrics.prompts", "Prompt", "All prompts", "prompts"),
    ("metrics.categories", "Category", "All categories", "categories"),
    ("metrics.models", "Model", "All models", "models"),
    ("metrics.statuses", "Status", "Any status", "statuses"),
)


def _menu_label(prompts: dict[str, str]) -> str:
    """What the closed filter menu says is in effect: "All runs · any date", "svg · 2 models · from 2026-01-02"."""
    parts = []
    for key, _, _, many in FILTERS:
        chosen = list(st.session_state.get(key) or [])
        if len(chosen) == 1:
            # A label is markdown (links, images) and one line of text (a bidi override would reverse the rest):
            # prompts, categories and models are imported text, so each is escaped and isolated on its own.
            parts.append(md_iso(prompts.get(chosen[0]) or chosen[0] if key == "metrics.prompts" else chosen[0], 40))
        elif chosen:
            parts.append(f"{len(chosen)} {many}")
    parts.append(md(date_filter.span_label(date_filter.chosen_days("metrics.dates"))))
    return " · ".join(parts if len(parts) > 1 else ["All runs", *parts])


def _drop_gone(choices: dict[str, list[str]], prompts: dict[str, str]) -> list[str]:
    """Drop chosen prompts, categories, models and statuses the database no longer has (deleted, re-imported);
    returns them as markdown. Streamlit drops them from its widget silently: the menu's label would still name
    them while every run is shown."""
    gone: list[str] = []
    for key, options in choices.items():
        chosen = list(st.session_state.get(key) or [])
        kept = [value for value in chosen if value in options]
        if len(kept) != len(chosen):
            named = [prompts.get(v) or v if key == "metrics.prompts" else v for v in chosen if v not in kept]
            gone += [md_iso(name, 40) for name in named]
            st.session_state[key] = kept
    return gone


def _filters() -> reads.RunFilter:
    """The four filters and the date range in one menu that says what is in effect: a closed menu draws nothing
    in the browser (four multiselects and a date picker were the costliest part of a cold load), while its widgets
    still run here, so what was chosen holds after it closes."""
    options = data.filter_options()
    prompts = dict(options["prompts"])
    choices = {"metrics.prompts": list(prompts), "metrics.categories": options["categories"],
               "metrics.models": options["model_ids"], "metrics.statuses": options["statuses"]}  # fmt: skip
    gone = _drop_gone(choices, prompts)
    chosen: dict[str, tuple[str, ...]] = {}
    with st.popover(_menu_label(prompts), icon=":material/filter_list:", width="content"):
        for key, label, placeholder, _ in FILTERS:
            picked = st.multiselect(
                label,
                choices[key],
                format_func=(lambda pid: prompts.get(pid) or pid) if key == "metrics.prompts" else str,
                placeholder=placeholder,
                key=key,
            )
            chosen[key] = tuple(picked)
        since, until = date_filter.picker("metrics.dates")
    if gone:
        st.caption(f"No longer in the database, so no longer filtered on: {', '.join(gone)}.")
    return reads.RunFilter(
        prompt_ids=chosen["metrics.prompts"],
        categories=chosen["metrics.categories"],
        model_ids=chosen["metrics.models"],
        statuses=chosen["metrics.statuses"],
        since=since,
        until=until,
    )


def _summary(frame: pd.DataFrame) -> None:
    done = frame["state"].eq("done").sum()
    cost = frame["cost_usd"].dropna()
    unknown = int(frame["cost_usd"].isna().sum())
    speed = frame["tokens_per_s"].dropna()
    # One HTML row, not five metric elements in five columns: fewer elements and scripts for a cold load.
    show_figures(
        [
            ("Runs", formatting.count(len(frame)), "matching the filters"),
            ("Finished cleanly", formatting.share(done / len(frame)), ""),
            ("Lines written", formatting.count(frame["lines"].fillna(0).sum()), ""),
            (
                "Cost",
                formatting.cost(float(cost.sum())) if not cost.empty else "unknown",
                f"{formatting.count(unknown)} runs of unknown price not counted" if unknown else "every price known",
            ),
            ("Median tokens/s", formatting.count(speed.median()) if not speed.empty else "–", ""),
        ]
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _model_rows(key: str, _frame: pd.DataFrame) -> list[dict[str, Any]]:
    # Once per data version and filter: at 10,000 runs the records alone take half a second.
    return summarise(_frame.replace({float("nan"): None}).to_dict("records"))


def _per_model(frame: pd.DataFrame, key: str) -> None:
    """One row per model: runs, render pass rate, medians and failures, each model in its app-wide colour."""
    st.header("Per contestant")
    rows = _model_rows(key, frame)
    # A read-only table of a few rows, as HTML: the data grid's script is the heaviest part of a cold load.
    # The colour on a dot, the name in the theme's text colour: a mid-tone hue as text reads poorly on one
    # theme or the other (deep blue on dark, yellow on white). Blank cells for what is not measured.
    table = table_html(
        "per-model",
        ["", "Contestant", "Runs", "Renders cleanly", "Median lines", "Median TTFT", "Median tokens/s", "Median cost",
         "Failures"],
        [
            [Dot(colour(r["model_id"]), r["model_id"]), r["model_id"], formatting.count(r["runs"]),
             formatting.share(r["render_pass_rate"], unknown=""), formatting.count(r["median_lines"], unknown=""),
             formatting.duration(r["median_ttft_s"], unknown=""),
             formatting.count(r["median_tokens_per_s"], unknown=""), formatting.cost(r["median_cost_usd"], unknown=""),
             formatting.count(r["failures"])]
            for r in rows
        ],
        right=range(2, 9),
    )  # fmt: skip
    # The note under the table in the same block: one element fewer for the browser to draw on a cold load.
    st.html(table + f'<div style="{NOTE}">{escape(TABLE_NOTE)}</div>')


NOTE = "font-size:0.875rem;opacity:0.6;margin-top:0.5rem;line-height:1.5"  # as a caption reads, on either theme
TABLE_NOTE = (
    "Renders cleanly: share of render-checked runs judged “renders”. Failures: runs that did not finish as asked "
    "(failed, cut, blocked, refused, output limit, incomplete, cancelled). Blank: nothing measured."
)


SHOWN_ROWS = 1000


def _table(frame: pd.DataFrame) -> None:
    top_lines = int(frame["lines"].max()) if frame["lines"].notna().any() else 1
    if len(frame) > SHOWN_ROWS:
        # Every row goes to the browser as data (2.4 MB at 10,000 runs): the newest thousand are what people
        # scroll; the filters narrow and the exports below carry every matching run.
        st.caption(
            f"The newest {formatting.count(SHOWN_ROWS)} of {formatting.count(len(frame))} runs: "
            "narrow the filters to see others, or export them all below."
        )
        frame = frame.head(SHOWN_ROWS)
    shown = frame[list(TABLE_COLUMNS)].copy()
    shown.insert(0, "open", "/comparison?comparison=" + frame["comparison_id"].astype(str))
    # Costs as text: a column format would print a real charge of $0.00004 as $0.0000.
    shown["cost_usd"] = [formatting.cost(c, unknown="") for c in frame["cost_usd"]]
    shown["cost_per_1k_lines"] = [formatting.cost(c, unknown="") for c in frame["cost_per_1k_lines"]]
    for column in ("title", "category", "finish_reason", "render_verdict"):
        shown[column] = shown[column].fillna("")
    st.dataframe(
        shown,
        hide_index=True,
        height=min(38 + 35 * len(frame), 460),
        column_config={
            "open": st.column_config.LinkColumn("Comparison", display_text="open ↗"),
            "created_at": st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD HH:mm"),
            "title": st.column_config.TextColumn("Prompt", width="medium"),
            "category": st.column_config.TextColumn("Category"),
            "model_id": st.column_config.TextColumn("Model", width="medium"),
            "state": st.column_config.TextColumn("Status"),
            "lines": st.column_config.ProgressColumn("Lines", format="%d", min_value=0, max_value=max(top_lines, 1)),
            "code_lines": st.column_config.NumberColumn("Code lines", format="%d"),
            "ttft_s": st.column_config.NumberColumn("TTFT", format="%.2f s"),
            "latency_s": st.column_config.NumberColumn("Total", format="%.1f s"),
            "tokens_per_s": st.column_config.NumberColumn("Tokens/s", format="%.0f"),
            "input_tokens": st.column_config.NumberColumn("In", format="%d"),
            "output_tokens": st.column_config.NumberColumn("Out", format="%d"),
            "thinking_tokens": st.column_config.NumberColumn("Thinking", format="%d"),
            "cost_usd": st.column_config.TextColumn("Cost"),
            "cost_per_1k_lines": st.column_config.TextColumn("$ / 1k lines"),
            "finish_reason": st.column_config.TextColumn("Finish"),
            "truncated": st.column_config.CheckboxColumn("Truncated"),
            "render_verdict": st.column_config.TextColumn("Render"),
        },
    )


def _downloads(run_ids: list[str] | None) -> None:
    """CSV / JSON / Parquet of the filtered table (the `canvasbench export` columns) and the whole database."""
    store = data.store()
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    with_code = row.checkbox(
        "Include the code",
        key=state.METRICS_EXPORT_ARTIFACT,
        help="Adds each run's artifact (its HTML, SVG or script) as the last column, `artifact`, "
        "as `canvasbench export --artifact` does. Files get large.",
    )

    def export(fmt: str, artifact: bool) -> bytes:
        # Built on click only: the page itself never pays for an export nobody asked for. Rows are read
        # as they are written, so only the finished file is held, not every artifact twice.
        rows = iter_export_rows(store, run_ids=run_ids, artifact=artifact)
        return write_export(rows, fmt, columns=export_columns(artifact=artifact)) or b""

    suffix = "-with-code" if with_code else ""
    for fmt, label, mime in (
        ("csv", "CSV", "text/csv"),
        ("json", "JSON", "application/json"),
        ("parquet", "Parquet", "application/vnd.apache.parquet"),
    ):
        row.download_button(
            label + (" with code" if with_code else ""),
            data=partial(export, fmt, with_code),
            file_name=f"canvasbench-runs{suffix}.{fmt}",
            mime=mime,
            icon=":material/download:",
            key=f"export-{fmt}",
            on_click="ignore",
        )
    row.download_button(
        "Whole database",
        data=lambda: reads.database_snapshot(store),
        file_name=store.path.name if store.path.suffix else "canvasbench.db",
        mime="application/vnd.sqlite3",
        icon=":material/database:",
        key="export-db",
        on_click="ignore",
        help="A consistent copy of the SQLite file, texts and screenshots included",
    )


def _exports(flt: reads.RunFilter, run_ids: list[str] | None, *, report: bool = True) -> None:
    """The exports behind one click: six buttons and a checkbox cost every cold load, and most visits do not
    export. Open, it stays open (it is in the URL: ?export=true); its buttons are built only when open."""
    box = st.expander(
        "Export: CSV, JSON, Parquet, the whole database" + (", an interactive report" if report else ""),
        icon=":material/download:",
        key="export",
        on_change="rerun",
        bind="query-params",
    )
    if box.open:
        with box:
            _downloads(run_ids)
            if report:
                report_download.button(flt)  # built on click only: the page's load does not grow


def _timeline() -> None:
    recent = data.recent_comparisons()
    if not recent:
        st.caption("No comparisons yet.")
        return
    by_id: dict[str, dict[str, Any]] = {c["id"]: c for c in recent}
    chosen = st.selectbox(
        "Comparison",
        list(by_id),
        format_func=lambda cid: (
            f"{by_id[cid]['title'] or cid} · {by_id[cid]['category']} · {formatting.when(by_id[cid]['created_at'])}"
        ),
        key=state.METRICS_TIMELINE,
    )
    if chosen:
        charts.timeline(data.timeline(chosen))


CHART_NAMES = {**{label: name for name, (label, _) in charts.CHARTS.items()}, "Generation timeline": "timeline"}


def _chart(frame: pd.DataFrame, key: str) -> None:
    """One chart at a time, picked in a menu that names it: only the chosen chart is built and drawn (each costs the
    browser a second or so under load), and a closed menu draws nothing (a row of tabs was a quarter of the page's
    busy time on a cold load). The chart is in the URL (?chart=), so a link or Back shows the same chart."""
    labels = list(CHART_NAMES)
    wanted = st.session_state.get("chart") or st.query_params.get("chart")
    shown = wanted if wanted in CHART_NAMES else labels[0]
    with st.popover(f"{shown} · {len(labels) - 1} more charts", icon=":material/bar_chart:", width="content"):
        picked = st.radio("Chart", labels, index=labels.index(shown), key="chart", bind="query-params")
    name = CHART_NAMES.get(str(picked), "lines_time")
    if name == "timeline":
        _timeline()
    else:
        charts.metrics_chart(frame, key, name)


def main() -> None:
    """Filters, summary, table, exports, charts and the timeline."""
    st.title("Metrics")
    flt = _filters()
    frame = data.runs_frame(flt)
    if frame.empty:
        if flt == reads.RunFilter():
            st.info("No runs yet. Launch one on **New comparison**; its numbers show up here.")
        else:
            st.info("No run matches these filters. Clear a filter to see more.")
        _exports(flt, None if flt == reads.RunFilter() else [], report=False)
        return
    key = f"{data.version()}|{flt!r}"
    _summary(frame)
    _per_model(frame, key)
    # The sortable grid of runs opens on a click: its script (about 1.4 MB with Arrow) was the largest part of
    # a cold load, and what most visits come for is above and below it. Open, it stays open (it is in the URL).
    # No "Runs" heading over it: its label names it, and a heading is one more element to draw on every load.
    count = formatting.count(len(frame))
    runs = st.expander(
        f"Runs table · {count} run{'s' if len(frame) != 1 else ''}: sortable, each with a link to its comparison",
        icon=":material/table_rows:",
        key=state.METRICS_RUNS_TABLE,
        on_change="rerun",
        bind="query-params",
    )
    if runs.open:
        with runs:
            _table(frame)
    if batches.jobs(data.store()):  # a batch's timings read differently: say so where they are listed
        st.caption(batch_words.TABLE_NOTE)
    _exports(flt, None if flt == reads.RunFilter() else list(frame["id"]))
    st.header("Charts")
    _chart(frame, key)
    round_charts.section("metrics", frame)  # the same filters as the table and charts above


main()
