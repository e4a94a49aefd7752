"""What a fake request does: parsed from the model name (`fake?chunks=20&fault=cut:3`) or set in Python."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qsl

from tests.fakes.echoes import ECHO_FORMS
from tests.fakes.judge import JUDGE_MODES
from tests.fakes.rounds import BLANK_PAGE, THROWS_PAGE, parse_rounds, round_kind

# The default answer: a complete page that draws on a canvas, so render checks and browser tests see pixels.
CANVAS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fake canvas</title>
<style>
  html, body { margin: 0; height: 100%; background: #101820; }
  canvas { display: block; width: 100%; height: 100%; }
</style>
</head>
<body>
<canvas id="scene" width="640" height="400"></canvas>
<script>
  const canvas = document.getElementById("scene");
  const ctx = canvas.getContext("2d");
  function draw(t) {
    ctx.fillStyle = "#1e90ff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#ffcc00";
    ctx.beginPath();
    ctx.arc(320 + 120 * Math.cos(t / 700), 200 + 80 * Math.sin(t / 700), 60, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#ff3366";
    ctx.fillRect(40, 300, 200, 60);
    requestAnimationFrame(draw);
  }
  requestAnimationFrame(draw);
</script>
</body>
</html>
"""

SVG_IMAGE = """<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200">
  <rect width="320" height="200" fill="#1e90ff"/>
  <circle cx="160" cy="100" r="60" fill="#ffcc00"/>
  <text x="20" y="185" font-size="18" fill="#ffffff">fake svg</text>
</svg>
"""

THINKING_TEXT = (
    "Planning the page: a full-window canvas, a blue background, a moving yellow circle "
    "and a red bar. I will use requestAnimationFrame for the animation loop. "
)

FAULT_STATUSES = (400, 401, 403, 404, 408, 429, 500, 502, 503, 504, 529)
STREAM_FAULTS = ("cut", "end", "error", "stall", "leak")
PRESET_TEXTS = ("page", "svg", "tiny", "long", "throws", "blank")
CACHE_MODES = ("prefix",)


class BehaviourError(ValueError):
    """The model name asks for something the fake does not understand."""


@dataclass(frozen=True)
class FakeBehaviour:
    """How the fake answers one request; every field can be set from the model name."""

    text: str | None = None  # None: the text preset below
    text_preset: str = "page"  # page | svg | tiny | long | throws | blank
    lines: int = 400  # for the `long` preset: about this many lines of code
    fence: bool = True  # wrap the code in a ```html fence with one sentence before it, as models do
    chunks: int = 20
    interval_ms: float = 0.0
    first_delay_ms: float = 0.0
    thinking: int = 0  # number of visible thinking chunks streamed before the answer
    thinking_tokens: int | None = None  # reported thinking tokens (default: estimated from thinking text)
    input_tokens: int | None = None
    output_tokens: int | None = None  # reported visible output tokens (default: len(text) / 4)
    cached_tokens: int = 0
    cache_write_tokens: int = 0  # Anthropic only: cache_creation_input_tokens
    finish: str = "stop"  # stop | length | safety | refusal, or a raw provider value
    fault: str | None = None  # 429[:N] / 400 / 401 / 404 / 500 / 503 / 529 / cut:K / end:K / error:K / stall:K
    retry_after: float | None = None  # seconds, sent as Retry-After with status faults
    stall_s: float = 3600.0
    ping_ms: float = 0.0  # during a stall, send keep-alives this often (Anthropic ping, OpenAI SSE comment)
    anthropic_details: bool = True  # send usage.output_tokens_details.thinking_tokens
    judge: str | None = None  # json | malformed | malformed_once | refusal | biased: answer as a judge (judge.py)
    echo: str | None = None  # all | a form of echoes.key_echoes: put the request's key, so spelled, in the answer
    echoed: str = ""  # the echo sentence itself, filled in by the server from the request's key
    rounds: str | None = None  # e.g. "throws,blank,good": what each round of a conversation answers (rounds.py)
    cache: str | None = None  # prefix: report the conversation's earlier turns as cached input (conversation.py)
    batch: str | None = None  # batch: `expire` (one request), `fail_job` (its job), `fail_followup` (a later round's)
    batch_polls: int = 1  # a batch job holding this request reports itself running for this many polls

    def answer_text(self) -> str:
        """The whole answer this behaviour streams (before any fault cuts it)."""
        if self.text is not None:
            return self.text if not self.echoed else f"{self.echoed}\n{self.text}\n{self.echoed}"
        if self.text_preset == "tiny":
            code, lang = "<!DOCTYPE html><html><body><p>Hello from the fake.</p></body></html>\n", "html"
        elif self.text_preset == "svg":
            code, lang = SVG_IMAGE, "svg"
        elif self.text_preset == "long":
            code, lang = long_page(self.lines), "html"
        elif self.text_preset == "throws":
            code, lang = THROWS_PAGE, "html"
        elif self.text_preset == "blank":
            code, lang = BLANK_PAGE, "html"
        else:
            code, lang = CANVAS_PAGE, "html"
        if self.echoed:  # in the prose and in the code: the stored response and artifact would both hold it
            comment = f"<!-- {self.echoed} -->"
            code = f"{comment}\n{code}" if lang == "html" else code.replace("</svg>", f"{comment}</svg>")
        if not self.fence:
            return code
        prose = "Here is the complete program in one file." + (f" {self.echoed}" if self.echoed else "")
        return f"{prose}\n\n```{lang}\n{code}```\n"

    def for_round(self, round_number: int) -> FakeBehaviour:
        """This behaviour as round `round_number` of a conversation answers (unchanged without `rounds`)."""
        if self.rounds is None:
            return self
        kind = round_kind(self.rounds, round_number)
        if kind in ("throws", "blank"):
            return replace(self, text=None, text_preset=kind)
        if kind == "cut":
            # Stopped by the output limit halfway through the page: no closing tags, no closing fence.
            answer = self.answer_text()
            return replace(self, text=answer[: len(answer) // 2], finish="length")
        if kind == "fail":
            return replace(self, fault=f"error:{max(1, (self.thinking + self.chunks) // 2)}")
        return self

    def thinking_text(self) -> str:
        """All visible thinking text (empty without `thinking=N`)."""
        return "".join(self.thinking_chunks())

    def text_chunks(self) -> list[str]:
        """The answer split into `chunks` pieces of about equal size."""
        return split_chunks(self.answer_text(), self.chunks)

    def thinking_chunks(self) -> list[str]:
        """The thinking text, one chunk per `thinking` unit."""
        chunks = [THINKING_TEXT] * self.thinking
        if chunks and self.echoed:
            chunks[-1] += f" {self.echoed} "
        return chunks

    def reported_output_tokens(self) -> int:
        """Visible output tokens the fake reports."""
        if self.output_tokens is not None:
            return self.output_tokens
        return max(1, math.ceil(len(self.answer_text()) / 4))

    def reported_thinking_tokens(self) -> int:
        """Thinking tokens the fake reports."""
        if self.thinking_tokens is not None:
            return self.thinking_tokens
        return math.ceil(len(self.thinking_text()) / 4)

    def status_fault(self) -> tuple[int, int | None] | None:
        """(HTTP status, first-N count or None for always) if the fault is an HTTP error."""
        if not self.fault:
            return None
        head, _, arg = self.fault.partition(":")
        if head.isdigit():
            return int(head), int(arg) if arg else None
        return None

    def stream_fault(self) -> tuple[str, int] | None:
        """(kind, after K content chunks) if the fault happens inside the stream."""
        if not self.fault:
            return None
        head, _, arg = self.fault.partition(":")
        if head in STREAM_FAULTS:
            return head, int(arg or 0)
        return None


def split_chunks(text: str, count: int) -> list[str]:
    """Split text into `count` contiguous pieces of about equal size (fewer if the text is short)."""
    count = max(1, min(count, len(text) or 1))
    size = math.ceil(len(text) / count) if text else 0
    if not text:
        return [""]
    return [text[i : i + size] for i in range(0, len(text), size)]


def long_page(lines: int) -> str:
    """A canvas page padded with drawing calls to about `lines` lines."""
    head, tail = CANVAS_PAGE.split("    requestAnimationFrame(draw);\n  }")
    extra = max(0, lines - CANVAS_PAGE.count("\n"))
    body = "".join(
        f"    ctx.fillRect({(i * 7) % 600}, {(i * 13) % 380}, 4, 4); // dot {i}\n" for i in range(extra)
    )
    return head + body + "    requestAnimationFrame(draw);\n  }" + tail


_BOOL = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _convert(name: str, raw: str) -> object:
    if name in ("chunks", "thinking", "lines", "cached_tokens", "cache_write_tokens", "batch_polls"):
        return int(raw)
    if name in ("thinking_tokens", "input_tokens", "output_tokens"):
        return int(raw)
    if name in ("interval_ms", "first_delay_ms", "retry_after", "stall_s", "ping_ms"):
        return float(raw)
    if name in ("fence", "anthropic_details"):
        if raw.lower() not in _BOOL:
            raise BehaviourError(f"{name} must be 0 or 1, not {raw!r}")
        return _BOOL[raw.lower()]
    return raw


def validate_fault(fault: str | None) -> None:
    """Raise BehaviourError unless the fault follows the grammar."""
    if fault is None:
        return
    head, _, arg = fault.partition(":")
    if head.isdigit():
        if int(head) not in FAULT_STATUSES:
            raise BehaviourError(f"fault status {head} not supported; use one of {FAULT_STATUSES}")
    elif head not in STREAM_FAULTS:
        raise BehaviourError(f"unknown fault {fault!r}; use 429[:N], 500, cut:K, end:K, error:K, stall:K or leak:K")
    if arg and not arg.isdigit():
        raise BehaviourError(f"fault {fault!r}: the part after ':' must be a number")


def parse_model_name(model: str, presets: dict[str, FakeBehaviour] | None = None) -> FakeBehaviour:
    """Behaviour for a model name `base;key=value;...` (or `base?key=value&...`); `base` picks a preset.

    Gemini's SDK refuses '?' and '&' in model names, so ';' is the spelling that works for every provider.
    """
    base, query = re.split(r"[?;]", model, maxsplit=1) if re.search(r"[?;]", model) else (model, "")
    behaviour = (presets or {}).get(base, FakeBehaviour())
    names = {f.name for f in fields(FakeBehaviour)}
    changes: dict[str, object] = {}
    for key, value in parse_qsl(query.replace(";", "&"), keep_blank_values=True):
        if key == "text" and value in PRESET_TEXTS:
            changes["text_preset"] = value
            changes["text"] = None
            continue
        if key not in names:
            raise BehaviourError(f"unknown fake setting {key!r} in model name {model!r}")
        try:
            changes[key] = _convert(key, value)
        except ValueError as exc:
            raise BehaviourError(f"bad value for {key!r} in model name {model!r}: {exc}") from exc
    result = replace(behaviour, **changes)  # type: ignore[arg-type]
    validate_fault(result.fault)
    if result.echo is not None and result.echo not in ECHO_FORMS:
        raise BehaviourError(f"unknown echo form {result.echo!r}; use one of {', '.join(ECHO_FORMS)}")
    if result.rounds is not None:
        try:
            parse_rounds(result.rounds)
        except ValueError as exc:
            raise BehaviourError(str(exc)) from None
    if result.cache is not None and result.cache not in CACHE_MODES:
        raise BehaviourError(f"unknown cache mode {result.cache!r}; use one of {', '.join(CACHE_MODES)}")
    if result.judge is not None and result.judge not in JUDGE_MODES:
        raise BehaviourError(f"unknown judge mode {result.judge!r}; use one of {', '.join(JUDGE_MODES)}")
    return result
