"""What `run` and `sweep` show on stderr while runs stream, and the tables they print at the end."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from typing import Any, TextIO

from canvasbench.contestants import is_plan
from canvasbench.present import formatting
from canvasbench.present.outcome import StallWatch, describe_run, left_no_page
from canvasbench.status import FINAL_STATUSES, Status, Verdict

# Plain (non-TTY) output repeats the whole block this often; status changes print at once.
PLAIN_EVERY_S = 5.0


def elapsed_s(row: dict[str, Any]) -> float | None:
    """Seconds a run has been streaming (its total time once finished)."""
    if row.get("status") in FINAL_STATUSES and row.get("latency_s") is not None:
        return float(row["latency_s"])
    return formatting.seconds_between(row.get("started_at"))


def tokens_per_s_text(row: dict[str, Any]) -> str:
    """Measured tokens/s once finished; while streaming an estimate from characters (about 4 per token)."""
    if row.get("tokens_per_s") is not None:
        return f"{row['tokens_per_s']:.0f} tok/s"
    if row.get("status") != Status.RUNNING or not row.get("chars"):
        return "- tok/s"
    elapsed = elapsed_s(row)
    start = row.get("first_chunk_s") or row.get("ttft_s") or 0.0
    if elapsed is None or elapsed - start <= 0.05:
        return "- tok/s"
    return f"~{row['chars'] / 4 / (elapsed - start):.0f} tok/s"


def run_label(row: dict[str, Any]) -> str:
    """A run as the CLI names it: its model (and round), or its recipe's name, step and model."""
    if row.get("recipe"):
        step = "plan" if is_plan(row) else f"round {row['round']}" if row.get("round") else "build"
        return f"{row['recipe']} · {step} ({row['model_id']})"
    return row["model_id"] + (f" · round {row['round']}" if row.get("round") else "")  # repairs beside their first


def progress_line(row: dict[str, Any], width: int, stalled_s: float | None = None) -> str:
    """One model's live line: state, lines so far, tokens/s (or how long it has been quiet), elapsed."""
    elapsed = elapsed_s(row)
    lines = row.get("response_lines") if row.get("status") == Status.RUNNING else row.get("lines")
    state = describe_run(row, stalled_s=stalled_s)
    speed = f"quiet {stalled_s:.0f}s" if state.key == "stalled" and stalled_s is not None else tokens_per_s_text(row)
    text = (
        f"{run_label(row):<{width}}  {state.label:<14} {lines or 0:>6} lines  "
        f"{speed:>12}  {'-' if elapsed is None else f'{elapsed:6.1f}s':>7}"
    )
    if not state.active and state.message:
        text += f"  {state.message}"
    return text


class LiveDisplay:
    """A line per run, redrawn in place on a terminal, printed as periodic plain lines otherwise."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self._drawn = 0
        self._last_plain = 0.0
        self._statuses: dict[str, str] = {}
        self._stalls = StallWatch()

    def update(self, rows: Sequence[dict[str, Any]]) -> None:
        """Show the current state of these runs."""
        width = max((len(run_label(r)) for r in rows), default=10)
        lines = [progress_line(r, width, self._stalls.stalled_s(r)) for r in rows]
        if self.tty:
            columns = shutil.get_terminal_size((100, 20)).columns
            out = f"\x1b[{self._drawn}F" if self._drawn else ""
            # Lines cut to the terminal width: a wrapped line would break the cursor arithmetic.
            out += "".join("\x1b[2K" + line[: columns - 1] + "\n" for line in lines)
            self.stream.write(out)
            self._drawn = len(lines)
        else:
            now = time.monotonic()
            changed = [line for r, line in zip(rows, lines, strict=True) if self._statuses.get(r["id"]) != r["status"]]
            if now - self._last_plain >= PLAIN_EVERY_S:
                self._last_plain = now
                changed = lines
            for line in changed:
                self.stream.write(line + "\n")
        self._statuses = {r["id"]: r["status"] for r in rows}
        self.stream.flush()

    def note(self, message: str) -> None:
        """A message below the live block (the block continues underneath)."""
        self.stream.write(message + "\n")
        self.stream.flush()
        self._drawn = 0


def summary_table(
    rows: Sequence[dict[str, Any]], *, prompt_column: bool = False, verdicts: dict[str, str] | None = None
) -> str:
    """The end-of-run table: one row per run (with its render verdict when checked), then each problem."""
    head = ["model", "status", "lines", "code", "TTFT", "total", "tok/s", "out tok", "think tok", "cost"]
    if verdicts is not None:
        head.insert(2, "render")
    if prompt_column:
        head.insert(0, "prompt")
    body = []
    for r in rows:
        cells = [
            run_label(r),
            describe_run(r).label,
            formatting.count(r.get("lines")),
            formatting.count(r.get("code_lines")),
            formatting.duration(r.get("ttft_s")),
            formatting.duration(r.get("latency_s")),
            formatting.count(r.get("tokens_per_s")),
            formatting.count(r.get("output_tokens")),
            formatting.count(r.get("thinking_tokens")),
            formatting.cost(r.get("cost_usd")),
        ]
        if verdicts is not None:
            # A run that failed without leaving a page has no verdict to give: its line below says what happened.
            no_page = not describe_run(r).ok and left_no_page(r)
            if is_plan(r):  # a design, never checked
                cells.insert(2, "design")
            else:
                cells.insert(2, formatting.MISSING if no_page else verdicts.get(r["id"], Verdict.NOT_CHECKED))
        if prompt_column:
            cells.insert(0, r.get("prompt_id") or "")
        body.append(cells)
    numeric = range(2 + prompt_column + (verdicts is not None), len(head))
    out = [formatting.table(head, body, right=numeric)]
    for r in rows:
        state = describe_run(r)
        if state.message:
            label = f"{r.get('prompt_id')} × {run_label(r)}" if prompt_column else run_label(r)
            out.append(f"{label}: {state.label}: {state.message}")
            if state.detail:
                out.append(f"    ({state.detail})")
    return "\n".join(out)


class SweepBar:
    """One progress bar for a whole sweep: redrawn in place on a terminal, a line per finished run otherwise."""

    def __init__(self, stream: TextIO, total: int, *, tty: bool | None = None) -> None:
        self.stream = stream
        self.total = total
        self.tty = stream.isatty() if tty is None else tty
        self.started = time.monotonic()
        self._seen: set[str] = set()

    def update(self, rows: Sequence[dict[str, Any]]) -> None:
        """Show how many of the sweep's runs are finished, running and queued."""
        self.total = max(self.total, len(rows))  # repair rounds join the sweep as they start
        counts: dict[str, int] = {}
        for r in rows:
            label = describe_run(r).label
            counts[label] = counts.get(label, 0) + 1
        finished = sum(r["status"] in FINAL_STATUSES for r in rows)
        elapsed = time.monotonic() - self.started
        if self.tty:
            width = 30
            filled = int(width * finished / self.total) if self.total else width
            detail = " · ".join(f"{s} {n}" for s, n in sorted(counts.items()))
            self.stream.write(
                f"\r\x1b[2K[{'#' * filled}{'-' * (width - filled)}] {finished}/{self.total} runs  "
                f"{detail}  {elapsed:.0f}s"
            )
        else:
            for r in rows:
                if r["status"] in FINAL_STATUSES and r["id"] not in self._seen:
                    self._seen.add(r["id"])
                    label = describe_run(r).label
                    self.stream.write(
                        f"[{len(self._seen)}/{self.total}] {r.get('prompt_id')} × {run_label(r)}: {label}"
                        f" ({formatting.duration(r.get('latency_s'))}, {formatting.count(r.get('lines'))} lines)\n"
                    )
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
