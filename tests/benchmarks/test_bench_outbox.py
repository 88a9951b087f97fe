"""Outbox and store performance: drain a backlog of 1,000 box bookings over 300 shipments against the
emulator with 20 ms latency per HTTP call, and the cost of one scan write (``log_scan``).

Ideal drain time = HTTP calls x latency / concurrency (every call costs at least the latency; the
worker keeps ``concurrency`` calls in the air). Each booking is a ``shipments.get`` then a write
(``bookParcels`` for a shipment's first box, ``add_parcel`` for the others), unless
``fetch_before_book=False`` lets the worker reuse its own last answer for the next box.

Run as a script for the report::

    .venv/bin/python tests/benchmarks/test_bench_outbox.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import pytest

if __name__ == "__main__":  # make "tests.support" importable when run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from packstation.adapters.outbox import Outbox
from packstation.adapters.som.client import SomClient
from packstation.adapters.store import Store
from packstation.emulator import DEMO_TOKEN
from tests.support.remote_emulator import RemoteEmulator
from tests.support.station_driver import check_invariants, close_one_box, seed_orders

SHIPMENTS = 300
OPERATIONS = 1000
LATENCY_MS = 20
CONCURRENCY = 8
SCAN_WRITES = 2000


def backlog_plan() -> dict[int, int]:
    """1,000 boxes over 300 shipments: 100 shipments of 4 boxes, 200 of 3."""
    base, extra = divmod(OPERATIONS, SHIPMENTS)
    return {i: base + (1 if i < extra else 0) for i in range(SHIPMENTS)}


def drain_backlog(db_path: Path, *, fetch_before_book: bool = True) -> dict[str, float]:
    emu = RemoteEmulator()
    store = Store.open(db_path)
    try:
        shipments = seed_orders(emu, SHIPMENTS, prefix="BENCH")
        plan = backlog_plan()
        for round_ in range(max(plan.values())):  # interleaved, as a bench closes boxes
            for i, shipment_id in enumerate(shipments):
                if round_ < plan[i]:
                    close_one_box(store, shipment_id, scans=0)
        assert store.outbox.depth() == OPERATIONS
        emu.set_latency(LATENCY_MS)

        async def drain() -> tuple[float, int]:
            async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
                outbox = Outbox(
                    store,
                    client,
                    printer_uri="preview",
                    concurrency=CONCURRENCY,
                    fetch_before_book=fetch_before_book,
                )
                started = time.perf_counter()
                status = await outbox.drain(timeout=600)
                elapsed = time.perf_counter() - started
                outbox.close()
                assert status.depth == 0 and status.needs_attention == 0
                return elapsed, outbox.calls

        elapsed, calls = asyncio.run(drain())
        emu.set_latency(0)
        totals = check_invariants(emu, store, shipments)
        assert totals == {"boxes": OPERATIONS, "parcels": OPERATIONS}
        ideal_calls = calls * LATENCY_MS / 1000 / CONCURRENCY
        ideal_ops = OPERATIONS * LATENCY_MS / 1000 / CONCURRENCY
        return {
            "seconds": elapsed,
            "calls": calls,
            "ideal_by_calls": ideal_calls,
            "ratio_by_calls": elapsed / ideal_calls,
            "ideal_by_ops": ideal_ops,
            "ratio_by_ops": elapsed / ideal_ops,
        }
    finally:
        store.close()
        emu.stop()


def scan_write_cost(db_path: Path, writes: int = SCAN_WRITES) -> float:
    """Seconds per ``log_scan`` (one committed transaction each), measured over ``writes`` scans."""
    store = Store.open(db_path)
    try:
        store.scans.log(raw="warm-up", kind="item", outcome="accepted")
        started = time.perf_counter()
        for i in range(writes):
            store.scans.log(
                raw=f"73100000{i:05d}",
                kind="item",
                outcome="accepted",
                session_id="s",
                order_key="o",
                packer="ann",
                station="bench-1",
                detail="SKU-TEE 1/3",
            )
        elapsed = time.perf_counter() - started
        assert store.scans.count() == writes + 1
        return elapsed / writes
    finally:
        store.close()


@pytest.mark.benchmark
@pytest.mark.slow
def test_drain_backlog_of_1000_operations(benchmark, tmp_path):
    result = benchmark.pedantic(lambda: drain_backlog(tmp_path / "station.sqlite3"), rounds=1, iterations=1)
    assert result["calls"] >= OPERATIONS  # every booking made at least its write


@pytest.mark.benchmark
def test_scan_write_cost(benchmark, tmp_path):
    per_write = benchmark.pedantic(
        lambda: scan_write_cost(tmp_path / "station.sqlite3", 500), rounds=1, iterations=1
    )
    assert per_write > 0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        per_write = scan_write_cost(Path(tmp) / "scans.sqlite3")
        print(
            f"log_scan: {per_write * 1e6:.0f} µs per scan write ({SCAN_WRITES} committed writes, WAL, "
            "synchronous=NORMAL)"
        )
        for fetch in (True, False):
            r = drain_backlog(Path(tmp) / f"drain-{fetch}.sqlite3", fetch_before_book=fetch)
            label = "fetch before every booking" if fetch else "reuse own last answer     "
            print(
                f"drain {OPERATIONS} ops / {SHIPMENTS} shipments, {LATENCY_MS} ms latency, concurrency "
                f"{CONCURRENCY}, {label}: {r['seconds']:.2f} s, {r['calls']} HTTP calls; "
                f"ideal by calls {r['ideal_by_calls']:.2f} s (ratio {r['ratio_by_calls']:.2f}), "
                f"ideal by ops {r['ideal_by_ops']:.2f} s (ratio {r['ratio_by_ops']:.2f})"
            )


if __name__ == "__main__":
    main()
