"""One comparison as one self-contained HTML file that opens offline from `file://` and leaks nothing local.

The file holds the prompt, each contestant's metrics card, state and render verdict, its screenshots, its
code in the code viewer, votes and judge scores, and a working preview of each artifact (libraries inlined
from the offline mirror, see `share_libs`). What this machine knows about itself never goes in: no key (every
text is masked by `redact`), no database path, home directory, host or user name (`Scrubber`), no run owner
or worker, no mirror address.
"""

from __future__ import annotations

import base64
import getpass
import io
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from canvasbench.contestants import contestant, is_plan
from canvasbench.errors import UsageError
from canvasbench.present import formatting
from canvasbench.present import share_page as P
from canvasbench.present.code_page import viewer_page
from canvasbench.present.contestant_steps import chains
from canvasbench.present.outcome import describe_run
from canvasbench.present.share_libs import LibraryPack
from canvasbench.redact import redact
from canvasbench.sandbox.document import OFFLINE, SANDBOX, PreviewNetwork, requested_viewport, sandbox_document
from canvasbench.sandbox.mirror import Mirror, load_mirror
from canvasbench.status import Status
from canvasbench.store import RunStore, reads
from canvasbench.store.reads import ArenaFilter

VOTE_WORDS = {"left": "{a} better than {b}", "right": "{b} better than {a}", "tie": "tie", "both_bad": "both bad"}
_TONES = {"renders": "ok", "renders with errors": "warn", "blank": "bad", "crashed": "bad"}


class Scrubber:
    """Replaces what identifies this machine (keys, home, database path, host and user names) in text we write."""

    def __init__(self, db_path: Path | None = None) -> None:
        pairs: list[tuple[str, str]] = []
        if db_path is not None:
            for form in {str(db_path), str(db_path.resolve()), str(db_path.parent.resolve())}:
                pairs.append((form, "[database]"))
        home = str(Path.home())
        if len(home) > 1:
            pairs.append((home, "~"))
        self._paths = sorted(pairs, key=lambda p: -len(p[0]))
        words = [w for w in (socket.gethostname(), socket.getfqdn(), getpass.getuser()) if len(w) >= 2]
        self._words = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                                 + r")(?![\w-])") if words else None

    def __call__(self, text: object) -> str:
        """Our own messages (errors, evidence): keys, paths, and host and user names wherever they stand."""
        out = self.text(text)
        return self._words.sub("[local]", out) if self._words is not None else out

    def text(self, text: object) -> str:
        """What people and models wrote (prompts, titles, reasons): keys and paths only, so a prompt about a
        tree's root keeps its word on a machine whose user is root."""
        out = redact(str(text))
        for path, mark in self._paths:
            out = out.replace(path, mark)
        return out


@dataclass(frozen=True)
class ShareFile:
    """A written share page, with what a user is told about it."""

    html: str
    libraries: int
    missing: tuple[str, ...]

    @property
    def size(self) -> int:
        """Its size in bytes as UTF-8."""
        return len(self.html.encode("utf-8"))


def replay_section(store: RunStore, runs: list[dict[str, Any]], scrub: Scrubber) -> str:
    """The race replay (the dashboard's player) for the share file: code arriving lane by lane, the race chart.

    The player is its own sandboxed frame (the same as in the dashboard), holding the answers as inert JSON
    that enters its page only as text. A finished lane shows the page as its render check saw it: the working
    previews, with their libraries inlined once, are the contestants' below (inlining them again per lane
    would double the file).
    """
    if not any(run.get("response") and run.get("timeline") for run in runs):
        return ""
    from canvasbench.present.replay import contestants, player_height, player_page

    shown = [
        {**run, "response": scrub.text(run.get("response") or ""), "model_id": scrub.text(run.get("model_id") or ""),
         "recipe": scrub.text(run["recipe"]) if run.get("recipe") else None,
         "artifact": None, "artifact_kind": "none",
         "replay_note": "Its page runs in its preview below." if run.get("artifact") else None}
        for run in runs
    ]  # fmt: skip
    def finished_page(run: dict[str, Any]) -> str | None:
        png = reads.screenshot_of(store, run["id"]) if run.get("id") else None
        if not png:
            return None
        return (
            "<!doctype html><html><body style='margin:0;background:#fff'>"
            f"<img src='{shot_url(png, REPLAY_SHOT)}' alt='the page as the render check saw it' "
            "style='display:block;width:100%'></body></html>"
        )

    page = player_page(shown, preview_of=finished_page)
    return (
        "<h2>Race replay</h2><p class='muted'>How the answers streamed, at their real pace or faster. A finished "
        "lane shows its page as the render check saw it; the pages themselves run in the previews below.</p>"
        f'<iframe sandbox="{SANDBOX}" title="race replay" referrerpolicy="no-referrer" '
        f'style="display:block;width:100%;border:0;height:{player_height(len(contestants(shown)))}px" '
        f'srcdoc="{P.esc(page)}"></iframe>'
    )


REPLAY_SHOT = (480, 300)  # a finished lane's picture in the replay: the live page is the preview below
SHOT_SIZE = (640, 400)  # a filmstrip picture: big enough to see what a page drew, small enough for a dozen


def shot_url(png: bytes, size: tuple[int, int] = SHOT_SIZE) -> str:
    """A screenshot as a `data:` URL, shrunk to a JPEG (a 1280×800 PNG of a scene can be a megabyte)."""
    return "data:image/jpeg;base64," + base64.b64encode(thumbnail(png, size)).decode("ascii")


def thumbnail(png: bytes, size: tuple[int, int] = SHOT_SIZE) -> bytes:
    """The picture as a JPEG no larger than `size`; the PNG as it is when it cannot be read."""
    from PIL import Image, UnidentifiedImageError  # only when there are pictures to shrink

    try:
        with Image.open(io.BytesIO(png)) as image:
            image.thumbnail(size)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError):
        return png


def _score(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else formatting.MISSING


def _cells(run: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Lines", formatting.count(run.get("lines"))),
        ("Code lines", formatting.count(run.get("code_lines"))),
        ("TTFT", formatting.duration(run.get("ttft_s"))),
        ("Total", formatting.duration(run.get("latency_s"))),
        ("Tokens/s", formatting.count(run.get("tokens_per_s"))),
        ("In", formatting.count(run.get("input_tokens"))),
        ("Out", formatting.count(run.get("output_tokens"))),
        ("Thinking", formatting.count(run.get("thinking_tokens"))),
        ("Cost", formatting.cost(run.get("cost_usd"))),
        ("Finish", run.get("finish_reason") or formatting.MISSING),
    ]


def _filmstrip(store: RunStore, run_id: str) -> str:
    shots = [(label, png) for label, png in reads.moments_of(store, run_id) if png]
    if not shots:
        single = reads.screenshot_of(store, run_id)
        shots = [("screenshot", single)] if single else []
    figures = "".join(
        f'<figure><img src="{shot_url(png)}" alt="{P.esc(label)}"><figcaption>{P.esc(label)}</figcaption></figure>'
        for label, png in shots
    )
    return f'<div class="strip">{figures}</div>' if figures else ""


def _contestant(store: RunStore, run: dict[str, Any], index: int, scrub: Scrubber, pack: LibraryPack | None,
                network: PreviewNetwork, score: dict[str, Any] | None) -> tuple[str, str]:
    """A contestant's card, and the data block of its preview (empty when it left no page)."""
    state = describe_run(run)
    model = scrub.text(contestant(run))
    step = "planned by" if is_plan(run) else "built by"  # a planner's card: its recipe ended before any build
    built = f" <span class='muted'>{step} {P.esc(scrub.text(run['model_id']))}</span>" if run.get("recipe") else ""
    parts = [f"<h3>{P.esc(model)}{built}</h3>", P.badge(str(state.label), "ok" if state.ok else "warn")]
    check = run.get("check") or {}
    if check.get("verdict"):
        parts.append(" " + P.badge(f"render check: {check['verdict']}", _TONES.get(check["verdict"], "")))
    if score:
        parts.append(" " + P.badge(f"judge: {_score(score.get('overall'))}/10", ""))
    if state.message:
        parts.append(f'<p class="muted">{P.esc(scrub(state.message))}</p>')
    parts.append(P.stats(_cells(run)))
    if check.get("evidence"):
        parts.append(f'<p class="muted">{P.esc(scrub(check["evidence"])[:600])}</p>')
    if score and score.get("reason"):
        judge = scrub.text(score.get("judge_model") or "")
        parts.append(f'<p class="muted">Judge ({P.esc(judge)}): {P.esc(scrub.text(score["reason"])[:1500])}</p>')
    code, kind = run.get("artifact") or "", run.get("artifact_kind") or "none"
    block = ""
    if code and kind in ("html", "svg"):
        shown = pack.inline(code) if pack is not None else code
        doc_id = f"cb-doc-{index}"
        block = P.data_block(doc_id, sandbox_document(shown, kind, title=f"preview of {model}", network=network))
        parts.append(P.preview_frame(doc_id, f"preview of {model}", requested_viewport(redact(shown), kind)))
    parts.append(_filmstrip(store, run["id"]))
    text = code or run.get("response") or ""
    if text:
        lines = text.count("\n") + 1
        label = "Code" if code else "Response"
        parts.append(f"<details open><summary>{label} ({lines:,} lines)</summary>"
                     f"{P.code_frame(viewer_page(text, kind if kind != 'none' else 'text'), f'code of {model}')}"
                     "</details>")
    return f'<section class="card">{"".join(parts)}</section>', block


def _votes(store: RunStore, comparison_id: str, scrub: Scrubber) -> str:
    votes = reads.vote_outcomes(store, ArenaFilter(comparison_id=comparison_id))
    if not votes:
        return ""
    rows = [[scrub.text(v["ml"]), scrub.text(v["mr"]),
             VOTE_WORDS.get(v["outcome"], str(v["outcome"])).format(a=scrub.text(v["ml"]), b=scrub.text(v["mr"]))]
            for v in votes]
    return "<h2>Votes</h2>" + P.table(["A", "B", "outcome"], rows)


def _judgments(store: RunStore, comparison_id: str, models: dict[str, str], scrub: Scrubber) -> str:
    rows = []
    for j in reads.verdict_judgments(store, ArenaFilter(comparison_id=comparison_id)):
        if j["mode"] == "score":
            what = f"{scrub.text(models.get(j['run_id'], '?'))}: {_score(j.get('overall'))}/10"
        else:
            left, right = scrub.text(models.get(j["left_run_id"], "?")), scrub.text(models.get(j["right_run_id"], "?"))
            what = f"{left} vs {right}: winner {j.get('winner') or 'none'}"
        rows.append([scrub.text(j["judge_model"]), j["mode"], what, scrub.text(j.get("reason") or "")[:400]])
    return "<h2>Judge</h2>" + P.table(["judge", "mode", "verdict", "reason"], rows) if rows else ""


def _library_notes(pack: LibraryPack | None, scrub: Scrubber) -> str:
    if pack is None:
        return ('<p class="note">Libraries are left as links to their CDNs (written with <code>--no-libs</code>): '
                "the previews need the network to load them.</p>")
    parts = []
    if pack.libraries:
        rows = [[f"{lib.package}@{lib.version}", lib.file, lib.licence, scrub.text(lib.url)] for lib in pack.libraries]
        parts.append("<h2>Libraries in this file</h2><p class='muted'>Inlined from npm packages; each keeps its "
                     "own licence.</p>" + P.table(["package", "file", "licence", "asked for as"], rows))
    if pack.missing:
        items = "".join(f"<li><code>{P.esc(scrub.text(url))}</code></li>" for url in pack.missing)
        parts.append('<div class="note">Not in the offline mirror, so not in this file (a preview that needs them '
                     f"shows its own error): <ul>{items}</ul></div>")
    return "".join(parts)


def comparison_html(
    store: RunStore,
    comparison_id: str,
    *,
    libs: bool = True,
    mirror: Mirror | None = None,
    back_link: str | None = None,
) -> ShareFile:
    """The share page of one comparison; `libs=False` leaves CDN links as they are (with a note saying so)."""
    detail = reads.comparison_detail(store, comparison_id)
    if detail is None:
        raise UsageError(f"No comparison with id '{comparison_id}': see the gallery or 'canvasbench export'.")
    scrub = Scrubber(Path(store.path))
    pack = LibraryPack(mirror or load_mirror(), secrets.token_hex(6)) if libs else None
    network = OFFLINE if libs else PreviewNetwork(live=True)
    runs: list[dict[str, Any]] = detail["runs"]
    scores = reads.latest_scores(store, [r["id"] for r in runs])
    cards, blocks = [], []
    # A recipe's planner wrote a design, not a page: no card of its own (its steps play in the replay), unless it
    # ended undone with nothing built on it: then it is what its recipe ended with, and the card says why.
    built_on = {r.get("parent_run_id") for r in runs}
    shown = [r for r in runs if not is_plan(r) or (r["id"] not in built_on and r.get("status") != Status.DONE)]
    for index, run in enumerate(shown):
        card, block = _contestant(store, run, index, scrub, pack, network, scores.get(run["id"]))
        cards.append(card)
        blocks.append(block)
    title = scrub.text(detail.get("title") or comparison_id)
    prompt = scrub.text(detail.get("prompt_text") or "")
    head = (f'<p><a href="{P.esc(back_link)}">All comparisons</a></p>' if back_link else "") + (
        f"<h1>{P.esc(title)}</h1><p class='muted'>{P.esc(scrub.text(detail.get('category') or 'uncategorised'))} · "
        f"{P.esc(formatting.when(detail.get('created_at')))} · {len(chains(runs))} contestants · "
        "shared from CanvasBench</p>"
    )
    models = {r["id"]: contestant(r) for r in runs}
    body = (
        f"<header>{head}</header><main><h2>Prompt</h2><pre class='prompt'>{P.esc(prompt)}</pre>"
        f"<section id='replay'>{P.REPLAY_SLOT}{replay_section(store, runs, scrub)}</section>"
        f"<h2>Contestants</h2><div class='grid'>{''.join(cards)}</div>"
        f"{_votes(store, comparison_id, scrub)}{_judgments(store, comparison_id, models, scrub)}"
        f"{_library_notes(pack, scrub)}</main>"
        "<footer class='muted'>Each preview runs in a sandboxed frame (no same-origin, no network): it cannot "
        "read or navigate this page.</footer>"
    )
    libraries = {"pattern": pack.pattern() if pack else "(?!)", "urls": pack.data_urls() if pack else []}
    body += P.data_block("cb-libraries", libraries) + "".join(blocks)
    return ShareFile(P.document(title, body, web=not libs), len(pack.libraries) if pack else 0,
                     tuple(pack.missing) if pack else ())
