"""Reusable pieces of pages: sandboxed previews, metrics cards, status notices, downloads (columns: ui/run_column)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from canvasbench.measure.reasoning import inband_reasoning
from canvasbench.present import batch_words, formatting
from canvasbench.present.outcome import describe_run
from canvasbench.sandbox.document import sandbox_document
from canvasbench.status import ACTIVE_STATUSES as ACTIVE
from canvasbench.status import Verdict
from ui import data
from ui.filmstrip import filmstrip
from ui.format import md, one_line, verdict_label
from ui.frame import preview_network

VIEWS = {
    "preview": "Preview",
    "code": "Code",
    "response": "Raw response",
    "reasoning": "Reasoning",
    "replay": "Replay",
}
_EXT = {"html": ("html", "text/html"), "svg": ("svg", "image/svg+xml")}


def per_row(n: int) -> int:
    """How many model columns fit in one row: up to 3 side by side, 4 as 2×2, more in rows of 3."""
    if n <= 3:
        return max(n, 1)
    return 2 if n == 4 else 3


def grid(items: Sequence[Any], render: Callable[[Any], None], *, columns: int | None = None) -> None:
    """Lay items out in rows of columns, calling render(item) inside each column."""
    width = columns or per_row(len(items))
    for start in range(0, len(items), width):
        cols = st.columns(width, gap="medium")
        for col, item in zip(cols, items[start : start + width], strict=False):
            with col:
                render(item)


def preview(run: dict[str, Any], *, height: int | None = None) -> bool:
    """The artifact running in the nested sandbox, scaled whole to the width, or why there is nothing to show.

    `height` is kept for callers; a preview's height follows the artifact's viewport and the column's width.
    Returns whether it said the run's own message (a run that failed without any answer), so it is not said twice.
    """
    code, kind = run.get("artifact") or "", run.get("artifact_kind") or "none"
    if kind in _EXT and code.strip():
        document = sandbox_document(
            code,
            kind,
            title=f"{run['model_id']} preview",
            network=preview_network(),
        )
        st.iframe(document, height="content")
    elif run.get("status") in ACTIVE:
        st.info("Still generating: the preview appears when the run finishes.")
    elif (run.get("response") or "").strip():
        st.info("No HTML or SVG artifact was found in this response; see the raw response.")
    elif not (outcome := describe_run(run)).ok:
        # Nothing came back: what happened (the provider's error, its HTTP status) is the headline here.
        st.error(md(outcome.message or outcome.label), icon=f":material/{outcome.icon}:")
        if outcome.detail:
            st.caption(md(one_line(outcome.detail, 300)))
        return True
    else:
        st.info("The model sent back an empty answer.")
    return False


def code_view(run: dict[str, Any], *, height: int) -> None:
    """The artifact's code, highlighted with line numbers (shown in the sandbox too: it is model output)."""
    code, kind = run.get("artifact") or "", run.get("artifact_kind") or "none"
    if not code:
        st.info("No code extracted from this response.")
        return
    page = data.highlighted(run["id"], run.get("updated_at"), kind, code)
    st.iframe(sandbox_document(page, "html", height=height, title=f"{run['model_id']} code"), height=height)


def text_view(text: str | None, *, height: int, empty: str, language: str | None = None) -> None:
    """A long text shown literally in a scrolling box."""
    if not text:
        st.info(empty)
        return
    st.code(text, language=language, wrap_lines=True, height=height)


_NARROW, _WIDE = "1 1 4.6rem;min-width:4.6rem", "2 1 9.6rem;min-width:9.6rem"
_STAT = (
    '<div style="flex:{basis};max-width:100%;padding:2px 6px;border-left:2px solid rgba(128,128,128,0.3)">'
    '<div style="font-size:0.72rem;opacity:0.7;white-space:nowrap">{name}</div>'
    '<div style="font-size:0.92rem;font-variant-numeric:tabular-nums;white-space:nowrap;overflow:hidden;'
    'text-overflow:ellipsis" title="{value}">{value}</div></div>'
)


def metrics_card(run: dict[str, Any]) -> None:
    """Lines, code lines, TTFT, total, tokens/s, tokens in/out/thinking, cost and finish reason, reflowing to fit.

    A batch run had no stream: its TTFT and tokens/s say so (never a guess) and its total is the turnaround.
    """
    batch = batch_words.is_batch(run)
    cells = [
        ("Lines", formatting.count(run.get("lines"))),
        ("Code lines", formatting.count(run.get("code_lines"))),
        ("TTFT", batch_words.NO_STREAM if batch else formatting.duration(run.get("ttft_s"))),
        ("Turnaround", batch_words.span(run.get("latency_s")))
        if batch
        else ("Total", formatting.duration(run.get("latency_s"))),
        ("Tokens/s", batch_words.NO_STREAM if batch else formatting.count(run.get("tokens_per_s"))),
        ("In", formatting.count(run.get("input_tokens"))),
        ("Out", formatting.count(run.get("output_tokens"))),
        ("Thinking", formatting.count(run.get("thinking_tokens"))),
        ("Cost", formatting.cost(run.get("cost_usd"))),
        ("Finish", run.get("finish_reason") or "–"),
    ]
    stats = "".join(
        # A missing figure's reason gets room to be read whole, not cut to "— (batc…".
        _STAT.format(
            name=name,
            value=html.escape(str(value), quote=True),
            basis=_WIDE if value == batch_words.NO_STREAM else _NARROW,
        )
        for name, value in cells
    )
    st.html(f'<div style="display:flex;flex-wrap:wrap;gap:6px 4px;width:100%">{stats}</div>')
    if batch:
        st.caption(batch_words.TIMINGS_NOTE)


def warnings(run: dict[str, Any], *, stalled_s: float | None = None) -> None:
    """What happened to a run that did not simply finish, said once (the core's one status mapping)."""
    state = describe_run(run, stalled_s=stalled_s)
    if not state.message:
        return
    text = md(state.message)
    if state.tone == "red":
        st.error(text, icon=f":material/{state.icon}:")
    elif state.tone == "orange":
        st.warning(text, icon=f":material/{state.icon}:")
    else:
        st.info(text, icon=f":material/{state.icon}:")
    if state.detail:
        st.caption(md(one_line(state.detail, 300)))


def verdict_badge(check: dict[str, Any] | None) -> None:
    """The render check's verdict with its errors (from the headless-Chromium check), if one ran."""
    if not check:
        return
    verdict = check.get("verdict") or Verdict.NOT_CHECKED
    errors = check.get("errors") or []
    text = verdict_label(verdict)
    if check.get("js_errors"):
        text += f" · {formatting.count(check['js_errors'])} JS errors"
    if check.get("render_ms") is not None:
        text += f" · {formatting.duration(check['render_ms'] / 1000)}"
    st.markdown(text)
    if errors or check.get("evidence"):
        # Drawn only while open (`.open`): a closed expander's content is still drawn in the browser, and the three
        # screenshots and the error blocks of every column were a seventh of a checked comparison's cold load.
        details = st.expander("Render check details", key=f"check-details-{check.get('run_id')}", on_change="rerun")
        if details.open:
            with details:
                if check.get("evidence"):
                    st.markdown(md(check["evidence"]))
                filmstrip(check)
                for message in errors[:5]:
                    st.code(str(message), language=None, wrap_lines=True)


def downloads(run: dict[str, Any]) -> None:
    """Download the artifact as .html/.svg and the raw response; queue a render check."""
    kind = run.get("artifact_kind") or "none"
    stem = f"{(run.get('model') or run['model_id']).replace('/', '_')}-{run['id'][-8:]}"
    row = st.container(horizontal=True, gap="small")
    if kind in _EXT and run.get("artifact"):
        ext, mime = _EXT[kind]
        artifact = run["artifact"]
        row.download_button(
            f".{ext}",
            icon=":material/download:",
            data=lambda: artifact.encode("utf-8"),
            file_name=f"{stem}.{ext}",
            mime=mime,
            key=f"dl-art-{run['id']}",
            on_click="ignore",
        )
    if run.get("response"):
        response = run["response"]
        row.download_button(
            "response",
            icon=":material/download:",
            data=lambda: response.encode("utf-8"),
            file_name=f"{stem}-response.md",
            mime="text/markdown",
            key=f"dl-raw-{run['id']}",
            on_click="ignore",
        )
    if kind in _EXT and run.get("artifact") and run.get("status") not in ACTIVE:
        row.button(
            "Check render",
            icon=":material/troubleshoot:",
            key=f"check-{run['id']}",
            help="Open the artifact in headless Chromium and record errors, blank output and a screenshot",
            on_click=_queue_check,
            args=(run["id"],),
        )


def _queue_check(run_id: str) -> None:
    from ui.actions import check_render

    check_render(run_id)
    st.toast("Render check queued: its verdict and screenshot appear here when it is done.")


def run_view(run: dict[str, Any], view: str, *, height: int) -> bool:
    """One run in the chosen view (code, response, reasoning, else its preview); True when the preview already
    said what happened to the run."""
    if view == "code":
        code_view(run, height=height)
    elif view == "response":
        text_view(run.get("response"), height=height, empty="No response text.", language="markdown")
    elif view == "reasoning":
        text_view(reasoning_of(run), height=height, empty="This model returned no reasoning text.")
    else:
        return preview(run, height=height)
    return False


def reasoning_of(run: dict[str, Any]) -> str:
    """The reasoning the provider sent apart, else the in-band `<think>` block the artifact was stripped of."""
    return run.get("reasoning") or inband_reasoning(run.get("response") or "")


def polling(is_active: Callable[[], bool], body: Callable[[], None], *, interval: float = 1.0) -> None:
    """Run body in a fragment that refreshes every `interval` s while is_active(), then stops polling."""
    active = is_active()

    @st.fragment(run_every=interval if active else None)
    def _poll() -> None:
        body()
        if active and not is_active():
            st.rerun()  # everything finished: redraw the whole page once, without a timer

    _poll()
