"""A qasync event loop on a running QApplication, opened and closed the way that is safe on this stack
(see STACK-NOTES): used by the ``qasync_loop`` fixture and by scripts that drive the real window."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def qasync_running(app: Any) -> Iterator[Any]:
    import qasync
    import shiboken6
    from PySide6.QtCore import QTimer

    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        for _ in range(200):
            if all(t.done() for t in pending):
                break
            app.processEvents()
        loop.stop()
        loop.close()
        # A worker thread's call_soon_threadsafe emitted just before close() is a queued Qt event that
        # disconnecting does not take back: delivered by the app.exec() below, it would schedule onto
        # the timer deleted next ("Internal C++ object (_SimpleTimer) already deleted"). A closed loop
        # runs nothing, so what still arrives is dropped, as asyncio's own closed loops refuse it.
        loop._add_callback = _dropped_by_a_closed_loop
        # qasync's timer QObject may still have Qt timers running; destroy it now, on this thread. Left to
        # the cyclic garbage collector it can die on a worker thread, and a later timer event segfaults.
        if shiboken6.isValid(loop._timer):
            shiboken6.delete(loop._timer)
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        # loop.stop() calls QApplication.exit(), which leaves Qt's "quit now" flag set: every later
        # QEventLoop.exec() (qtbot.wait, waitUntil, waitSignal) would return at once and timers never
        # fire. A real exec() that quits at once clears the flag again.
        QTimer.singleShot(0, app.quit)
        app.exec()


def _dropped_by_a_closed_loop(handle: Any, delay: float = 0) -> None:
    handle.cancel()
