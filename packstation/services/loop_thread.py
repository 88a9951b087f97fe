"""One typed way to hand work to the asyncio loop's thread.

The station, the store connection of the loop and the GUI bridge live on the loop's thread (qasync's,
i.e. the GUI thread, in the app). Device readers (scale, serial scanner) and the print worker call back
on threads of their own; they hand their calls over through a ``LoopHandoff`` instead of each writing
``loop.call_soon_threadsafe(...)`` around a lambda.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVarTuple, Unpack  # Unpack: 3.11 has no * inside Callable[[...]]

Ts = TypeVarTuple("Ts")


class LoopHandoff:
    """Runs calls on the thread of the loop it was bound to.

    Before ``bind`` (a runtime driven without a loop, as in unit tests) and on the loop's own thread a
    call runs at once; from any other thread it is queued with ``call_soon_threadsafe``, so calls from
    one thread run on the loop in the order they were made.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.get_ident()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, calls from other threads go to ``loop``; the caller's thread is the loop's."""
        self._loop = loop
        self._thread = threading.get_ident()

    def call(self, fn: Callable[[Unpack[Ts]], object], *args: *Ts) -> None:
        """``fn(*args)`` on the loop's thread: now if we are on it, else as soon as the loop can."""
        if self._loop is None or threading.get_ident() == self._thread:
            fn(*args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)

    def wrap(self, fn: Callable[[Unpack[Ts]], object]) -> Callable[[Unpack[Ts]], None]:
        """A callback for another thread: calling it hands ``fn`` and the arguments to the loop."""

        def handed_over(*args: *Ts) -> None:
            self.call(fn, *args)

        return handed_over
