"""Finished comparisons with pages and screenshots, stored the way the runner and the render check store them."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from canvasbench.run.prompt_suite import get_prompt
from canvasbench.store import RunStore, utc_now, writes


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (30, 144, 255)) -> bytes:
    """A real, valid PNG of one colour (what a render check's screenshot is)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def page(label: str, score: int | None = None) -> str:
    """A small complete page; `score` plants the marker the fake judge grades by."""
    marker = f"<!-- JUDGE_SCORE={score} -->" if score is not None else ""
    return (
        f"<!DOCTYPE html><html><head><title>{label}</title></head><body>{marker}"
        f"<canvas id='c'></canvas><p>{label}</p></body></html>"
    )


def finished_comparison(
    store: RunStore,
    models: Sequence[str],
    codes: Sequence[str | None] | None = None,
    *,
    prompt_id: str | None = "canvas-boids-ecosystem",
    category: str | None = None,
    screenshots: bool = True,
    statuses: Sequence[str] | None = None,
) -> tuple[str, list[str]]:
    """A comparison whose runs are done with the given pages (None: no artifact), each with a screenshot."""
    if prompt_id is not None:
        prompt = get_prompt(prompt_id).as_row()
    else:
        prompt = {"id": "custom-abc", "title": "Spinning cube", "category": "custom", "kind": "html",
                  "text": "Make a spinning cube.", "source": "user"}
    if category is not None:
        prompt = {**prompt, "category": category}
    comparison_id, run_ids = writes.create_comparison(store, prompt=prompt, model_ids=list(models))
    codes = list(codes) if codes is not None else [page(f"page {i}") for i in range(len(models))]
    for i, (run_id, code) in enumerate(zip(run_ids, codes, strict=True)):
        status = statuses[i] if statuses is not None else "done"
        writes.update_run(
            store,
            run_id, status=status, artifact=code, artifact_kind="html" if code else "none",
            cost_usd=0.01 * (i + 1), latency_s=10.0 + i, finished_at=utc_now(),
        )
        if screenshots and code:
            with store.write():
                store.table("render_checks").upsert(
                    {"run_id": run_id, "checked_at": utc_now(), "verdict": "renders", "loaded": 1, "js_errors": 0,
                     "drawn": 1, "screenshot": png(rgb=(i * 40 % 256, 100, 200)), "width": 4, "height": 3,
                     "evidence": "drew pixels"},
                    pk="run_id",
                )
    return comparison_id, run_ids
