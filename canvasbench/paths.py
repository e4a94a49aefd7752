"""Where things live: the project root, the database, the user price file, the library mirror."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
GALLERY_DIR = PROJECT_ROOT / "gallery"
STORAGE_DIR = PROJECT_ROOT / "storage"
DATA_DIR = PACKAGE_DIR / "data"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--db PATH`, else `CANVASBENCH_DB`, else `storage/canvasbench.db` in the project."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CANVASBENCH_DB")
    if env:
        return Path(env).expanduser()
    return STORAGE_DIR / "canvasbench.db"


def user_prices_path() -> Path:
    """`CANVASBENCH_PRICES`, else `storage/prices.toml`."""
    env = os.environ.get("CANVASBENCH_PRICES")
    return Path(env).expanduser() if env else STORAGE_DIR / "prices.toml"


def endpoints_path() -> Path:
    """`CANVASBENCH_ENDPOINTS`, else `storage/endpoints.toml` (OpenAI-compatible endpoints)."""
    env = os.environ.get("CANVASBENCH_ENDPOINTS")
    return Path(env).expanduser() if env else STORAGE_DIR / "endpoints.toml"


def mirror_dir() -> Path:
    """`CANVASBENCH_MIRROR`, else `storage/mirror` (CDN libraries for offline render checks)."""
    env = os.environ.get("CANVASBENCH_MIRROR")
    return Path(env).expanduser() if env else STORAGE_DIR / "mirror"


def recovery_dir() -> Path:
    """`CANVASBENCH_RECOVERY_DIR`, else `storage/recovered`: texts the database could not take."""
    env = os.environ.get("CANVASBENCH_RECOVERY_DIR")
    return Path(env).expanduser() if env else STORAGE_DIR / "recovered"
