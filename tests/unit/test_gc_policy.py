"""Garbage collection kept off the scan path: full collections wait for a pause in scanning."""

from __future__ import annotations

import subprocess
import sys

from packstation.services.gc_policy import IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_idle_collector_collects_only_after_a_pause_in_scanning_and_not_too_often():
    clock = Clock()
    last_scan = [clock.now]
    collector = IdleCollector(lambda: last_scan[0], idle_s=3.0, every_s=30.0, clock=clock)
    clock.now += 31
    last_scan[0] = clock.now - 1  # scanning goes on
    assert not collector.collect_if_due()
    clock.now += 3  # a pause of 4 s
    assert collector.collect_if_due()
    assert collector.collections == 1
    clock.now += 10  # still idle, but collected 10 s ago
    assert not collector.collect_if_due()
    clock.now += 25
    assert collector.collect_if_due() and collector.collections == 2


def test_start_up_objects_are_frozen_and_the_thresholds_raised():
    code = (
        "import asyncio, gc\n"
        "from packstation.services import gc_policy\n"
        "async def main():\n"
        "    collector = gc_policy.keep_gc_off_the_scan_path(lambda: 0.0)\n"
        "    frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()\n"
        "    collector.stop()\n"
        "    return frozen, thresholds\n"
        "frozen, thresholds = asyncio.run(main())\n"
        "print(frozen > 1000, thresholds == gc_policy.THRESHOLDS)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]
