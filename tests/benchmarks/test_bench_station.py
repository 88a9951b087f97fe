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
    aliases = {f"73100000{i:05d}": f"SKU-{i:04d}" for i in range(LINES)}
    aliases["7399999999999"] = "SKU-ELSEWHERE"
    station = Station(StationSettings(packer_name="Bench"), aliases=aliases)
    station.handle_scan("ORD-BIG", 0.0)
    station.order_loaded("ORD-BIG", big_order())
    return station


class Timer:
    """Wall time and this thread's CPU time per call: on a busy machine the wall p99 mostly measures
    other processes; CPU time shows the station's own work."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __call__(self, fn, *args):
        wall, cpu = time.perf_counter(), time.thread_time()
        result = fn(*args)
        self.cpu.append(time.thread_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        return result


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def test_scan_latency_for_a_200_line_order():
    station = open_station()
    timer = Timer()
    box_every = 50
    scans = 0
    for unit in range(UNITS_PER_LINE):
        for i in range(LINES):
            code = f"73100000{i:05d}" if unit == 1 else f"SKU-{i:04d}"  # half by alias
            effects = timer(station.handle_scan, code + "\r\n", float(scans))
            assert isinstance(effects[0], LogScan) and effects[0].outcome == "added"
            scans += 1
            if scans % box_every == 0 and not station.view.complete:
                timer(station.handle_scan, "CMD:CLOSE-BOX", float(scans))
            if not station.view.complete:
                rejected = timer(station.handle_scan, "7399999999999", float(scans))  # another order's item
                assert rejected[0].outcome == "not_in_order"
    assert station.view.complete
    assert all(line.scanned == line.expected for line in station.view.lines)
    for label, samples in (("wall", timer.wall), ("cpu", timer.cpu)):
        print(
            f"\nstation.handle_scan, {LINES}-line order, {len(samples)} scans, {label}: "
            f"p50 {percentile(samples, 0.50) * 1000:.3f} ms, p99 {percentile(samples, 0.99) * 1000:.3f} ms, "
            f"mean {statistics.fmean(samples) * 1000:.3f} ms"
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
