"""A run's measured figures, listed once: the `runs` columns people compare models by, in the order they read them."""

from __future__ import annotations

# The metrics table, the export's cell types and the tests take their figures from here; the export's own
# column order is fixed for spreadsheets (a test holds that every figure is in it).
RUN_METRICS: tuple[str, ...] = (
    "lines", "code_lines", "ttft_s", "latency_s", "tokens_per_s", "input_tokens", "output_tokens",
    "thinking_tokens", "cost_usd",
)  # fmt: skip
# The figures that are fractions (seconds, rates, dollars); the others are whole numbers.
FRACTIONAL: frozenset[str] = frozenset({"ttft_s", "latency_s", "tokens_per_s", "cost_usd"})
