"""Garbage collection kept off the scan path.

CPython's cyclic collector runs whenever enough objects were allocated, in the middle of whatever runs
then. With a 2,000-line order open, a full collection walks every object the station holds (tens of
milliseconds: four frames at 60 Hz) and it used to land on scans (76 full collections in one 2,000-scan
order). Three things keep it away (``keep_gc_off_the_scan_path``, called once the window is up):

* ``gc.freeze()`` once start-up is done: the modules, Qt wrappers and settings made at start-up are
  moved out of the collector's sight (they live as long as the process anyway);
* higher thresholds, so young-object collections are rarer and a full collection is never due by
  allocation counts alone within a packing session;
* ``IdleCollector``: a full collection when the bench has been idle (no scan for ``idle_s``), at most
  every ``every_s``, so cyclic garbage is still freed and memory stays bounded.

Reference counting frees almost everything anyway; the collector only finds reference cycles.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# (young, middle, old): the defaults are (700, 10, 10). A young collection of 20,000 objects takes well
# under a millisecond; 100 middle collections between full ones push those out of any packing session.
THRESHOLDS = (20_000, 20, 100)


class IdleCollector:
    """Runs ``gc.collect()`` on the loop once no scan came for ``idle_s`` s, at most every ``every_s`` s."""

    def __init__(
        self,
        last_activity: Callable[[], float],
        *,
        idle_s: float = 3.0,
        every_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.last_activity = last_activity
        self.idle_s = idle_s
        self.every_s = every_s
        self.clock = clock
        self.collections = 0
        self._last_collect = clock()
        self._task: asyncio.Task[None] | None = None

    def due(self) -> bool:
        now = self.clock()
        return now - self.last_activity() >= self.idle_s and now - self._last_collect >= self.every_s

    def collect_if_due(self) -> bool:
        if not self.due():
            return False
        started = time.perf_counter()
        found = gc.collect()
        self._last_collect = self.clock()
        self.collections += 1
        log.debug(
            "Idle garbage collection: %d object(s) in %.1f ms", found, (time.perf_counter() - started) * 1000
        )
        return True

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(min(self.idle_s, self.every_s))
            self.collect_if_due()


def keep_gc_off_the_scan_path(last_activity: Callable[[], float]) -> IdleCollector:
    """Freeze what start-up made, raise the thresholds and start collecting in idle time (on the
    running loop). Returns the collector; ``stop()`` it when the station closes."""
    gc.collect()  # what start-up left as garbage goes now, not into the frozen generation
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    collector = IdleCollector(last_activity)
    collector.start()
    return collector
