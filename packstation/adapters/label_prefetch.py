"""Label downloads started the moment a booking's answer names them, ahead of the print queue.

The outbox calls ``start(urls)`` with the label URLs a booking answer made (``Outbox(on_labels=...)``);
``bookParcels`` on a shipment with several parcels names several at once, and they download side by
side. The print queue's label source is this object (``await prefetch(url)``): a label already
downloading or downloaded is taken from here, once; anything else (a reprint, a label whose prefetch
failed, one evicted) is downloaded then, by the same function, with the print queue's own error
handling. Nothing is logged here: label URLs may carry credentials.

Bounded: at most ``limit`` labels are held (the oldest are dropped first) and none longer than
``keep_s``; a label nobody asks for (its box voided before printing) is dropped by either bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

FetchLabel = Callable[[str], Awaitable[Any]]

DEFAULT_LIMIT = 32
DEFAULT_KEEP_S = 600.0


class LabelPrefetch:
    def __init__(
        self,
        fetch: FetchLabel,
        *,
        limit: int = DEFAULT_LIMIT,
        keep_s: float = DEFAULT_KEEP_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.limit = max(1, limit)
        self.keep_s = keep_s
        self._clock = clock
        self._held: OrderedDict[str, tuple[asyncio.Task[Any], float]] = OrderedDict()
        self.started = 0  # downloads begun ahead of the print queue (for tests and benchmarks)
        self.taken = 0  # of which the print queue used

    def __len__(self) -> int:
        return len(self._held)

    def start(self, urls: Iterable[str]) -> None:
        """Begin downloading these labels now (those already held are left as they are). Must be
        called on the event loop's thread (the outbox's callbacks are)."""
        self._expire()
        loop = asyncio.get_running_loop()
        for url in urls:
            if url in self._held:
                continue
            task = loop.create_task(self._download(url))
            task.add_done_callback(_retrieve)
            self._held[url] = (task, self._clock())
            self.started += 1
        while len(self._held) > self.limit:
            _, (task, _) = self._held.popitem(last=False)
            task.cancel()

    async def __call__(self, url: str) -> Any:
        """The label at ``url``: the prefetched one if there is one (waiting for it if it is still
        downloading), else a download now. A prefetch that failed is tried again here, so its error
        is the print queue's to report."""
        held = self._held.pop(url, None)
        if held is not None:
            task, _ = held
            with contextlib.suppress(Exception):
                result = await asyncio.shield(task)
                self.taken += 1
                return result
        return await self._fetch(url)

    def clear(self) -> None:
        for task, _ in self._held.values():
            task.cancel()
        self._held.clear()

    async def _download(self, url: str) -> Any:
        return await self._fetch(url)

    def _expire(self) -> None:
        now = self._clock()
        for url in [u for u, (_, at) in self._held.items() if now - at > self.keep_s]:
            task, _ = self._held.pop(url)
            task.cancel()


def _retrieve(task: asyncio.Task[Any]) -> None:
    """A prefetch nobody awaited must not end as "exception was never retrieved"."""
    if not task.cancelled():
        task.exception()
