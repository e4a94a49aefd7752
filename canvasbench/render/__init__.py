"""Render checks: open each artifact in headless Chromium (offline, sandboxed) and record what happened."""

from canvasbench.render.check import CheckLimits, RenderEngine, RenderUnavailable, check_artifact, shared_engine
from canvasbench.render.pool import RenderCheckPool, shared_pool
from canvasbench.render.records import check_run, save_check
from canvasbench.render.verdict import RenderCheck, thumbnail

__all__ = [
    "CheckLimits",
    "RenderCheck",
    "RenderCheckPool",
    "RenderEngine",
    "RenderUnavailable",
    "check_artifact",
    "check_run",
    "save_check",
    "shared_engine",
    "shared_pool",
    "thumbnail",
]
