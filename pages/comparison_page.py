"""One comparison side by side (?comparison=ID, with ?view=), or one run at full size (?run=ID): its own page."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from canvasbench.contestants import contestant, is_plan
from canvasbench.errors import CanvasBenchError
from canvasbench.present import formatting
from canvasbench.present.outcome import left_no_page
from canvasbench.run.comparisons import sample_labels
from canvasbench.store import reads
from ui import actions, checking, code_viewer, data, followup, lanes, rounds, state, text, view_links, views
from ui.format import md, one_line, run_badge
from ui.run_column import header_html as run_header_html
from ui.run_column import run_column

GALLERY = "pages/gallery_page.py"
# The ways back are plain links, no button widget: to the gallery, the app's root (`./` from /comparison, under
# any base path), and from a run at full size to its comparison (same page, other query).
_BACK = '<a href="{href}" style="text-decoration:none;font-size:0.875rem;color:inherit;opacity:0.8">← {label}</a>'
BACK_LINK = _BACK.format(href="./", label="All comparisons")
_RUN_NAME = "font-size:1.5rem;line-height:1.5;margin:0;padding:0.25rem 0"  # a run's contestant, under the title
PREVIEW_HEIGHT = 480
LANE_HEIGHT = 360
LIVE_EVERY_S = 1.0  # seconds between redraws of the live lanes
BATCH_EVERY_S = 15.0  # ... when every unfinished run waits in a batch job (the sidebar polls the provider)
FULL_HEIGHT = 860


# A comparison's views: each run's (views.VIEWS) and the generation timeline of all of them (lines over time). A
# view, not a toggle beside the prompt: one widget kind fewer on every visit, and no preview frames behind the chart.
COMPARISON_VIEWS = {**views.VIEWS, "timeline": "Timeline"}


def _live(comparison_id: str, notes: dict[str, str]) -> None:
    """Runs still streaming: a lane per model, each showing its preview the moment that model finishes.

    The header and every lane come from one read, and the header is drawn after the lanes (in a box above them),
    so it never counts a run as finished while its lane still says running. Once every run has ended the whole
    page is drawn again as the finished comparison: the header never says "Generating" over finished runs.
    """
    store = data.store()
    # Runs waiting in a provider's batch job change in hours, not seconds: a slower redraw is enough for them.
    streamed = any(r["status"] in views.ACTIVE and not r.get("batch_id") for r in reads.live_runs(store, comparison_id))

    first = [True]  # the panel's first draw is part of the page's run; later ones are its own

    @st.fragment(run_every=LIVE_EVERY_S if streamed else BATCH_EVERY_S)
    def panel() -> None:
        runs = reads.live_runs(store, comparison_id)
        seen = {run["id"]: lanes.state_of(run) for run in runs}
        if not any(state.active for state, _stalled in seen.values()):
            if first[0]:  # ended while this page run drew: what the last action said is said again after it
                st.session_state.update(notes)
            st.rerun()  # the last run ended: the page becomes the finished comparison (and stops polling)
        first[0] = False
        ids = [run["id"] for run in runs]
        progress = reads.check_progress(store, ids)  # before the verdicts: see checking.progress_with_verdicts
        checks = reads.latest_checks(store, ids)
        labels = sample_labels([{**r, "model_id": contestant(r)} for r in runs if not is_plan(r)])
        header, body = st.container(), st.container()
        with body:
            views.grid(
                runs,
                lambda run: lanes.lane(
                    run,
                    on_cancel=actions.cancel_run,
                    height=LANE_HEIGHT,
                    sample=labels.get(run["id"], ""),
                    seen=seen[run["id"]],
                    check=checking.compact(checks.get(run["id"]), progress.get(run["id"])),
                ),
            )
        finished = sum(not state.active for state, _stalled in seen.values())
        waiting = {r["batch_id"] for r in runs if r.get("batch_id") and seen[r["id"]][0].active}
        doing = "Waiting in batch jobs" if waiting and not streamed else "Generating"
        head, button = header.columns([5, 1], vertical_alignment="center")
        head.markdown(f"**{doing}** · {finished} of {len(runs)} finished")
        if streamed:
            button.button(
                "Cancel all",
                key=f"cancel-all-{comparison_id}",
                icon=":material/stop_circle:",
                on_click=actions.cancel_comparison,
                args=(comparison_id,),
                width="stretch",
            )
        else:  # only the provider can stop a batch: ask it (finished requests keep their results)
            button.button(
                "Cancel batch",
                key=f"cancel-batch-{comparison_id}",
                icon=":material/stop_circle:",
                on_click=_cancel_batches,
                args=(sorted(waiting),),
                width="stretch",
            )

    panel()


def _cancel_batches(batch_ids: list[str]) -> None:
    try:
        actions.cancel_batches(batch_ids)
    except CanvasBenchError as exc:
        st.session_state[state.ACTION_ERROR] = f"The batch could not be cancelled: {exc}"
        return
    st.session_state[state.ACTION_NOTE] = "Cancel asked of the provider: the runs end as it confirms."


def share_file(comparison_id: str) -> bytes:
    """The comparison as one self-contained HTML file (what `canvasbench share` writes)."""
    from canvasbench.present.share import comparison_html  # only when a share file is asked for

    return comparison_html(data.store(), comparison_id).html.encode("utf-8")


def _rerun(comparison_id: str) -> None:
    try:
        new_id = actions.rerun(comparison_id)
    except CanvasBenchError as exc:
        st.session_state[state.ACTION_ERROR] = f"The comparison could not be re-run: {exc}"
        return
    state.remember_launch(new_id)
    st.query_params.from_dict({state.QP_COMPARISON: new_id})


def _delete(comparison_id: str) -> None:
    try:
        gone = actions.delete(comparison_id)
    except CanvasBenchError as exc:
        st.session_state[state.ACTION_ERROR] = str(exc)
        return
    st.session_state[state.ACTION_NOTE] = f"Deleted the comparison and its {gone} run(s)."
    st.query_params.clear()


def _actions(comparison_id: str, runs: list[dict[str, Any]], prompt: str) -> None:
    """Re-run, share, follow up, each run's files, delete: one popover, which draws nothing until it is opened."""
    active = any(r["status"] in views.ACTIVE for r in runs)
    hint = "Cancel the runs first" if active else None
    with st.popover("Actions", icon=":material/more_horiz:", help="Re-run, share, follow up, files, delete"):
        row = st.container(horizontal=True, gap="small")
        row.button(
            "Re-run",
            icon=":material/replay:",
            key="rerun",
            help="Start a new comparison with the same prompt, models and options",
            on_click=_rerun,
            args=(comparison_id,),
        )
        row.download_button(
            "Share file",
            icon=":material/share:",
            # Built only when clicked: the libraries are read from the mirror then, not on every rerun.
            data=lambda: share_file(comparison_id),
            file_name=f"canvasbench-{comparison_id}.html",
            mime="text/html",
            on_click="ignore",
            disabled=active,
            help=hint
            or "One HTML file that opens offline in any browser: prompt, metrics, code, screenshots and "
            "sandboxed previews ('canvasbench share' on the command line)",
        )
        if len(prompt) > PROMPT_SHOWN:
            st.download_button(
                "Whole prompt",
                icon=":material/download:",
                data=lambda: prompt.encode("utf-8"),
                file_name="prompt.txt",
                mime="text/plain",
                on_click="ignore",
            )
        followup.box(comparison_id, active=active)
        _files(runs)
        st.markdown(
            f"**Delete** this comparison and its {len(runs)} run(s) with their render checks, votes and judgments. "
            "It cannot be undone."
        )
        st.button(
            "Delete for good",
            icon=":material/delete:",
            type="primary",
            key="delete-confirm",
            disabled=active,
            help=hint,
            on_click=_delete,
            args=(comparison_id,),
        )


def _files(runs: list[dict[str, Any]]) -> None:
    """Each run's page and response to download, and its render check to run again."""
    finished = [run for run in runs if run["status"] not in views.ACTIVE and not is_plan(run)]
    if not finished:
        return
    st.markdown("**Files and render checks**")
    for run in finished:
        st.html(run_header_html(run))
        views.downloads(run)


def _comparison(comparison_id: str) -> None:
    detail = reads.comparison_detail(data.store(), comparison_id)
    if detail is None:
        _missing(f"No comparison with id {md(comparison_id)}: it may have been deleted.")
        return
    runs: list[dict[str, Any]] = detail["runs"]
    active = any(r["status"] in views.ACTIVE for r in runs)
    view = view_links.current_view(COMPARISON_VIEWS)
    # The way back, the title and its facts, the views and the prompt in one element: each Streamlit element is
    # browser time on every visit, and a widget's code and skeleton more (see ui/view_links.py).
    category = text.isolated_html(one_line(detail.get("category") or "uncategorised", 40))
    when = html.escape(formatting.when(detail.get("created_at")))
    head = text.title_html(
        detail.get("title") or comparison_id,
        byline=f'{category} · {when} · id <code style="font-size:0.85em">{html.escape(comparison_id)}</code>',
    )
    switch = "" if active else view_links.view_links({state.QP_COMPARISON: comparison_id}, COMPARISON_VIEWS, view)
    st.html(BACK_LINK + head + switch + _prompt_html(detail.get("prompt_text") or ""))
    notes = _notes()
    _actions(comparison_id, runs, detail.get("prompt_text") or "")
    followup.instructions(runs)
    if active:
        _live(comparison_id, notes)
        return
    if view == "timeline":
        from ui import charts  # the chart code: only when the chart is asked for

        charts.timeline(data.timeline(comparison_id))
        return
    if view == "code":
        code_viewer.comparison_code(runs)
        return
    if view == "replay":
        from ui.replay import comparison_replay

        comparison_replay(runs)
        return
    # Samples per contestant (a recipe built by a model is no repeat of it); a planner's row is no sample.
    labels = sample_labels([{**r, "model_id": contestant(r)} for r in runs if not is_plan(r)])
    progress = checking.progress_with_verdicts(runs)
    found = rounds.attempts_of(comparison_id)

    def column(run: dict[str, Any]) -> None:
        run_column(
            run,
            view=view,
            height=PREVIEW_HEIGHT,
            sample=labels.get(run["id"], ""),
            verdict=lambda: checking.live_check(run, progress.get(run["id"])),
        )

    # One column per contestant: a contestant with repair rounds shows its steps and its last round.
    views.grid(rounds.contestants(runs), lambda chain: rounds.column(chain, rounds.attempt_for(chain, found), column))


PROMPT_SHOWN = 20_000  # characters of the prompt put in the page; a 1 MB prompt would slow every visit


def _prompt_html(prompt: str) -> str:
    """The prompt, folded: its first PROMPT_SHOWN characters exactly as written (the rest is in Actions)."""
    more = len(prompt) - PROMPT_SHOWN
    rest = f'<div style="font-size:0.875rem;opacity:0.7">… and {more:,} more characters (Actions, Whole prompt).</div>'
    return (
        '<details style="margin:0.25rem 0"><summary style="cursor:pointer">Prompt</summary>'
        f"{text.literal_html(prompt[:PROMPT_SHOWN], max_height=320)}{rest if more > 0 else ''}</details>"
    )


def _notes() -> dict[str, str]:
    """What the last action said (set by a callback, shown once); returns what it showed, by session key."""
    shown = {}
    if message := st.session_state.pop(state.ACTION_ERROR, None):
        st.error(md(message))
        shown[state.ACTION_ERROR] = message
    if message := st.session_state.pop(state.ACTION_NOTE, None):
        st.success(md(message))
        shown[state.ACTION_NOTE] = message
    return shown


def _run(run_id: str) -> None:
    store = data.store()
    run = reads.get_run(store, run_id)
    if run is None:
        _missing(f"No run with id {md(run_id)}: it may have been deleted.")
        return
    run["check"] = reads.latest_checks(store, [run_id]).get(run_id)
    comparison = reads.get_comparison(store, run["comparison_id"]) or {}
    active = run["status"] in views.ACTIVE
    view = view_links.current_view(views.VIEWS)
    # As on the comparison: the way back, the title, whose run it is and the views are one element, with no widget
    # (the preview reloads with its own button, in its frame; the files are under one popover).
    query = html.escape(urlencode({state.QP_COMPARISON: run["comparison_id"]}), quote=True)
    back = _BACK.format(href=f"?{query}", label="Back to the comparison")
    switch = "" if active else view_links.view_links({state.QP_RUN: run_id}, views.VIEWS, view)
    head = text.title_html(comparison.get("title") or run["comparison_id"])
    st.html(back + head + run_header_html(run, tag="h2", style=_RUN_NAME) + switch)
    st.markdown(run_badge(run))
    if active:
        _live_run(run_id, run["comparison_id"])
        return
    if not is_plan(run) and (run.get("artifact") or run.get("response")):  # else there is nothing to download or check
        with st.popover("Files and render check", icon=":material/download:"):
            views.downloads(run)
    said = False  # whether the preview already said what happened to the run
    if view == "replay":
        from ui.replay import comparison_replay

        comparison_replay([run])
    elif is_plan(run) and view == "preview":  # a recipe's design: text, never a page to preview or check
        views.text_view(run.get("response"), height=FULL_HEIGHT, empty="No design text.", language="markdown")
        said = True
    else:
        said = views.run_view(run, view, height=FULL_HEIGHT)
    if not left_no_page(run) and not is_plan(run):  # without a page there was nothing to check
        checking.live_check(run, checking.progress_with_verdicts([run]).get(run_id))
    if not said:
        views.warnings(run)
    views.metrics_card(run)


def _live_run(run_id: str, comparison_id: str) -> None:
    """One run still streaming, at full size: its live lane, until it ends and the page shows what it built."""
    store = data.store()

    @st.fragment(run_every=LIVE_EVERY_S)
    def panel() -> None:
        row = next((r for r in reads.live_runs(store, comparison_id) if r["id"] == run_id), None)
        seen = lanes.state_of(row) if row is not None else None
        if row is None or seen is None or not seen[0].active:
            st.rerun()  # it ended (or went): draw the page again as a finished run
            return
        lanes.lane(row, on_cancel=actions.cancel_run, height=FULL_HEIGHT - 200, seen=seen)

    panel()


def _missing(message: str) -> None:
    st.warning(message)
    st.page_link(GALLERY, label="All comparisons", icon=":material/arrow_back:")


def main() -> None:
    """Route by query parameter: one run, or one comparison; without either, the gallery."""
    run_id = st.query_params.get(state.QP_RUN)
    comparison_id = st.query_params.get(state.QP_COMPARISON)
    if run_id:
        _run(run_id)
    elif comparison_id:
        _comparison(comparison_id)
    else:  # a deletion cleared the URL, or the address was typed without an id
        st.switch_page(GALLERY)


main()
