"""A run the provider failed says the provider's error (HTTP status and words) on tile, comparison and CLI."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from canvasbench.cli.run_display import summary_table
from canvasbench.present.outcome import describe_run
from canvasbench.providers.generate import StreamSettings
from canvasbench.render.records import check_run
from canvasbench.run.prompt_suite import custom_prompt
from canvasbench.run.runner import Runner
from canvasbench.store import reads
from tests.fakes import fixtures
from tests.test_app_pages import APP, texts

fake_server = fixtures.fake_server  # the wire-faithful fakes: the 500 comes over HTTP from the real SDK's request
fake_env = fixtures.fake_env
fake_env_vars = fixtures.fake_env_vars

FAILED_500 = "openai:fake;fault=500"
NO_PAGE = "openai:fake;text=I+would+rather+describe+it+in+words."


def test_a_run_the_provider_failed_shows_the_providers_error_not_a_missing_page(
    fake_env_vars: dict[str, str],
) -> None:
    runner = Runner(settings=StreamSettings(max_attempts=1))  # one attempt: no backoff to wait through
    try:
        cid = runner.submit(custom_prompt("Write one HTML page with a bouncing ball."), [FAILED_500, NO_PAGE])
        rows = runner.wait(cid, timeout=60)
    finally:
        runner.shutdown()
    store = runner.store
    failed, prose = sorted(rows, key=lambda r: r["position"])
    # What the dashboard's hook does: a run without a page is stored "not checked", saying why.
    checks = {row["id"]: check_run(store, row["id"]) for row in (failed, prose)}
    assert "ended as 'provider error'" in checks[failed["id"]].evidence
    assert "HTTP 500" in checks[failed["id"]].evidence and "artifact" not in checks[failed["id"]].evidence
    assert checks[prose["id"]].evidence == "The run produced no HTML or SVG artifact to open."

    state = describe_run(failed)
    assert state.label == "provider error"
    assert state.headline == "HTTP 500: Internal server error (fake 500)"
    assert state.message and state.message.startswith("The provider answered HTTP 500")

    # The gallery tile: the provider's error is its headline, no "not checked" for a page that never came.
    from ui.tiles import tile_html

    tiles = {r["id"]: r for r in reads.runs_summary(store, [cid])[cid]}
    tile = tile_html(tiles[failed["id"]], "fake", "", None, None)
    assert "HTTP 500: Internal server error (fake 500)" in tile and "provider error" in tile
    assert "not checked" not in tile

    # The comparison: the failed run's column says what happened; "no artifact" only for the model that answered.
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["comparison"] = cid
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert [str(e.value) for e in at.info].count(
        "No HTML or SVG artifact was found in this response; see the raw response."
    ) == 1
    errors = [str(e.value) for e in at.error]
    assert any("HTTP 500" in e and "Internal server error \\(fake 500\\)" in e for e in errors), errors
    assert "not checked" not in shown

    # The CLI summary: the state word, the HTTP status and the provider's words; no render verdict for it.
    summary = summary_table(reads.run_metrics(store, cid), verdicts={r["id"]: "not checked" for r in rows})
    failed_line = next(line for line in summary.splitlines() if line.startswith(FAILED_500 + " "))
    assert re.split(r"\s{2,}", failed_line)[1:3] == ["provider error", "–"]
    assert f"{FAILED_500}: provider error: The provider answered HTTP 500" in summary
    assert "Internal server error (fake 500)" in summary
