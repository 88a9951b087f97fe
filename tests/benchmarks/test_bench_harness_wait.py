"""How fast a background thread runs while the GUI thread waits, under each way a harness can wait.

The app waits in ``app.exec()``: Qt sleeps in the OS with the interpreter lock released, so worker
threads (print worker, store thread, an in-process emulator) run at full speed. A harness that waits
with a ``QTest.qWait(1)`` loop keeps the lock while Qt sleeps, and every figure it measures includes its
own slowdown. The same pure-Python job runs in a thread while the main thread waits for it:

* ``join``: ``Thread.join()``, no Qt at all: the reference speed (1.0x);
* ``app.exec()``: the real event loop, quit by a timer that notices the thread is done;
* ``QTest.qWait(1) loop``: the old ``PlainBot.waitUntil`` of the benchmark scripts;
* ``wait_until``: the harness's wait now (``tests/support/qt_loop.py``: a ``QEventLoop.exec()``).

Speed = reference time / time under that wait (1.0x = unhindered). Run as a script for the table::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/test_bench_harness_wait.py [--work N]

As a test it runs each wait once on a small job and checks only that the job finished under it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.qt_loop import wait_until

WORK = 3_000_000  # loop iterations of the background job (~0.2-0.4 s on this machine)


def job(work: int, out: dict[str, float]) -> None:
    started = time.perf_counter()
    total = 0
    for i in range(work):
        total += i & 7
    out["seconds"] = time.perf_counter() - started
    out["total"] = total


def timed_in_thread(work: int, wait: Callable[[threading.Thread], None]) -> float:
    out: dict[str, float] = {}
    thread = threading.Thread(target=job, args=(work, out))
    thread.start()
    wait(thread)
    thread.join()
    assert out["total"] == sum(i & 7 for i in range(work)), "the job did not finish"
    return out["seconds"]


def wait_join(thread: threading.Thread) -> None:
    thread.join()


def wait_app_exec(thread: threading.Thread) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    timer = QTimer()
    timer.setInterval(5)  # as often as wait_until polls
    timer.timeout.connect(lambda: None if thread.is_alive() else app.exit(0))
    timer.start()
    app.exec()
    timer.stop()


def wait_qwait_loop(thread: threading.Thread) -> None:
    from PySide6.QtTest import QTest

    while thread.is_alive():
        QTest.qWait(1)


def wait_harness(thread: threading.Thread) -> None:
    wait_until(lambda: not thread.is_alive(), timeout_ms=120_000)


WAITS: dict[str, Callable[[threading.Thread], None]] = {
    "join (no Qt, reference)": wait_join,
    "app.exec() (the app)": wait_app_exec,
    "QTest.qWait(1) loop (old harness)": wait_qwait_loop,
    "wait_until (harness now)": wait_harness,
}


def measure(work: int, rounds: int) -> dict[str, list[float]]:
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication(["packstation-harness-bench"])
    results: dict[str, list[float]] = {name: [] for name in WAITS}
    for _ in range(rounds):  # interleaved, so load from other processes hits every wait alike
        for name, wait in WAITS.items():
            results[name].append(timed_in_thread(work, wait))
    return results


def table(results: dict[str, list[float]], work: int) -> str:
    reference = statistics.median(results["join (no Qt, reference)"])
    rows = [
        f"background thread, {work:,} loop iterations, median of {len(next(iter(results.values())))} rounds",
        f"{'main thread waits with':<36}{'job s':>8}{'speed':>8}",
    ]
    for name, samples in results.items():
        median = statistics.median(samples)
        rows.append(f"{name:<36}{median:>8.3f}{reference / median:>7.2f}x")
    return "\n".join(rows)


@pytest.mark.benchmark
@pytest.mark.gui
def test_a_background_thread_finishes_under_every_wait(qapp):
    results = measure(20_000, rounds=1)
    assert all(len(samples) == 1 and samples[0] > 0 for samples in results.values())


def main() -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=int, default=WORK)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(table(measure(args.work, args.rounds), args.work))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
