"""While the GUI thread handles a scan, the label drawing on the print worker's thread gives way to it.

Labels are drawn in this process, on the print worker's thread. ``QSvgRenderer.render`` keeps the
interpreter lock for its whole call (measured: the GUI thread stalled as long as the call, 8-14 ms for a
4x6 label drawn at twice its size to check its barcodes), so a scan that arrived meanwhile waited for the
drawing to end before its screen could be painted: the p99 scans of the scan benchmark were those. The
window holds the gate from a scan's arrival to its painted result (``held``); the SVG rasteriser
(``gui/raster.py``) draws in strips and, before each strip, waits while the gate is held
(``give_way``). So a scan waits for one strip at most, and the worker does not compete for the lock
while the scan is handled.

The wait is bounded (``max_wait_s``): a scan handler that never returned must not stop printing, and
scans coming back to back (a replay) only slow the label down. Waiting releases the interpreter lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

MAX_WAIT_S = 0.05  # a scan is handled in a few ms; past this the label goes on regardless


class ForegroundGate:
    """Held by the GUI thread around a scan; background drawing calls ``give_way()`` between steps."""

    def __init__(self, *, max_wait_s: float = MAX_WAIT_S) -> None:
        self.max_wait_s = max_wait_s
        self._open = threading.Event()
        self._open.set()
        self._depth = 0  # nested holds (a scan inside a scan's handling): only the GUI thread counts

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """On the GUI thread: background drawing waits at its next step until the block ends."""
        self._depth += 1
        self._open.clear()
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self._open.set()

    @property
    def is_held(self) -> bool:
        return not self._open.is_set()

    def give_way(self) -> None:
        """From a background thread: return once no scan is being handled (or after ``max_wait_s``)."""
        if not self._open.is_set():
            self._open.wait(self.max_wait_s)


# The interpreter lock is the process's, so is the gate: the window and the rasteriser share this one
# unless they are handed another (tests).
SCAN_GATE = ForegroundGate()
