"""One vocabulary: every state word the pages, filters, CLI and exports show is one of `status.STATES`."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from canvasbench.cli.run_cmd import json_run
from canvasbench.cli.run_display import SweepBar, summary_table
from canvasbench.liveness import worker_token
from canvasbench.present.export import write_export
from canvasbench.providers.failures import connection_error, http_error, stream_error
from canvasbench.status import STATES, VERDICTS, State
from canvasbench.store import RunStore, reads, writes
from tests.browser_helpers import seed_comparison
from tests.test_app_pages import APP, texts

KEYS = ("OPENAI_API_KEY",)
# One stored run per state, its error worded as our provider layer words it.
STORED: dict[State, dict[str, Any]] = {
    State.QUEUED: {"status": "queued"},
    State.RUNNING: {"status": "running"},
    State.STALLED: {
        "status": "failed",
        "error": "openai:gpt-5.2: stalled: no data for 300 s after 12 stream events; the text received so far is kept.",
    },
    State.DONE: {"status": "done", "finish_reason": "stop"},
    State.OUTPUT_LIMIT: {"status": "done", "finish_reason": "length"},
    State.CODE_CUT_OFF: {"status": "done", "finish_reason": "stop", "truncated": 1},
    State.INCOMPLETE: {"status": "incomplete", "finish_reason": "incomplete"},
    State.CUT: {
        "status": "failed",
        "error": str(connection_error("openai", "gpt-5.2", ConnectionError("closed"), started=True, key_env_vars=KEYS)),
    },
    State.PROVIDER_ERROR: {
        "status": "failed",
        "error": str(http_error("openai", "gpt-5.2", 500, "Internal server error", key_env_vars=KEYS)),
    },
    State.BLOCKED: {"status": "done", "finish_reason": "safety"},
    State.REFUSED: {"status": "done", "finish_reason": "refusal"},
    State.FAILED: {
        "status": "failed",
        "error": str(connection_error("openai", "gpt-5.2", OSError("refused"), started=False, key_env_vars=KEYS)),
    },
    State.CANCELLED: {"status": "cancelled", "error": "cancelled by the user; the text received so far is kept."},
    State.INTERRUPTED: {"status": "interrupted"},
}
IN_STREAM = str(stream_error("anthropic", "x", "overloaded_error", status=None, retryable=False, key_env_vars=KEYS))
_BADGE = re.compile(r"-badge\[(?::material/\w+: )?([^\]]+)\]")
_TILE_BADGE = re.compile(r"<span style=\"background:[^\"]*border-radius:4px[^\"]*\">([^<]+)</span>")


@pytest.fixture
def every_state() -> dict[str, Any]:
    """A comparison holding a run in every state (plus an in-stream provider error), and its run ids by state."""
    store = RunStore()
    seed_comparison(store, title="Bouncing canvas")  # every run done: filtered out by any other state
    states = [*STORED, State.PROVIDER_ERROR]
    cid, run_ids = seed_comparison(store, title="Every state", models=[f"openai:model-{i}" for i in range(len(states))])
    for i, (state, run_id) in enumerate(zip(states, run_ids, strict=True)):
        fields = {"finish_reason": "error", "error": None, "truncated": 0, **STORED[state]}
        if i == len(states) - 1:
            fields["error"] = IN_STREAM
        if state in (State.QUEUED, State.RUNNING):
            fields.update(worker=worker_token(), finished_at=None, latency_s=None)  # streamed by this live process
        writes.update_run(store, run_id, **fields)
    return {"store": store, "comparison": cid, "runs": dict(zip(states, run_ids, strict=False)), "ids": run_ids}


def _open(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "pages/gallery_page.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _badges(at: AppTest) -> list[str]:
    """The words of every badge on a page: markdown badges and the gallery tiles' HTML badges."""
    words = [m.group(1).replace("\\", "") for e in at.markdown for m in _BADGE.finditer(str(e.value))]
    words += [m.group(1) for e in at.get("html") for m in _TILE_BADGE.finditer(e.proto.body)]
    return [w for w in words if not w.startswith("🏆")]


def test_every_state_word_on_pages_filters_cli_and_exports_is_in_the_one_list(every_state: dict[str, Any]) -> None:
    known = {*STATES, *VERDICTS}
    cut_id = every_state["runs"][State.CUT]

    gallery = _open("pages/gallery_page.py")
    tile_words = _badges(gallery)
    assert set(tile_words) <= known and State.CUT in tile_words and State.OUTPUT_LIMIT in tile_words
    options = gallery.selectbox(key="gallery.status").options
    assert set(options) == set(STATES)  # every state can be filtered, "cut" and "output limit" included
    gallery.selectbox(key="gallery.status").select(State.CUT).run()
    assert "1 comparisons" in texts(gallery) and "Bouncing canvas" not in texts(gallery)

    comparison = _open("pages/gallery_page.py", comparison=every_state["comparison"])
    words = _badges(comparison)
    assert set(words) <= known and State.CUT in words

    metrics = _open("pages/metrics_page.py", runs="true")
    table = metrics.dataframe[0].value
    assert set(table["state"]) <= set(STATES) and "cut" in set(table["state"])
    assert set(metrics.multiselect(key="metrics.statuses").options) <= set(STATES)
    metrics.multiselect(key="metrics.statuses").select(State.CUT).run()
    assert len(metrics.dataframe[0].value) == 1

    store: RunStore = every_state["store"]
    exported = list(csv.DictReader(io.StringIO((write_export(reads.export_rows(store), "csv") or b"").decode())))
    assert {r["status"] for r in exported} <= set(STATES)
    assert next(r for r in exported if r["run_id"] == cut_id)["status"] == State.CUT

    rows = reads.runs_of(store, every_state["comparison"])
    table_lines = summary_table(rows).splitlines()[2 : 2 + len(rows)]
    cli_words = [re.split(r"\s{2,}", line)[1] for line in table_lines]
    assert set(cli_words) <= set(STATES) and cli_words[list(every_state["ids"]).index(cut_id)] == State.CUT
    assert {json_run(r)["status"] for r in rows} <= set(STATES)
    assert json_run(next(r for r in rows if r["id"] == cut_id))["status"] == State.CUT
    bar = io.StringIO()
    SweepBar(bar, len(rows), tty=False).update(rows)
    assert f"model-{list(every_state['ids']).index(cut_id)}: cut (" in bar.getvalue()
