"""What a render check found (`RenderCheck`), how pixels are judged, and the verdict rules."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from canvasbench.store import utc_now

RENDERS = "renders"
RENDERS_WITH_ERRORS = "renders with errors"
BLANK = "blank"
CRASHED = "crashed"
NOT_CHECKED = "not checked"
VERDICTS: tuple[str, ...] = (RENDERS, RENDERS_WITH_ERRORS, BLANK, CRASHED, NOT_CHECKED)

MAX_MESSAGES = 5  # first few error messages kept as evidence; the count covers all of them
MAX_REQUESTS = 20

# A pixel differs from the background when one channel is further off than this (JPEG-free PNGs,
# but antialiasing and SwiftShader dithering make exact equality too strict).
_CHANNEL_TOLERANCE = 16


@dataclass(frozen=True)
class RenderCheck:
    """One headless-Chromium look at an artifact: the verdict, the evidence and the screenshot."""

    verdict: str
    evidence: str
    loaded: bool = False
    js_errors: int = 0
    errors: tuple[str, ...] = ()
    failed_requests: tuple[dict[str, str], ...] = ()
    blocked_requests: tuple[str, ...] = ()
    drawn: bool = False
    frames: int = 0
    first_paint_ms: float | None = None
    render_ms: float | None = None
    limit_hit: str | None = None  # time / memory / popups
    screenshot: bytes | None = None  # PNG
    width: int = 0
    height: int = 0
    checked_at: str = field(default_factory=utc_now)
    popups: int = 0  # window.open attempts the sandbox refused
    mirrored: tuple[str, ...] = ()  # CDN URLs answered from the offline mirror
    details: dict[str, Any] = field(default_factory=dict)  # canvases, WebGL, SVG elements, ...

    def as_row(self, run_id: str) -> dict[str, Any]:
        """The `render_checks` table row for this check."""
        return {
            "run_id": run_id,
            "checked_at": self.checked_at,
            "verdict": self.verdict,
            "loaded": int(self.loaded),
            "js_errors": self.js_errors,
            "errors": json.dumps(list(self.errors)),
            "failed_requests": json.dumps(list(self.failed_requests)),
            "blocked_requests": json.dumps(list(self.blocked_requests)),
            "drawn": int(self.drawn),
            "frames": self.frames,
            "first_paint_ms": self.first_paint_ms,
            "render_ms": self.render_ms,
            "limit_hit": self.limit_hit,
            "screenshot": self.screenshot,
            "width": self.width,
            "height": self.height,
            "evidence": self.evidence,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe summary (no screenshot bytes, just whether there is one)."""
        data = asdict(self)
        data.pop("screenshot")
        data["has_screenshot"] = self.screenshot is not None
        for key in ("errors", "failed_requests", "blocked_requests", "mirrored"):
            data[key] = list(data[key])
        return data


def not_checked(reason: str) -> RenderCheck:
    """A check that could not look at the page, with the reason as evidence."""
    return RenderCheck(verdict=NOT_CHECKED, evidence=reason)


@dataclass(frozen=True)
class PixelReport:
    """How much of an image stands out from its dominant (background) colour."""

    differing: int
    total: int
    background: tuple[int, int, int]

    @property
    def drawn(self) -> bool:
        """Enough pixels off the background to be a drawing or text, not noise."""
        return self.differing >= max(40, self.total // 20000)


def _rgb(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def pixel_report(png: bytes, box: tuple[int, int, int, int] | None = None) -> PixelReport:
    """Judge a screenshot (or the box x, y, w, h inside it) against its dominant colour."""
    rgb = _rgb(png)
    if box is not None:
        x, y, w, h = box
        rgb = rgb[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)]
    pixels = rgb.reshape(-1, 3)
    if pixels.size == 0:
        return PixelReport(0, 0, (0, 0, 0))
    # Dominant colour: the most common 4-bit-per-channel bucket, then the mean of its pixels.
    buckets = (pixels[:, 0] >> 4) * 256 + (pixels[:, 1] >> 4) * 16 + (pixels[:, 2] >> 4)
    top = int(np.bincount(buckets).argmax())
    ref = pixels[buckets == top].mean(axis=0)
    differing = int((np.abs(pixels - ref).max(axis=1) > _CHANNEL_TOLERANCE).sum())
    background = (int(ref[0]), int(ref[1]), int(ref[2]))
    return PixelReport(differing, int(pixels.shape[0]), background)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG."""
    with Image.open(io.BytesIO(png)) as img:
        return img.size


def thumbnail(png: bytes, width: int = 320) -> bytes:
    """A smaller PNG of a screenshot (same aspect ratio) for gallery cards."""
    with Image.open(io.BytesIO(png)) as img:
        height = max(1, round(img.height * width / img.width))
        small = img.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quote(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


_CONTEXT_LABELS = {"webgl": "WebGL", "webgl2": "WebGL2", "2d": "2D", "webgpu": "WebGPU", "bitmaprenderer": "bitmap"}


def describe_drawing(details: dict[str, Any], frames: int, sample_s: float) -> str:
    """What was on the page, in a few words ("a WebGL canvas 1280×800, 58 animation frames in 3 s")."""
    canvas = details.get("main_canvas")
    shapes = details.get("svg_shapes", 0)
    canvases = details.get("canvases", 0)
    if canvas:
        label = _CONTEXT_LABELS.get(canvas.get("context") or "", "blank-context")
        what = f"a {label} canvas {canvas['w']}×{canvas['h']}"
    elif shapes and not canvases and details.get("text_chars", 0) < 200:
        what = f"an SVG with {shapes} visible shapes"
    else:
        bits = [f"{details.get('elements', 0)} elements"]
        if canvases:
            kinds = sorted(_CONTEXT_LABELS.get(k, k) for k in details.get("contexts", {}))
            noun = "canvas" if canvases == 1 else "canvases"
            bits.append(f"{canvases} {noun}" + (f" ({', '.join(kinds)})" if kinds else ""))
        if shapes:
            bits.append(f"SVG shapes: {shapes}")
        bits.append(f"{details.get('text_chars', 0)} characters of text")
        what = f"the page ({', '.join(bits)})"
    if frames:
        what += f", {frames} animation frames in {sample_s:g} s"
    return what


def decide(
    *,
    loaded: bool,
    drawn: bool,
    js_errors: int,
    errors: tuple[str, ...],
    blocked: tuple[str, ...],
    limit_hit: str | None,
    crashed: bool,
    popups: int,
    drawing: str,
    blank_reason: str,
    limit_note: str,
) -> tuple[str, str]:
    """The verdict and one sentence of evidence from what the check observed.

    - crashed: the renderer died or was stopped at the time/memory limit with nothing drawn, the page
      never loaded, or it threw errors and drew nothing (an error that leaves the page blank is a crash
      from the viewer's point of view).
    - renders with errors: something was drawn, but there were JS errors or a limit was hit.
    - renders: something was drawn, no JS errors, no limit hit.
    - blank: loaded, no errors, nothing drawn (often because a library request was blocked).
    """
    first_error = f"first: {_quote(errors[0])}" if errors else ""
    blocked_note = ""
    if blocked:
        blocked_note = (
            f"{_plural(len(blocked), 'request')} blocked (offline: only mirrored CDN libraries load), e.g. {blocked[0]}"
        )
    popup_note = f"{_plural(popups, 'popup')} refused" if popups and limit_hit != "popups" else ""

    def sentence(*bits: str) -> str:
        text = "; ".join(b for b in bits if b)
        return text[0].upper() + text[1:] + "."

    error_note = f"{_plural(js_errors, 'JS error')}, {first_error}" if js_errors else ""
    if crashed or (limit_hit in ("time", "memory") and not drawn):
        return CRASHED, sentence(limit_note or "the page's renderer crashed", error_note, blocked_note)
    if not loaded and not drawn:
        return CRASHED, sentence("the page never finished loading", error_note, blocked_note)
    if not drawn:
        if js_errors:
            return CRASHED, sentence(f"nothing was drawn and {error_note}", blocked_note)
        return BLANK, sentence(f"loaded without errors but nothing was drawn: {blank_reason}", blocked_note, popup_note)
    if js_errors or limit_hit:
        return RENDERS_WITH_ERRORS, sentence(f"drew {drawing}", error_note, limit_note, blocked_note, popup_note)
    return RENDERS, sentence(f"drew {drawing} with no errors", blocked_note)
