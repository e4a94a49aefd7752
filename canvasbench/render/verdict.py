"""What a render check found (`RenderCheck`), how pixels are judged, and the verdict rules."""

from __future__ import annotations

import functools
import io
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from canvasbench.status import VERDICTS
from canvasbench.store import utc_now

# Short names for the render modules' rules; the words themselves are defined once, in canvasbench.status.
RENDERS, RENDERS_WITH_ERRORS, BLANK, CRASHED, NOT_CHECKED = VERDICTS

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
    animates: bool | None = None  # the page changed on its own between the first two looks
    responds_to_input: bool | None = None  # the page changed after the player's input
    interaction: tuple[str, ...] = ()  # what the player did, in order
    # PNGs after load, after watching, after interacting (None where the page had stopped responding).
    moments: tuple[bytes | None, bytes | None, bytes | None] = (None, None, None)
    served: tuple[str, ...] = ()  # library versions answered from the mirror, "three@0.121.1"
    substitutions: tuple[str, ...] = ()  # "served three@0.170.0 for three@0.121.1" (registry unreachable)
    navigations: tuple[str, ...] = ()  # where the page tried to take its frame (refused)
    missing_files: tuple[str, ...] = ()  # files the page loads from beside itself, which do not exist

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
            "animates": None if self.animates is None else int(self.animates),
            "responds_to_input": None if self.responds_to_input is None else int(self.responds_to_input),
            "interaction": json.dumps(list(self.interaction)),
            "served": json.dumps(list(self.served) + list(self.substitutions)),
            "shot_load": self.moments[0],
            "shot_watch": self.moments[1],
            "shot_input": self.moments[2],
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe summary (no screenshot bytes, just whether there is one)."""
        data = asdict(self)
        data.pop("screenshot")
        data.pop("moments")
        data["has_screenshot"] = self.screenshot is not None
        data["moments_shot"] = [shot is not None for shot in self.moments]
        for key in (
            "errors",
            "failed_requests",
            "blocked_requests",
            "mirrored",
            "interaction",
            "served",
            "substitutions",
            "navigations",
            "missing_files",
        ):
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


@functools.lru_cache(maxsize=8)
def _rgb(png: bytes) -> np.ndarray:
    """The screenshot's pixels (H×W×3, uint8, read-only: one decode serves every look at it)."""
    with Image.open(io.BytesIO(png)) as img:
        pixels = np.asarray(img.convert("RGB"), dtype=np.uint8)
    pixels.flags.writeable = False
    return pixels


def pixel_report(
    png: bytes, box: tuple[int, int, int, int] | None = None, leave_out: list[list[int]] | None = None
) -> PixelReport:
    """Judge a screenshot (or the box x, y, w, h inside it) against its dominant colour, without the
    areas in `leave_out` (x, y, w, h in the screenshot's coordinates: what lies over the box)."""
    rgb = _rgb(png)
    x, y = 0, 0
    if box is not None:
        x, y, w, h = box
        rgb = rgb[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)]
    if leave_out:
        keep = np.ones(rgb.shape[:2], dtype=bool)
        for ox, oy, ow, oh in leave_out:
            top, left = max(oy - max(y, 0), 0), max(ox - max(x, 0), 0)
            keep[top : max(top + oh, 0), left : max(left + ow, 0)] = False
        pixels = rgb[keep]
    else:
        pixels = rgb.reshape(-1, 3)
    if pixels.size == 0:
        return PixelReport(0, 0, (0, 0, 0))
    # Dominant colour: the most common 4-bit-per-channel bucket, then the mean of its pixels.
    high = pixels >> 4
    buckets = (high[:, 0].astype(np.uint16) << 8) | (high[:, 1].astype(np.uint16) << 4) | high[:, 2]
    counts = np.bincount(buckets, minlength=4096)
    top = int(counts.argmax())
    ref = pixels[buckets == top].sum(axis=0, dtype=np.int64) / counts[top]
    # A channel differs when it is further than the tolerance from the reference: for whole numbers,
    # p > r + t exactly when p > floor(r + t), and p < r - t exactly when p < ceil(r - t).
    off = np.zeros(pixels.shape[0], dtype=bool)
    for c in range(3):
        above = math.floor(ref[c] + _CHANNEL_TOLERANCE)
        below = math.ceil(ref[c] - _CHANNEL_TOLERANCE)
        channel = pixels[:, c]
        if above < 255:
            off |= channel > above
        if below > 0:
            off |= channel < below
    differing = int(np.count_nonzero(off))
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


CONTEXT_LABELS = {
    "webgl": "WebGL",
    "webgl2": "WebGL2",
    "2d": "2D",
    "webgpu": "WebGPU",
    "bitmaprenderer": "bitmap",
    "offscreen": "worker-drawn",
}


def describe_drawing(details: dict[str, Any], frames: int, sample_s: float) -> str:
    """What was on the page, in a few words ("a WebGL canvas 1280×800, 58 animation frames in 3 s")."""
    canvas = details.get("main_canvas")
    shapes = details.get("svg_shapes", 0)
    canvases = details.get("canvases", 0)
    if canvas:
        label = CONTEXT_LABELS.get(canvas.get("context") or "", "blank-context")
        what = f"a {label} canvas {canvas['w']}×{canvas['h']}"
    elif shapes and not canvases and details.get("text_chars", 0) < 200:
        what = f"an SVG with {shapes} visible shapes"
    else:
        bits = [f"{details.get('elements', 0)} elements"]
        if canvases:
            kinds = sorted(CONTEXT_LABELS.get(k, k) for k in details.get("contexts", {}))
            noun = "canvas" if canvases == 1 else "canvases"
            bits.append(f"{canvases} {noun}" + (f" ({', '.join(kinds)})" if kinds else ""))
        if shapes:
            bits.append(f"SVG shapes: {shapes}")
        bits.append(f"{details.get('text_chars', 0)} characters of text")
        what = f"the page ({', '.join(bits)})"
    if frames:
        what += f", {frames} animation frames in {sample_s:g} s"
    return what


@dataclass(frozen=True)
class Observation:
    """What one look at a page established, the input of `decide`."""

    loaded: bool
    drawn: bool
    js_errors: int = 0
    errors: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()  # requests refused (not mirrored), excluding missing files and navigations
    limit_hit: str | None = None
    crashed: bool = False
    popups: int = 0
    drawing: str = "the page"
    blank_reason: str = "nothing visible"
    limit_note: str = ""
    program_never_ran: bool = False  # every script of the page's own failed to start (syntax, missing file)
    missing_files: tuple[str, ...] = ()
    navigations: tuple[str, ...] = ()
    webrtc_attempts: int = 0
    input_note: str = ""  # "it came alive only after input (...)"
    notes: tuple[str, ...] = ()  # substitutions, a second look alone, ...


def decide(obs: Observation) -> tuple[str, str]:
    """The verdict and one sentence of evidence from what the check observed.

    - crashed: the renderer died or stopped responding with nothing drawn, the page never loaded, it
      threw errors and drew nothing, or none of its own scripts ever ran (a SyntaxError in the only
      script, a script file that does not exist): nothing the user asked for works.
    - renders with errors: something was drawn, but there were JS errors, a limit was hit, or files
      the page loads from beside itself do not exist.
    - renders: something was drawn, no JS errors, no limit hit, nothing missing.
    - blank: loaded, no errors, nothing drawn through load, watching and input.
    """
    first_error = f"first: {_quote(obs.errors[0])}" if obs.errors else ""
    blocked_note = ""
    if obs.blocked:
        blocked_note = (
            f"{_plural(len(obs.blocked), 'request')} blocked (offline: only mirrored CDN libraries load), "
            f"e.g. {obs.blocked[0]}"
        )
    missing_note = ""
    if obs.missing_files:
        missing_note = "missing local files (not beside the page): " + ", ".join(obs.missing_files[:5])
    popup_note = f"{_plural(obs.popups, 'popup')} refused" if obs.popups and obs.limit_hit != "popups" else ""
    nav_note = ""
    if obs.navigations:
        nav_note = f"it tried to navigate away ({_quote(obs.navigations[0], 80)}), refused"
    rtc_note = f"{_plural(obs.webrtc_attempts, 'WebRTC connection attempt')} refused" if obs.webrtc_attempts else ""
    extras = (blocked_note, popup_note, nav_note, rtc_note, obs.input_note, *obs.notes)

    def sentence(*bits: str) -> str:
        text = "; ".join(b for b in bits if b)
        return text[0].upper() + text[1:] + "."

    error_note = f"{_plural(obs.js_errors, 'JS error')}, {first_error}" if obs.js_errors else ""
    if obs.crashed or (obs.limit_hit in ("time", "memory") and not obs.drawn):
        return CRASHED, sentence(obs.limit_note or "the page's renderer crashed", error_note, missing_note, *extras)
    if not obs.loaded and not obs.drawn:
        return CRASHED, sentence("the page never finished loading", error_note, missing_note, *extras)
    if obs.program_never_ran and (obs.js_errors or obs.missing_files):
        return CRASHED, sentence(
            "the page's own script never ran, so nothing it was written to do works", error_note, missing_note, *extras
        )
    if not obs.drawn:
        if obs.js_errors:
            return CRASHED, sentence(f"nothing was drawn and {error_note}", missing_note, *extras)
        return BLANK, sentence(
            f"loaded without errors but nothing was drawn: {obs.blank_reason}", missing_note, *extras
        )
    if obs.js_errors or obs.limit_hit or obs.missing_files:
        return RENDERS_WITH_ERRORS, sentence(f"drew {obs.drawing}", error_note, obs.limit_note, missing_note, *extras)
    return RENDERS, sentence(f"drew {obs.drawing} with no errors", *extras)


def changed(before: bytes | None, after: bytes | None, box: tuple[int, int, int, int] | None = None) -> bool:
    """Whether two screenshots (or the box x, y, w, h in both) differ by more than noise."""
    if before is None or after is None:
        return False
    if before == after:
        return False  # the same pixels encode to the same PNG: nothing to compare
    a, b = _rgb(before), _rgb(after)
    if a.shape != b.shape:
        return True
    if box is not None:
        x, y, w, h = box
        a = a[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)]
        b = b[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)]
    differing = int(np.count_nonzero(((np.maximum(a, b) - np.minimum(a, b)) > _CHANNEL_TOLERANCE).any(axis=-1)))
    return differing >= max(40, (a.shape[0] * a.shape[1]) // 20000 if a.ndim == 3 else 40)
