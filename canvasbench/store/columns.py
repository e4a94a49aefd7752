"""A run's measured figures, listed once: the `runs` columns people compare models by, in the order they read them."""

from __future__ import annotations

# name -> the type its cells hold (None aside). The metrics table, the export's cell types and the run
# command's JSON all take their figures from here; the export's own column order is fixed for spreadsheets.
RUN_METRICS: dict[str, type] = {
    "lines": int,
    "code_lines": int,
    "ttft_s": float,
    "latency_s": float,
    "tokens_per_s": float,
    "input_tokens": int,
    "output_tokens": int,
    "thinking_tokens": int,
    "cost_usd": float,
}
