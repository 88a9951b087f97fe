"""PyInstaller runtime hook for the frozen packstation bundle (runs before packstation starts).

escpos pickles its printer capabilities into a *new* temporary folder on every import unless
ESCPOS_CAPABILITIES_PICKLE_DIR names one; on a bench PC that would leave a folder behind per start.
Point it at a per-user cache folder instead.
"""

import os
import sys
from pathlib import Path


def _cache_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "packstation" / "Cache" / "escpos"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "packstation" / "escpos"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "packstation" / "escpos"


if not os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR"):
    try:
        _dir = _cache_dir()
        _dir.mkdir(parents=True, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(_dir)
    except OSError:
        pass  # escpos falls back to a temporary folder; printing still works
