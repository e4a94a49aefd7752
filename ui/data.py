"""Process-wide resources (store, runner) and cached reads keyed by the database's data version."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from canvasbench.paths import db_path
from canvasbench.present.highlight import highlighted_page
from canvasbench.store import RunStore, reads, shared_store
from canvasbench.store.per_database import PerDatabase

if TYPE_CHECKING:
    from canvasbench.render import RenderCheckPool


def store() -> RunStore:
    """The database in use (`CANVASBENCH_DB` or the default); raises StoreError when it cannot be opened."""
    return shared_store(db_path())


def render_pool() -> RenderCheckPool:
    """The process-wide render-check pool for the database in use (a check without chromium says why)."""
    from canvasbench.render import shared_pool

    return shared_pool(store().path)


def _checked_runner(path: Path) -> Any:
    from functools import partial

    from canvasbench.judge.round_judge import judge_round
    from canvasbench.render import shared_pool
    from canvasbench.run.runner import shared_runner

    runner = shared_runner(path)
    pool = shared_pool(path)
    # Every finished run gets checked in headless Chromium (cancelled ones too); its screenshot becomes the
    # thumbnail, and a round's check decides whether a repair round follows.
    runner.use_checks(pool, check_cancelled=True)
    # Only comparisons launched with `judge>=K` and a judge model call it: one judgment per round that renders.
    runner.use_judge(partial(judge_round, runner.store))
    return runner


# The process's runner for the database, its render-check hook wired once.
_runners: PerDatabase[Any] = PerDatabase(_checked_runner, usable=lambda runner: not runner._closed)


def runner() -> Any:
    """The process-wide background runner for the database in use (outlives page switches and sessions)."""
    return _runners.get(store().path)


def batch_watch() -> Any:
    """The process-wide poller of the database's batch jobs (its runs checked in the shared pool, judged when asked)."""
    from functools import partial

    from canvasbench.judge.round_judge import judge_round
    from canvasbench.run.batch_watch import shared_watch

    watch = shared_watch(store().path)
    # As the runner: rounds of a batch comparison launched with `judge>=K` are scored before a repair is sent.
    watch.use_judge(partial(judge_round, watch.store))
    return watch


def version() -> str:
    """The data version of the database (changes on every write); cache key for list reads."""
    return reads.data_version(store())


@st.cache_data(show_spinner=False, max_entries=64)
def _gallery(
    path: str, data_version: str, flt: reads.GalleryFilter, limit: int, offset: int, sort: str
) -> reads.GalleryPage:
    ratings = _ratings(path, data_version) if sort == "rating" else None
    return reads.gallery_page(shared_store(path), flt, limit=limit, offset=offset, sort=sort, ratings=ratings)


def gallery_page(flt: reads.GalleryFilter, *, limit: int, offset: int, sort: str = "newest") -> reads.GalleryPage:
    """One page of gallery cards in `sort` order (cached until the database changes)."""
    s = store()
    return _gallery(str(s.path), reads.data_version(s), flt, limit, offset, sort)


@st.cache_data(show_spinner=False, max_entries=8)
def _ratings(path: str, data_version: str) -> dict[str, float]:
    from canvasbench.arena.ratings import model_ratings

    return model_ratings(shared_store(path))


@st.cache_data(show_spinner=False, max_entries=8)
def _gallery_sorts(path: str, data_version: str) -> tuple[str, ...]:
    return reads.gallery_sorts(shared_store(path))


def gallery_sorts() -> tuple[str, ...]:
    """The orders the gallery offers for this database."""
    s = store()
    return _gallery_sorts(str(s.path), reads.data_version(s))


@st.cache_data(show_spinner=False, max_entries=8)
def _sweeps(path: str, data_version: str) -> list[dict[str, Any]]:
    return reads.sweeps(shared_store(path))


def sweeps() -> list[dict[str, Any]]:
    """The newest sweeps (id, start, comparisons, runs)."""
    s = store()
    return _sweeps(str(s.path), reads.data_version(s))


@st.cache_data(show_spinner=False, max_entries=16)
def _matrix(path: str, data_version: str, flt: reads.MatrixFilter) -> reads.MatrixRuns:
    return reads.matrix_runs(shared_store(path), flt)


def matrix_runs(flt: reads.MatrixFilter) -> reads.MatrixRuns:
    """The runs of a sweep matrix (cached until the database changes)."""
    s = store()
    return _matrix(str(s.path), reads.data_version(s), flt)


@st.cache_data(show_spinner=False, max_entries=8)
def _filter_options(path: str, data_version: str) -> dict[str, list[Any]]:
    return reads.filter_options(shared_store(path))


def filter_options() -> dict[str, list[Any]]:
    """Categories, model ids, prompts and statuses present in the database."""
    s = store()
    return _filter_options(str(s.path), reads.data_version(s))


@st.cache_data(show_spinner=False, max_entries=32)
def _runs_frame(path: str, data_version: str, flt: reads.RunFilter) -> pd.DataFrame:
    rows = reads.runs_table(shared_store(path), flt)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for column in ("created_at", "started_at", "finished_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
    frame["cost_per_1k_lines"] = frame["cost_usd"] / frame["lines"].where(frame["lines"] > 0) * 1000
    frame["truncated"] = frame["truncated"].fillna(0).astype(bool)
    return frame


def runs_frame(flt: reads.RunFilter) -> pd.DataFrame:
    """The runs table for the metrics page as a DataFrame (cached until the database changes)."""
    s = store()
    return _runs_frame(str(s.path), reads.data_version(s), flt)


@st.cache_data(show_spinner=False, max_entries=16)
def _recent(path: str, data_version: str, limit: int) -> list[dict[str, Any]]:
    return reads.recent_comparisons(shared_store(path), limit)


def recent_comparisons(limit: int = 200) -> list[dict[str, Any]]:
    """The newest comparisons for pickers."""
    s = store()
    return _recent(str(s.path), reads.data_version(s), limit)


@st.cache_data(show_spinner=False, max_entries=32)
def _timeline(path: str, data_version: str, comparison_id: str) -> list[dict[str, Any]]:
    return reads.timeline(shared_store(path), comparison_id)


def timeline(comparison_id: str) -> list[dict[str, Any]]:
    """Timeline samples per run of one comparison."""
    s = store()
    return _timeline(str(s.path), reads.data_version(s), comparison_id)


@st.cache_data(show_spinner=False, max_entries=48)
def highlighted(run_id: str, updated_at: str | None, kind: str, _code: str) -> str:
    """A run's code as a highlighted page with line numbers (cached per run version, not hashing the code)."""
    return highlighted_page(_code, kind)


@st.cache_data(show_spinner=False, max_entries=64)
def _full_run(path: str, run_id: str, updated_at: str | None) -> dict[str, Any] | None:
    return reads.get_run(shared_store(path), run_id)


def full_run(run_id: str, updated_at: str | None) -> dict[str, Any] | None:
    """One run with its texts (cached per version of the row), for a lane that has just finished."""
    return _full_run(str(store().path), run_id, updated_at)


@st.cache_data(show_spinner=False, max_entries=8)
def _prices(path: str, data_version: str) -> Any:
    from canvasbench.measure.pricing import load_prices

    return load_prices()


@st.cache_data(show_spinner=False, max_entries=64)
def _typical_output(path: str, data_version: str, model_id: str) -> int | None:
    from canvasbench.measure.estimate import typical_output

    return typical_output(shared_store(path), model_id)


def estimate(model_id: str, text: str) -> Any:
    """The pre-launch estimate for one model (prices and typical outputs cached until the database changes)."""
    from canvasbench.errors import PriceFileError
    from canvasbench.measure.estimate import estimate as estimate_for

    s = store()
    version = reads.data_version(s)
    try:
        prices = _prices(str(s.path), version)
    except PriceFileError:
        prices = {}
    return estimate_for(model_id, text, prices, _typical_output(str(s.path), version, model_id))


@st.cache_data(show_spinner=False, max_entries=512)
def _tile_image(path: str, run_id: str, checked_at: str | None, width: int) -> bytes | None:
    png = reads.screenshot_of(shared_store(path), run_id)
    if not png:
        return None
    try:
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            # The top of the page at 16:10, the shape of a desktop viewport: every tile in a row is as tall.
            rgb = image.convert("RGB")
            crop_h = min(rgb.height, round(rgb.width * 10 / 16))
            top = rgb.crop((0, 0, rgb.width, crop_h))
            canvas = Image.new("RGB", (rgb.width, round(rgb.width * 10 / 16)), "white")
            canvas.paste(top, (0, 0))
            canvas.thumbnail((width, width))
            out = io.BytesIO()
            canvas.save(out, format="JPEG", quality=78)
            return out.getvalue()
    except Exception:  # a damaged screenshot must not break the gallery
        return None


def tile_image(run_id: str, checked_at: str | None, width: int = 480) -> bytes | None:
    """A run's render-check screenshot as a 16:10 JPEG tile (cached per check)."""
    return _tile_image(str(store().path), run_id, checked_at, width)


@st.cache_data(show_spinner=False, max_entries=512)
def _tile_data_uri(path: str, run_id: str, checked_at: str | None, width: int) -> str | None:
    jpeg = _tile_image(path, run_id, checked_at, width)
    return None if jpeg is None else "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def tile_data_uri(run_id: str, checked_at: str | None, width: int = 480) -> str | None:
    """The tile as a data: URI, to sit inside an HTML block (no request per image, nothing left to fetch)."""
    return _tile_data_uri(str(store().path), run_id, checked_at, width)


@st.cache_data(show_spinner=False, max_entries=8)
def _model_colours(path: str, data_version: str) -> dict[str, str]:
    from canvasbench.present.palette import assign, colour_order

    # The catalogue first (its models keep their colours whatever the database holds), then the database's
    # models by first run: the same mapping on every page and under every filter, and in the report.
    return assign(colour_order(shared_store(path)))


def model_colours() -> dict[str, str]:
    """Each model's app-wide colour (distinct up to 24 models), cached until the database changes."""
    try:
        s = store()
    except Exception:  # no database (yet): colours by hash, never a failed page
        return {}
    return _model_colours(str(s.path), reads.data_version(s))


# Per database, the colours handed out so far: a tile asks once per model, and a model's colour never changes
# once given (the order only grows), so only a model not seen yet costs a look at the database.
_colours_seen: dict[str, dict[str, str]] = {}


def colour_of(model_id: str) -> str | None:
    """The model's app-wide colour, or None for a model the database does not hold."""
    key = str(db_path())
    known = _colours_seen.get(key, {})
    if model_id not in known:
        known = _colours_seen[key] = model_colours()
    return known.get(model_id)


@st.cache_data(show_spinner=False, max_entries=256)
def _winner(path: str, data_version: str, comparison_id: str) -> dict[str, Any] | None:
    from canvasbench.arena.leaderboard import winner_of

    return winner_of(store(), comparison_id)


def winner(comparison_id: str) -> dict[str, Any] | None:
    """A comparison's winner (by votes, else by the judge), or None while undecided."""
    s = store()
    return _winner(str(s.path), reads.data_version(s), comparison_id)
