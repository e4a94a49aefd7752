"""Read a promptfoo results file (`promptfoo eval -o results.json`): one comparison per test case and prompt."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from canvasbench.errors import SourceError
from canvasbench.imports.imported import ImportedRun, utc_stamp

SUPPORTED_VERSION = 3  # promptfoo's EvaluateSummaryV3, written since 2023
_ERROR = 2  # promptfoo's ResultFailureReason.ERROR: the provider failed (1 is a failed assertion)


def read_promptfoo(path: Path) -> Iterator[ImportedRun]:
    """Every provider's answer to every test case; answers served from promptfoo's cache keep no latency."""
    summary, eval_id = _summary(path)
    for index, result in enumerate(summary["results"]):
        if not isinstance(result, dict):
            raise SourceError(f"{path}: result {index} is not an object; is this a promptfoo results file?")
        provider = result.get("provider") or {}
        name = provider.get("id") if isinstance(provider, dict) else str(provider)
        prompt = result.get("prompt") or {}
        response = result.get("response") or {}
        usage = response.get("tokenUsage") or {}
        output = response.get("output")
        text = output if isinstance(output, str) else "" if output is None else json.dumps(output, indent=2)
        thinking = (usage.get("completionDetails") or {}).get("reasoning") or None
        completion = usage.get("completion")
        if thinking and isinstance(completion, int) and completion >= thinking:
            completion -= thinking  # promptfoo logs OpenAI's completion tokens, reasoning included
        error = response.get("error") or (result.get("error") if result.get("failureReason") == _ERROR else None)
        latency = result.get("latencyMs", response.get("latencyMs"))
        test, asked = result.get("testIdx", 0), str(prompt.get("raw") or "")
        yield ImportedRun(
            origin_key=f"promptfoo:{eval_id}:{result.get('id') or f'{test}:{name}'}",
            # One comparison per test case and prompt text (promptIdx counts prompts per provider, so not that).
            group=f"{eval_id}:{test}:{hashlib.sha256(asked.encode()).hexdigest()[:16]}",
            prompt_text=asked,
            title=_title(result),
            model_name=str(provider.get("label") or name or "unknown") if isinstance(provider, dict) else str(name),
            response=text,
            created_at=summary.get("created_at"),
            latency_s=latency / 1000 if isinstance(latency, int | float) and not response.get("cached") else None,
            input_tokens=usage.get("prompt") if not response.get("cached") else None,
            output_tokens=completion if not response.get("cached") else None,
            thinking_tokens=thinking if not response.get("cached") else None,
            finish_reason=response.get("finishReason"),
            error=str(error) if error else None,
        )


def _summary(path: Path) -> tuple[dict[str, Any], str]:
    """The results summary and the eval's id, or one clear SourceError."""
    if not path.is_file():
        raise SourceError(f"No promptfoo results at {path}: write them with 'promptfoo eval -o results.json'.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path} is not JSON ({exc}): give the file 'promptfoo eval -o results.json' wrote.") from exc
    summary = data.get("results") if isinstance(data, dict) else None
    if not isinstance(summary, dict) or not isinstance(summary.get("results"), list):
        raise SourceError(f"{path} is JSON but not promptfoo results (no results.results list): nothing was imported.")
    version = summary.get("version")
    if isinstance(version, int) and version > SUPPORTED_VERSION:
        raise SourceError(
            f"{path} was written by a newer promptfoo (results version {version}; this CanvasBench reads "
            f"{SUPPORTED_VERSION}): upgrade CanvasBench. Nothing was imported."
        )
    if version != SUPPORTED_VERSION:
        raise SourceError(
            f"{path} is an older promptfoo results file (version {version}): write it again with a current "
            "promptfoo ('promptfoo export EVAL_ID -o results.json'). Nothing was imported."
        )
    eval_id = data.get("evalId") or hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    stamp = summary.get("timestamp")
    summary["created_at"] = utc_stamp(stamp) if isinstance(stamp, str) else None
    return summary, str(eval_id)


def _title(result: dict[str, Any]) -> str | None:
    test = result.get("testCase") or {}
    described = test.get("description") if isinstance(test, dict) else None
    return str(described) if described else None
