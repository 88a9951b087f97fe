"""Runs ``replay_orders.py`` once as a test on a few orders (emulator in its own process, the real
window): correctness only (every box booked and printed once, nothing left for a person: the script
asserts it), no time is asserted. The figures come from the script with ``--orders 100`` (README).

It runs as its own process, as it is run by hand: the replay makes its own QApplication loop and the
app's process-wide garbage-collection policy, neither of which belongs in the pytest process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("replay_orders.py")


@pytest.mark.benchmark
@pytest.mark.gui
@pytest.mark.slow
def test_replay_benchmark_packs_every_order_and_measures_both_sides():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--orders", "10"], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "replay of 10 orders (11 boxes" in out.stdout
    rows = {line.split("  ")[0]: line.split() for line in out.stdout.splitlines()}
    assert float(rows["station CPU (this process)"][-2]) > 0
    assert float(rows["API CPU (the emulator process)"][-2]) > 0
