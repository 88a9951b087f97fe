"""Runs ``replay_orders.py`` once as a test on a few orders (emulator in its own process, the real
window): correctness only (every box booked and printed once, nothing left for a person), no time
is asserted. The figures come from the script with ``--orders 100`` (see the README)."""

from __future__ import annotations

import pytest

from tests.benchmarks import replay_orders


@pytest.mark.benchmark
@pytest.mark.gui
@pytest.mark.slow
def test_replay_benchmark_packs_every_order_and_measures_both_sides(qapp):
    result = replay_orders.run(10, app_gc=False)
    assert result["boxes"] == 11 and result["calls"] >= 11 * 2
    assert result["app_cpu"] > 0 and result["api_cpu"] > 0
    assert "station CPU per order" in replay_orders.table(result)
