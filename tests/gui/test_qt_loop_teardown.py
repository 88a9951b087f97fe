"""The test loop's teardown (``tests/support/qt_loop.py``) against a worker thread that schedules onto
the loop just before it closes: the flake that failed CI once with "Internal C++ object (_SimpleTimer)
already deleted" in the teardown of a GUI test."""

from __future__ import annotations

import threading

from tests.support.qt_loop import qasync_running


def test_a_call_queued_from_a_worker_thread_just_before_the_loop_closes_is_dropped_not_an_error(qapp):
    ran: list[int] = []
    with qasync_running(qapp) as loop:
        # Emitted from another thread, the call is a queued Qt event: nothing delivers it before the
        # loop closes, and the app.exec() at the end of the teardown does.
        worker = threading.Thread(target=loop.call_soon_threadsafe, args=(ran.append, 1))
        worker.start()
        worker.join()
    qapp.processEvents()
    assert ran == []  # a closed loop runs nothing (and raises nothing from Qt's event delivery)
