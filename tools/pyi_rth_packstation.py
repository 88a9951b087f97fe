"""PyInstaller runtime hook for the frozen packstation bundle (runs before packstation starts).

escpos pickles its printer capabilities into a *new* temporary folder on every import unless
ESCPOS_CAPABILITIES_PICKLE_DIR names one; on a bench PC that would leave a folder behind per start.
Point it at a per-user cache folder instead. Also gives child processes the LD_LIBRARY_PATH the user had.
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

# The bootloader points LD_LIBRARY_PATH at the bundle so Python finds libpython. The dynamic loader
# read it at process start already, so this process keeps finding its libraries; but programs we
# start (paplay/aplay for the scan sounds, xdg-open) would load the bundle's copies of system libraries
# instead of their own and may crash. Give child processes the environment the user started us with.
if sys.platform.startswith("linux") and getattr(sys, "frozen", False):
    _original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if _original is not None:
        os.environ["LD_LIBRARY_PATH"] = _original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)
