"""packstation: a packing-bench station that books one Ingrid parcel and prints one label per box."""

import sys

__version__ = "0.1.0"

# ``import httpx`` tries ``from ._main import main`` (its command-line tool) and imports click, rich and
# pygments when they are installed (~80 ms of its ~100 ms import). The station never runs httpx's CLI:
# a None entry makes that one import fail at once, and httpx falls back to its stub ``main``.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
