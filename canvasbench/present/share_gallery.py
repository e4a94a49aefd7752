"""A static site of comparisons: an index with thumbnails, the leaderboard and one share page per comparison.

Every link is relative and every file is written beside the index, so the folder works from `file://` and on
any static host as it is (no server, no absolute path, nothing from this machine in it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from canvasbench.contestants import contestant
from canvasbench.errors import UsageError
from canvasbench.present import formatting
from canvasbench.present import share_page as P
from canvasbench.present.share import Scrubber, comparison_html, thumbnail
from canvasbench.sandbox.mirror import Mirror, load_mirror
from canvasbench.store import RunStore, reads
from canvasbench.store.reads import ArenaFilter, GalleryFilter

PAGE_SIZE = 200  # comparisons read from the gallery at a time


@dataclass(frozen=True)
class Site:
    """What was written: the folder, its pages and its total size in bytes."""

    folder: Path
    comparisons: int
    size: int


def _leaderboard(store: RunStore, category: str | None, since: str | None, scrub: Scrubber) -> str:
    # Imported here: the fit needs numpy.
    from canvasbench.arena.leaderboard import leaderboard

    parts = []
    for by, what in (("human", "arena votes"), ("judge", "the AI judge's verdicts")):
        board = leaderboard(store, by=by, scope=ArenaFilter(category, since))  # type: ignore[arg-type]
        if not board.rows:
            parts.append(f"<h2>By {what}</h2><p class='muted'>No {what} yet.</p>")
            continue
        rows = [
            [str(r["rank"]), scrub.text(r["model"]), f"{r['rating']:.0f}", f"{r['ci_low']:.0f}–{r['ci_high']:.0f}",
             str(r["votes"]), formatting.cost(r["median_cost_usd"]), formatting.duration(r["median_latency_s"]),
             formatting.share(r["render_share"]), str(r["runs"])]
            for r in board.rows
        ]
        head = ["#", "model", "rating", "95% CI", "outcomes", "median cost", "median latency", "renders", "runs"]
        parts.append(f"<h2>By {what}</h2>" + P.table(head, rows))
    return "".join(parts)


def _comparison_ids(store: RunStore, category: str | None, since: str | None) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    offset = 0
    while True:
        chunk = reads.gallery_page(store, GalleryFilter(category=category), limit=PAGE_SIZE, offset=offset)
        found.extend(c for c in chunk.cards if not since or str(c.get("created_at") or "")[:10] >= since)
        offset += PAGE_SIZE
        if offset >= chunk.total or not chunk.cards:
            return found


def write_gallery(
    store: RunStore,
    folder: Path,
    *,
    category: str | None = None,
    since: str | None = None,
    libs: bool = True,
    mirror: Mirror | None = None,
) -> Site:
    """Write the site into `folder` (created; files of the same names are replaced)."""
    comparisons = _comparison_ids(store, category, since)
    if not comparisons:
        where = f" in category {category!r}" if category else ""
        raise UsageError(f"No comparisons{where}{' since ' + since if since else ''}: nothing to share.")
    scrub = Scrubber(Path(store.path))
    mirror = mirror or load_mirror() if libs else mirror
    (folder / "c").mkdir(parents=True, exist_ok=True)
    (folder / "thumbs").mkdir(exist_ok=True)
    total = 0
    tiles = []
    for row in comparisons:
        cid = str(row["id"])
        share = comparison_html(store, cid, libs=libs, mirror=mirror, back_link="../index.html")
        (folder / "c" / f"{cid}.html").write_text(share.html, encoding="utf-8")
        total += share.size
        runs = reads.run_metrics(store, cid)
        thumb = next((png for run in runs if (png := reads.screenshot_of(store, run["id"]))), None)
        image = ""
        if thumb:
            small = thumbnail(thumb, (480, 300))
            (folder / "thumbs" / f"{cid}.jpg").write_bytes(small)
            total += len(small)
            image = f'<img src="thumbs/{P.esc(cid)}.jpg" alt="">'
        models = ", ".join(dict.fromkeys(scrub.text(contestant(r)) for r in runs))  # a recipe by its name, once
        tiles.append(
            f'<a class="tile" href="c/{P.esc(cid)}.html">{image}<h3>{P.esc(scrub.text(row.get("title") or cid))}</h3>'
            f'<div class="muted">{P.esc(scrub.text(row.get("category") or "uncategorised"))} · '
            f"{P.esc(formatting.when(str(row.get('created_at') or '') or None))}</div>"
            f'<div class="muted">{P.esc(models)}</div></a>'
        )
    nav = '<p><a href="index.html">Comparisons</a> · <a href="leaderboard.html">Leaderboard</a></p>'
    scope = (f" · category {scrub.text(category)}" if category else "") + (f" · since {since}" if since else "")
    index = (f"<header>{nav}<h1>CanvasBench comparisons</h1><p class='muted'>{len(comparisons)} comparisons"
             f"{P.esc(scope)}</p></header><main><div class='tiles'>{''.join(tiles)}</div></main>")
    board = (f"<header>{nav}<h1>Leaderboard</h1><p class='muted'>Bradley–Terry ratings{P.esc(scope)}</p></header>"
             f"<main>{_leaderboard(store, category, since, scrub)}</main>")
    for name, title, body in (("index.html", "CanvasBench comparisons", index),
                              ("leaderboard.html", "CanvasBench leaderboard", board)):
        text = P.document(title, body, web=False, script=False)
        (folder / name).write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return Site(folder, len(comparisons), total)
