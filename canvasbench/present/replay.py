"""Race replay: a comparison's runs played back from their timelines, as data and as one self-contained player page.

Each run's stored timeline is [[seconds since it left the queue, chars, lines], ...] of its final response:
the text that had arrived at a sample is the prefix of that length. Between two samples the replay moves
linearly, so what it shows at time t lies between what had arrived at the samples either side of t
(`shown_chars`); the player (data/replay_player.js) computes the same thing in the browser.

The player page is ours; model output travels in it only as JSON text and enters its DOM only as text nodes.
A finished lane's preview is the usual sandboxed preview document (`sandbox_document`) inside a frame with
`sandbox="allow-scripts"`, and the whole player runs inside one more such frame (`replay_frame`), so nothing
in it has the embedding page's origin. A share file embeds the player with `replay_frame(runs)`.
"""

from __future__ import annotations

import html
import itertools
import json
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from canvasbench.measure.lines import count_lines
from canvasbench.paths import DATA_DIR
from canvasbench.present.code_page import _json
from canvasbench.redact import redact
from canvasbench.sandbox.document import (
    OFFLINE,
    OUTER_CSP,
    SANDBOX,
    PreviewNetwork,
    requested_viewport,
    sandbox_document,
)
from canvasbench.status import run_state

# A replay never moves by more than this share of a run's text between two stored samples.
MAX_STEP = 0.01
PLAYER_HEIGHT = 900  # one row of lanes (up to 4 side by side) with the race chart under it
ROW_HEIGHT = 500  # each further row of lanes


def player_height(lanes: int) -> int:
    """The height the player needs for this many lanes (4 to a row), without a scrollbar of its own."""
    return PLAYER_HEIGHT + ROW_HEIGHT * max(0, (max(lanes, 1) - 1) // 4)

Point = tuple[float, int]


@dataclass(frozen=True)
class Lane:
    """One contestant as the replay plays it: its text, when each prefix of it had arrived, and its preview."""

    name: str
    text: str
    points: list[Point]  # (seconds, chars), chars never falling, ending at len(text)
    ttft: float | None
    end: float
    output_tokens: int | None
    status: str
    coarse_step: float  # the largest step between two samples, as a share of the text (0..1)
    kind: str
    artifact: str

    @property
    def coarse(self) -> bool:
        """Whether this run's timeline is sparser than the replay bound (an old run): marked as such."""
        return self.coarse_step > MAX_STEP + 1e-9


def _parse(timeline: str | list[Any] | None) -> list[Point]:
    samples: Any = timeline
    if isinstance(samples, str):
        try:
            samples = json.loads(samples)
        except ValueError:
            samples = None
    if not isinstance(samples, list):
        return []
    points: list[Point] = []
    for sample in samples:
        if isinstance(sample, list | tuple) and len(sample) >= 2:
            try:
                points.append((max(float(sample[0]), 0.0), max(int(sample[1]), 0)))
            except (TypeError, ValueError):
                continue
    points.sort(key=lambda p: p[0])
    return points


def lane_points(timeline: str | list[Any] | None, total: int, ttft: float | None, end: float | None) -> list[Point]:
    """Replayable (seconds, chars) points: rising, from 0 chars at the first token to the whole text at the end.

    Points before a retry (its text restarted from nothing) belong to text that was thrown away: the replay
    starts with the attempt that produced the answer.
    """
    points = _parse(timeline)
    for i in range(len(points) - 1, 0, -1):
        if points[i][1] < points[i - 1][1]:
            points = points[i:]
            break
    points = [(t, min(c, total)) for t, c in points]
    start = float(ttft) if ttft is not None else (points[0][0] if points else 0.0)
    first_text = next((t for t, c in points if c > 0), None)
    if first_text is not None:
        start = min(start, first_text)
    # Rounded as stored, so the player (which gets these in JSON) computes exactly what Python does.
    points = [(round(start, 3), 0), *((t, c) for t, c in points if c > 0)]
    finish = round(max(float(end or 0.0), points[-1][0]), 3)
    if points[-1][1] < total:
        points.append((finish, total))
    return points


def largest_step(points: list[Point], total: int) -> float:
    """The largest step between two consecutive points as a share of the text (0 for an empty text)."""
    if total <= 0 or len(points) < 2:
        return 0.0
    return max(b[1] - a[1] for a, b in itertools.pairwise(points)) / total


def shown_chars(points: list[Point], t: float) -> int:
    """How much of the text the replay shows at t: linear between the samples either side of t."""
    if not points or t < points[0][0]:
        return 0
    i = bisect_right([p[0] for p in points], t) - 1
    if i >= len(points) - 1:
        return points[-1][1]
    (t0, c0), (t1, c1) = points[i], points[i + 1]
    if t1 <= t0:
        return c1
    return int(c0 + (c1 - c0) * (t - t0) / (t1 - t0))


def shown_text(lane: Lane, t: float) -> str:
    """The text the replay shows at t: the prefix of the final response that had arrived."""
    return lane.text[: shown_chars(lane.points, t)]


def shown_lines(lane: Lane, t: float) -> int:
    """The running line count the replay shows at t."""
    return count_lines(shown_text(lane, t))


def lane_of(run: dict[str, Any]) -> Lane:
    """A run row (with response, timeline, ttft_s, latency_s, output_tokens, artifact) as a replay lane."""
    text = redact(run.get("response") or "")
    points = lane_points(run.get("timeline"), len(text), run.get("ttft_s"), run.get("latency_s"))
    tokens = run.get("output_tokens")
    return Lane(
        name=str(run.get("recipe") or run.get("model_id") or "?"),  # the contestant: a recipe by its name
        text=text,
        points=points,
        ttft=run.get("ttft_s"),
        end=points[-1][0],
        output_tokens=int(tokens) if isinstance(tokens, int | float) and tokens > 0 else None,
        status=str(run.get("status") or ""),
        coarse_step=largest_step(points, len(text)),
        kind=str(run.get("artifact_kind") or "none"),
        artifact=run.get("artifact") or "",
    )


def contestants(runs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The runs grouped into lanes: a first answer, then each repair round of it in order (its chain of
    `parent_run_id`), so repeats of one model stay apart whichever of them needed repairs."""
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        if run.get("parent_run_id"):
            by_parent.setdefault(str(run["parent_run_id"]), []).append(run)
    lanes = []
    for run in runs:
        if run.get("parent_run_id") and any(r.get("id") == run["parent_run_id"] for r in runs):
            continue  # a round: it plays in its first answer's lane
        lane = [run]
        while by_parent.get(str(lane[-1].get("id"))):
            lane.append(by_parent[str(lane[-1].get("id"))][0])
        lanes.append(lane)
    return lanes


PreviewOf = Callable[[dict[str, Any]], "str | None"]


def _segment(lane: Lane, run: dict[str, Any], offset: float) -> dict[str, Any]:
    return {
        "round": run.get("round"),
        "text": lane.text,
        "points": [[round(t + offset, 3), c] for t, c in lane.points],
        "ttft": None if lane.ttft is None else round(lane.ttft + offset, 3),
        "end": round(lane.end + offset, 3),
        "tokens": lane.output_tokens,
        "coarse": round(lane.coarse_step * 100, 1) if lane.coarse else None,
    }


def replay_data(
    runs: list[dict[str, Any]], network: PreviewNetwork = OFFLINE, *, preview_of: PreviewOf | None = None
) -> dict[str, Any]:
    """What the player needs, JSON-ready: per lane its segments (one per repair round), figures and preview.

    A lane's rounds play one after another, each starting when the one before ended. `preview_of(run)` may
    give the document a finished lane shows (a share file's, with libraries inlined); by default it is the
    dashboard's sandboxed preview of the run's artifact.
    """
    lanes = []
    for group in contestants(runs):
        segments, offset = [], 0.0
        for run in group:
            lane = lane_of(run)
            segments.append(_segment(lane, run, offset))
            offset += lane.end
        last = group[-1]
        kind, artifact, name = str(last.get("artifact_kind") or "none"), last.get("artifact") or "", lane_of(last).name
        preview, viewport = None, None
        if preview_of is not None:
            preview = preview_of(last)
        elif kind in ("html", "svg") and artifact.strip():
            preview = sandbox_document(artifact, kind, title=f"{name} preview", network=network)
        if preview is not None:
            viewport = requested_viewport(artifact, kind) if kind in ("html", "svg") else None
        lanes.append(
            {
                "name": name,
                "segments": segments,
                "end": segments[-1]["end"],
                # One state word, as every page says it ("cut", "provider error", ...).
                "status": str(run_state(last.get("status"), last.get("finish_reason"), last.get("error"),
                                        last.get("truncated"))),
                "note": last.get("replay_note"),  # said instead of a preview shown elsewhere (a share file)
                "preview": preview,
                "viewport": viewport,
            }
        )
    return {"lanes": lanes, "sandbox": SANDBOX}


# A srcdoc frame inherits its embedder's policy on top of its own, so the player's policy is the preview
# wrapper's (no frames that navigate, no plugins, forms or base): anything stricter would take from every
# preview in it what a preview is allowed (the mirror's libraries, eval, blob: workers). The player itself
# loads nothing, and the answers only ever enter it as text.
_CSP = OUTER_CSP
_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'>"
    '<meta http-equiv="Content-Security-Policy" content="{csp}"><title>race replay</title>'
    "<style>{style}</style></head><body><div id='replay'></div>"
    "<script type='application/json' id='replay-data'>{data}</script><script>{script}</script></body></html>"
)


def _asset(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


def player_page(
    runs: list[dict[str, Any]], network: PreviewNetwork = OFFLINE, *, preview_of: PreviewOf | None = None
) -> str:
    """The player as one HTML document: controls, lanes, race chart; the data inline, nothing fetched."""
    return _PAGE.format(
        csp=html.escape(_CSP, quote=True),
        style=_asset("replay_player.css"),
        data=_json(replay_data(runs, network, preview_of=preview_of)),
        script=_asset("replay_player.js"),
    )


def replay_frame(
    runs: list[dict[str, Any]],
    network: PreviewNetwork = OFFLINE,
    *,
    height: int = PLAYER_HEIGHT,
    preview_of: PreviewOf | None = None,
) -> str:
    """The player inside `<iframe sandbox="allow-scripts ...">`: embed this string anywhere (a page, a share file).

    `runs` are run rows with response, timeline, ttft_s, latency_s, output_tokens, status, artifact and
    artifact_kind (and `round` when runs have repair rounds).
    """
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(OUTER_CSP, quote=True)}">'
        "<style>html,body{margin:0;height:100%;overflow:hidden}iframe{display:block;width:100%;border:0}</style>"
        f"</head><body><iframe sandbox=\"{SANDBOX}\" allow=\"fullscreen\" title=\"race replay\" "
        f'referrerpolicy="no-referrer" style="height:{int(height)}px" '
        f'srcdoc="{html.escape(player_page(runs, network, preview_of=preview_of), quote=True)}"></iframe></body></html>'
    )
