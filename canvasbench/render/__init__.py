"""Render checks: open each artifact in headless Chromium (offline, sandboxed) and record what happened."""

from canvasbench.render.check import CheckLimits, RenderEngine, RenderUnavailable, check_artifact, shared_engine
from canvasbench.render.pool import RenderCheckPool, shared_pool
from canvasbench.render.records import check_run, save_check
from canvasbench.render.verdict import VERDICTS, RenderCheck, thumbnail
from canvasbench.sandbox.mirror import MIRROR_PACKAGES, Mirror, MirrorError, build_mirror, load_mirror

__all__ = [
    "MIRROR_PACKAGES",
    "VERDICTS",
    "CheckLimits",
    "Mirror",
    "MirrorError",
    "RenderCheck",
    "RenderCheckPool",
    "RenderEngine",
    "RenderUnavailable",
    "build_mirror",
    "check_artifact",
    "check_run",
    "load_mirror",
    "save_check",
    "shared_engine",
    "shared_pool",
    "thumbnail",
]
