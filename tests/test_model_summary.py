"""The per-model summary and outlier clipping of the metrics page."""

from __future__ import annotations

from canvasbench.present.model_summary import outlier_cap, summarise


def _run(model: str, status: str = "done", **extra: object) -> dict[str, object]:
    return {"model_id": model, "status": status, "finish_reason": "stop", "error": None, "truncated": 0, **extra}


def test_summary_has_medians_pass_rate_and_failures_per_model() -> None:
    runs = [
        _run("a:x", lines=100, ttft_s=1.0, tokens_per_s=50.0, cost_usd=0.01, render_verdict="renders"),
        _run("a:x", lines=300, ttft_s=3.0, tokens_per_s=70.0, cost_usd=0.03, render_verdict="blank"),
        _run("a:x", status="failed", error="x: connection lost mid-stream (E: cut)", lines=10),
        _run("a:x", finish_reason="length", lines=900, render_verdict="renders"),
        _run("b:y", lines=None, ttft_s=None, tokens_per_s=None, cost_usd=None),
    ]
    a, b = summarise(runs)
    assert a["model_id"] == "a:x" and a["runs"] == 4
    assert a["render_pass_rate"] == 2 / 3
    assert a["median_lines"] == 200 and a["median_ttft_s"] == 2.0 and a["median_tokens_per_s"] == 60.0
    assert a["failures"] == 2  # the cut and the run cut off at its output limit
    assert b["median_lines"] is None and b["median_cost_usd"] is None and b["render_pass_rate"] is None
    assert b["failures"] == 0


def test_one_burst_run_is_an_outlier_and_ordinary_spread_is_not() -> None:
    speeds = [180.0, 210.0, 95.0, 150.0, 230.0, 338_282.0]
    cap = outlier_cap(speeds)
    assert cap is not None and 230 < cap < 338_282
    assert outlier_cap([180.0, 210.0, 95.0, 150.0, 230.0]) is None
    assert outlier_cap([1.0, None, 2.0]) is None
