"""Where things live: the project root, the database, the user price file, the library mirror."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
GALLERY_DIR = PROJECT_ROOT / "gallery"
STORAGE_DIR = PROJECT_ROOT / "storage"
DATA_DIR = PACKAGE_DIR / "data"


def _setting(variable: str, default: str) -> Path:
    """The path in an environment variable (`~` expanded), else `default` under storage/."""
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else STORAGE_DIR / default


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--db PATH`, else `CANVASBENCH_DB`, else `storage/canvasbench.db` in the project."""
    return Path(explicit).expanduser() if explicit else _setting("CANVASBENCH_DB", "canvasbench.db")


def demo_db_path() -> Path:
    """`CANVASBENCH_DEMO_DB`, else `storage/demo.db`: the demo's own database (stand-ins run only there)."""
    return _setting("CANVASBENCH_DEMO_DB", "demo.db")


def user_prices_path() -> Path:
    """`CANVASBENCH_PRICES`, else `storage/prices.toml`."""
    return _setting("CANVASBENCH_PRICES", "prices.toml")


def endpoints_path() -> Path:
    """`CANVASBENCH_ENDPOINTS`, else `storage/endpoints.toml` (OpenAI-compatible endpoints)."""
    return _setting("CANVASBENCH_ENDPOINTS", "endpoints.toml")


def mirror_dir() -> Path:
    """`CANVASBENCH_MIRROR`, else `storage/mirror` (CDN libraries for offline render checks)."""
    return _setting("CANVASBENCH_MIRROR", "mirror")


def recovery_dir() -> Path:
    """`CANVASBENCH_RECOVERY_DIR`, else `storage/recovered`: texts the database could not take."""
    return _setting("CANVASBENCH_RECOVERY_DIR", "recovered")
