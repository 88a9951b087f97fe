"""Scan handling latency of the pure station core for a 200-line order (p50/p99 printed).

This is the domain part of "scan end to updated screen": classify, match, update the session, build the
effects (with the session snapshot) and the new StationView. The GUI render comes on top.
Run: .venv/bin/pytest tests/benchmarks/test_bench_station.py -s --benchmark-enable
"""

from __future__ import annotations

import statistics
import time

from packstation.domain.effects import CloseBox, LogScan
from packstation.domain.packing import OrderLine, PackingOrder
from packstation.domain.station import Station, StationSettings

LINES = 200
UNITS_PER_LINE = 3


def big_order() -> PackingOrder:
    lines = tuple(OrderLine(f"SKU-{i:04d}", f"Article number {i}", UNITS_PER_LINE) for i in range(LINES))
    return PackingOrder("ORD-BIG", "shp-big", lines, keys=("ORD-BIG",), customer="Ada Lovelace")


def open_station() -> Station:
    station = Station(StationSettings(packer_name="Bench"))
    station.handle_scan("ORD-BIG", 0.0)
    station.order_loaded("ORD-BIG", big_order())
    aliases = {f"73100000{i:05d}": f"SKU-{i:04d}" for i in range(LINES)}
    aliases["7399999999999"] = "SKU-ELSEWHERE"
    station.set_aliases(aliases)
    return station


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def test_scan_latency_for_a_200_line_order():
    station = open_station()
    timings: list[float] = []
    box_every = 50
    scans = 0
    for unit in range(UNITS_PER_LINE):
        for i in range(LINES):
            code = f"73100000{i:05d}" if unit == 1 else f"SKU-{i:04d}"  # half by alias
            start = time.perf_counter()
            effects = station.handle_scan(code + "\r\n", float(scans))
            timings.append(time.perf_counter() - start)
            assert isinstance(effects[0], LogScan)
            scans += 1
            if scans % box_every == 0 and not station.view.complete:
                start = time.perf_counter()
                station.handle_scan("CMD:CLOSE-BOX", float(scans))
                timings.append(time.perf_counter() - start)
            if not station.view.complete:
                start = time.perf_counter()
                rejected = station.handle_scan("7399999999999", float(scans))  # another order's item
                timings.append(time.perf_counter() - start)
                assert rejected[0].outcome == "not_in_order"
    assert station.view.complete
    assert all(line.scanned == line.expected for line in station.view.lines)
    p50, p99 = percentile(timings, 0.50), percentile(timings, 0.99)
    print(
        f"\nstation.handle_scan, {LINES}-line order, {len(timings)} scans: "
        f"p50 {p50 * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms, mean {statistics.fmean(timings) * 1000:.3f} ms"
    )


def test_benchmark_item_scan(benchmark):
    """pytest-benchmark figure for one accepted item scan (fresh order per round, first unit)."""
    station = open_station()
    codes = iter([f"SKU-{i:04d}" for i in range(LINES)] * UNITS_PER_LINE)

    def scan_one():
        return station.handle_scan(next(codes), 0.0)

    effects = benchmark.pedantic(scan_one, rounds=min(LINES, 150), iterations=1)
    assert isinstance(effects[0], LogScan) and effects[0].outcome == "added"
    assert not any(isinstance(e, CloseBox) for e in effects)
