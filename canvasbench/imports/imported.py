"""One generation made by another tool, and how it becomes a measured, priced, stored run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from canvasbench.imports.contestants import contestant_id
from canvasbench.measure.analysis import analyse_response
from canvasbench.measure.pricing import Price, load_prices, price_of
from canvasbench.providers.base import Usage
from canvasbench.redact import redact
from canvasbench.status import Status
from canvasbench.store import RunStore, utc_now, writes

# Finish reasons as the tools log them (OpenAI, Anthropic, Gemini spellings) that mean "cut at the output limit".
_CUT = {"length", "max_tokens", "max_output_tokens", "MAX_TOKENS"}


@dataclass(frozen=True)
class ImportedRun:
    """What another tool kept of one generation; unknown figures stay None, never guessed."""

    origin_key: str  # the item in its source (never seen twice: a re-import skips it)
    group: str  # generations of one group form one comparison (the same prompt, in one source)
    prompt_text: str
    model_name: str  # as the tool logged it
    response: str
    created_at: str | None = None
    title: str | None = None
    latency_s: float | None = None  # the tool's own measure of the whole request, when it kept one
    input_tokens: int | None = None
    output_tokens: int | None = None
    thinking_tokens: int | None = None
    finish_reason: str | None = None  # raw, as logged
    error: str | None = None  # the tool recorded the request as failed


@dataclass
class ImportReport:
    """What an import added: comparisons touched, runs added (for render checks), items already there."""

    comparisons: list[str]
    run_ids: list[str]
    already: int


def store_imported(store: RunStore, origin: str, items: Iterable[ImportedRun]) -> ImportReport:
    """Write each group of items as (or into) one comparison; items imported before are skipped."""
    groups: dict[str, list[ImportedRun]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    report = ImportReport([], [], 0)
    prices = load_prices()  # read once; a broken price file stops the import before anything is written
    for group, members in sorted(groups.items(), key=lambda g: min(m.created_at or "" for m in g[1])):
        first = members[0]
        text = first.prompt_text
        prompt = {
            "id": f"import-{hashlib.sha256(text.encode()).hexdigest()[:12]}",
            "title": first.title or _title_of(text),
            "category": "imported",
            "kind": "svg" if all(analyse_response(m.response).kind == "svg" for m in members) else "html",
            "text": text,
            "source": origin,
        }
        rows = [_run_row(origin, member, prices) for member in members]
        comparison_id, run_ids = writes.add_imported_runs(
            store, prompt=prompt, group=f"{origin}:{group}", origin=origin, runs=rows
        )
        report.already += len(members) - len(run_ids)
        if run_ids:
            report.comparisons.append(comparison_id)
            report.run_ids.extend(run_ids)
    return report


def _title_of(prompt: str) -> str:
    line = next((line.strip() for line in prompt.splitlines() if line.strip()), "Imported prompt")
    return line if len(line) <= 70 else line[:69].rstrip() + "…"


def _run_row(origin: str, item: ImportedRun, prices: dict[str, Price]) -> dict[str, Any]:
    model_id = contestant_id(item.model_name, origin)
    analysis = analyse_response(item.response)
    cut = item.finish_reason in _CUT
    status = Status.FAILED if item.error else Status.INCOMPLETE if cut else Status.DONE
    when = item.created_at or utc_now()
    usage = Usage(item.input_tokens, item.output_tokens, item.thinking_tokens)
    row: dict[str, Any] = {
        "model_id": model_id,
        "origin_key": item.origin_key,
        "status": status,
        "created_at": when,
        "started_at": when,
        "finished_at": when,
        "finish_reason": "length" if cut else "error" if item.error else "stop" if item.finish_reason else None,
        "raw_finish_reason": item.finish_reason,
        "error": redact(item.error) if item.error else None,
        "attempts": 1,
        # Imported: no stream was watched here, so no time to first token and no tokens/s.
        "latency_s": item.latency_s,
        "input_tokens": item.input_tokens,
        "output_tokens": item.output_tokens,
        "thinking_tokens": item.thinking_tokens,
        "response": redact(item.response),
        "artifact_kind": analysis.kind,
        "artifact": redact(analysis.code) if analysis.code else analysis.code,
        "lines": analysis.lines,
        "code_lines": analysis.code_lines,
        "chars": analysis.chars,
        "response_lines": analysis.response_lines,
        "truncated": int(analysis.truncated or cut),
        "cost_usd": None,
        "price": None,
    }
    if item.input_tokens is not None or item.output_tokens is not None:
        priced = price_of(model_id, usage, prices)
        if priced is not None:
            row["cost_usd"], price = priced
            row["price"] = json.dumps(asdict(price), sort_keys=True)
    return row


def utc_stamp(stamp: str) -> str | None:
    """Another tool's ISO time (`...+00:00`, `...Z`, naive UTC) in the store's form (`...Z`, milliseconds)."""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
