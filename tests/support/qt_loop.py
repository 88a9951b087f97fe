"""A qasync event loop on a running QApplication, opened and closed the way that is safe on this stack
(see STACK-NOTES): used by the ``qasync_loop`` fixture and by scripts that drive the real window; and
waits that drive the real Qt event loop (``wait_until``, ``run_until_done``) for those scripts."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
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


def wait_until(condition: Callable[[], Any], timeout_ms: int = 5000, poll_ms: int = 5) -> None:
    """Spin the real Qt event loop until ``condition()`` is true; TimeoutError after ``timeout_ms``.

    A ``QEventLoop.exec()`` with a polling timer, not a ``QTest.qWait(1)`` loop: ``exec()`` releases the
    interpreter lock while Qt sleeps waiting for events, as ``app.exec()`` does in the app, so worker
    threads (the print worker, the store's thread, an in-process emulator) run at their real speed.
    ``QTest.qWait`` keeps the lock while it sleeps: a background thread ran at about half speed under a
    ``qWait(1)`` loop (``tests/benchmarks/test_bench_harness_wait.py`` measures it). Each poll takes the
    lock back for a moment, so the poll is 5 ms, not 1 ms."""
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return
    deadline = time.monotonic() + timeout_ms / 1000
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(poll_ms)

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    try:
        loop.exec()
    finally:
        timer.stop()
    if not condition():
        raise TimeoutError(f"condition not met within {timeout_ms} ms")


def run_until_done(future: Any, timeout_ms: int = 30_000) -> Any:
    """Spin the real Qt event loop (see ``wait_until``) until the asyncio ``future`` is done, woken by
    its done-callback rather than by polling; returns its result."""
    from PySide6.QtCore import QEventLoop, QTimer

    if not future.done():
        loop = QEventLoop()
        future.add_done_callback(lambda _future: loop.quit())
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(timeout_ms)
        try:
            loop.exec()
        finally:
            timer.stop()
    if not future.done():
        raise TimeoutError(f"not done within {timeout_ms} ms")
    return future.result()
