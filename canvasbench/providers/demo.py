"""The demo's stand-in provider: streams showcase pages written for the demo, at three different paces.

It exists for `python3 dev.py dashboard --demo` only: the registry refuses a `demo:` model, and the store
refuses to record one, unless the demo is on (`CANVASBENCH_DEMO=1`) and the database is the demo database.
Nothing here touches the network.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from canvasbench.errors import UsageError
from canvasbench.paths import DATA_DIR, db_path, demo_db_path
from canvasbench.providers.base import (
    Finish,
    GenerationRequest,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    Usage,
    UsageReport,
)

PROVIDER = "demo"
DEMO_ENV = "CANVASBENCH_DEMO"
PAGES_DIR = DATA_DIR / "demo"

SHOWCASE_TITLE = "Showcase: a living page (stand-in demo)"
SHOWCASE_PROMPT = (
    "Write one self-contained HTML page that shows off what a browser can do on its own: something that moves "
    "and answers the mouse and keyboard (a simulation, an instrument, a model of the sky). No external "
    "libraries, no network. Answer with the whole page in one ```html block."
)


@dataclass(frozen=True)
class Pace:
    """How one stand-in streams: its page, its wait before text, its thinking, and its chunks."""

    page: str  # a file in canvasbench/data/demo/
    first_token_s: float  # the wait before the first event (a real model's time to first token)
    thinking_chunks: int  # reasoning chunks streamed before the answer (0: no thinking phase)
    chunk_chars: int  # mean characters per answer chunk
    chunk_interval_s: float  # mean wait between chunks
    intro: str  # the sentence a model writes before its code block


# Three paces a person can tell apart at a glance: about 240, 100 and 60 tokens per second (fewer on a busy
# machine); chunks of a few tokens, as real streams send, but not so small that waking up costs more than the wait.
PACES: dict[str, Pace] = {
    "stand-in-swift": Pace(
        "particles.html", 0.4, 0, 96, 0.1, "Here is a particle-life simulation: five species, one rule table."
    ),
    "stand-in-steady": Pace(
        "signal_studio.html", 1.2, 0, 48, 0.12, "Here is a signal studio: an SVG control panel with live knobs."
    ),
    "stand-in-deliberate": Pace(
        "orrery.html", 0.8, 24, 40, 0.16, "Here is an orrery of the inner solar system and the two giants."
    ),
}
MODEL_IDS: tuple[str, ...] = tuple(f"{PROVIDER}:{name}" for name in PACES)

_THOUGHTS = (
    "The page must run alone, so no libraries: a canvas and requestAnimationFrame will do. ",
    "Real periods and a square-root distance scale keep Mercury and Saturn on one screen. ",
    "It should answer input: drag to tilt, wheel to zoom, arrows for speed, Space to pause. ",
    "Planets behind the Sun are drawn before it, those in front after it. ",
)


def demo_on() -> bool:
    """Whether the demo was started (`CANVASBENCH_DEMO=1`, which `dev.py dashboard --demo` sets)."""
    return os.environ.get(DEMO_ENV, "").strip() == "1"


def _same(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


def is_demo_database(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is the demo database of a demo that is on (the only place stand-ins may run)."""
    return demo_on() and _same(Path(path), demo_db_path())


def is_stand_in(model_id: str) -> bool:
    """Whether a model id names one of the demo's stand-ins."""
    return model_id.strip().partition(":")[0].strip() == PROVIDER


def refusal(model_id: str) -> str:
    """Why a stand-in cannot run here, and where it can."""
    return (
        f"{model_id} is a stand-in of the demo: it runs only in the demo database ({demo_db_path()}), started with "
        "'python3 dev.py dashboard --demo'. Choose a real model (e.g. gemini:gemini-3-flash-preview) here."
    )


def ensure_demo_database(path: str | os.PathLike[str], model_ids: list[str]) -> None:
    """Refuse (UsageError) to record a stand-in run anywhere but the demo database."""
    stand_ins = [m for m in model_ids if is_stand_in(m)]
    if stand_ins and not is_demo_database(path):
        raise UsageError(refusal(stand_ins[0]))


def ensure_demo_active(model_id: str) -> None:
    """Refuse (UsageError) a stand-in unless the demo is on and the database in use is the demo database."""
    if not (demo_on() and _same(db_path(), demo_db_path())):
        raise UsageError(refusal(model_id))


def page_text(model: str) -> str:
    """The showcase page a stand-in writes (UsageError for a name that is not one)."""
    pace = PACES.get(model)
    if pace is None:
        raise UsageError(f"Unknown stand-in '{PROVIDER}:{model}'. The demo's stand-ins: {', '.join(MODEL_IDS)}.")
    return (PAGES_DIR / pace.page).read_text(encoding="utf-8")


def answer_text(model: str) -> str:
    """The whole answer a stand-in streams: a sentence, then its page in an html block."""
    return f"{PACES[model].intro}\n\n```html\n{page_text(model)}```\n" if model in PACES else page_text(model)


def chunks(text: str, pace: Pace, seed: str) -> list[str]:
    """`text` cut into chunks of varying size around the pace's mean (the same cut every time)."""
    rng = random.Random(seed)
    out, at = [], 0
    while at < len(text):
        size = max(1, round(pace.chunk_chars * rng.uniform(0.5, 1.5)))
        out.append(text[at : at + size])
        at += size
    return out


# Waits `seconds` on behalf of a stand-in model: the clock, injectable so tests need no wall time.
Pacer = Callable[[str, float], Awaitable[object]]


async def real_time(_model: str, seconds: float) -> None:
    """The demo's clock: really wait."""
    await asyncio.sleep(seconds)


class DemoProvider:
    """A stand-in provider: streams its model's showcase page at its model's pace."""

    name = PROVIDER

    def __init__(self, pacer: Pacer = real_time) -> None:
        self._pacer = pacer

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        """Wait, think (the deliberate one), then stream the page in chunks at the model's pace."""
        text = answer_text(request.model)
        pace = PACES[request.model]
        rng = random.Random(f"{request.model}/waits")
        model = request.model
        await self._pacer(model, pace.first_token_s)
        thought = ""
        for i in range(pace.thinking_chunks):
            piece = _THOUGHTS[i % len(_THOUGHTS)] if i % 6 == 0 else "… "
            thought += piece
            yield ThinkingDelta(piece)
            await self._pacer(model, 0.15 * rng.uniform(0.6, 1.4))
        for piece in chunks(text, pace, request.model):
            yield TextDelta(piece)
            await self._pacer(model, pace.chunk_interval_s * rng.uniform(0.6, 1.4))
        # About four characters a token, as for real code; a stand-in's cost stays unknown (it has no price).
        usage = Usage(input_tokens=len(request.prompt) // 4 + 1, output_tokens=len(text) // 4 + 1,
                      thinking_tokens=len(thought) // 4 if thought else None)  # fmt: skip
        yield UsageReport(usage)
        yield Finish("stop", "stop")
