"""Outbox and store performance: drain a backlog of 1,000 box bookings over 300 shipments against the
emulator with 20 ms latency per HTTP call, and the cost of one scan write (``log_scan``).

The ideal by operations is one call per box: 1,000 x latency / concurrency (the worker keeps
``concurrency`` calls in the air). With the orders opened online (the app's look-up handed to the
outbox, the order's preset parcels claimed with the open marker) the first box of each order books at
once (``bookParcels``) and the others add a parcel (``add_parcel``), each planned from what the worker
already knows (docs/ARCHITECTURE.md, "Reading the shipment again"). "All booked" is when the last box
has its tracking number and label job; the claims written after the bookings (one write per order, a
few seconds later) are counted in the second figure. ``fetch_before_book=True`` reads the shipment
before every write, as before; orders opened offline claim their preset parcel at the first box.

Two floors are measured in the same run, against the same kind of emulator: 1,000 ``shipments.get``
with ``concurrency`` in the air, sent over plain keep-alive sockets (what the emulator itself costs
above its latency) and through the station's ``SomClient`` (what the HTTP stack adds). The drain's
ratio is read against them: what lies above the client's floor is the outbox's own work.

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
from tests.support.station_driver import check_invariants, close_one_box, open_order_online, seed_orders

SHIPMENTS = 300
OPERATIONS = 1000
LATENCY_MS = 20
CONCURRENCY = 8
SCAN_WRITES = 2000
STATION = "bench-1"


def backlog_plan() -> dict[int, int]:
    """1,000 boxes over 300 shipments: 100 shipments of 4 boxes, 200 of 3."""
    base, extra = divmod(OPERATIONS, SHIPMENTS)
    return {i: base + (1 if i < extra else 0) for i in range(SHIPMENTS)}


def open_orders_online(store: Store, outbox: Outbox, client: SomClient, shipments: list[str]) -> None:
    """Every order opened as the app opens it while the API answers (``open_order_online``)."""

    # (no latency yet: set up quickly; each open holds its slot through the claims' settle delay,
    # and fewer than the client's connection pool are in the air at once)
    slots = asyncio.Semaphore(50)

    async def open_one(shipment_id: str) -> None:
        async with slots:
            await open_order_online(store, outbox, client, shipment_id, station=STATION)

    async def open_all() -> None:
        await asyncio.gather(*(open_one(s) for s in shipments))

    asyncio.get_event_loop().run_until_complete(open_all())


def drain_backlog(
    db_path: Path, *, opened_online: bool = True, fetch_before_book: bool = False
) -> dict[str, float]:
    """``opened_online``: the orders were opened while the API answered (the normal case: boxes queue
    up behind a slow or briefly unreachable API). False: opened offline, from the station's cache, so
    nothing was assessed or claimed at open and each order's first box claims its preset parcel first
    (a claim, the claim's settle delay, a read) before it books."""
    emu = RemoteEmulator()
    store = Store.open(db_path)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        shipments = seed_orders(emu, SHIPMENTS, prefix="BENCH")
        client = SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id)
        booked: list[tuple[float, int]] = []
        outbox = Outbox(
            store,
            client,
            printer_uri="preview",
            concurrency=CONCURRENCY,
            fetch_before_book=fetch_before_book,
            station_id=STATION,
            on_status=lambda st: (
                booked.append((time.perf_counter(), outbox.calls)) if st.depth == 0 else None
            ),
        )
        if opened_online:
            open_orders_online(store, outbox, client, shipments)
        plan = backlog_plan()
        for round_ in range(max(plan.values())):  # interleaved, as a bench closes boxes
            for i, shipment_id in enumerate(shipments):
                if round_ < plan[i]:
                    close_one_box(store, shipment_id, scans=0)
        assert store.outbox.depth() == OPERATIONS
        emu.set_latency(LATENCY_MS)
        outbox.calls, booked[:] = 0, []
        started = time.perf_counter()
        status = loop.run_until_complete(outbox.drain(timeout=600))
        elapsed = time.perf_counter() - started
        outbox.close()
        loop.run_until_complete(client.aclose())
        assert status.depth == 0 and status.needs_attention == 0
        emu.set_latency(0)
        totals = check_invariants(emu, store, shipments)
        assert totals == {"boxes": OPERATIONS, "parcels": OPERATIONS}
        booked_at, calls_booked = booked[0] if booked else (started + elapsed, outbox.calls)
        booked_s = booked_at - started
        ideal_ops = OPERATIONS * LATENCY_MS / 1000 / CONCURRENCY
        return {
            "booked_s": booked_s,
            "calls_booked": calls_booked,
            "seconds": elapsed,
            "calls": outbox.calls,
            "ideal_by_calls": outbox.calls * LATENCY_MS / 1000 / CONCURRENCY,
            "ideal_by_ops": ideal_ops,
            "ratio_booked_by_ops": booked_s / ideal_ops,
            "ratio_by_ops": elapsed / ideal_ops,
        }
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        store.close()
        emu.stop()


def request_floors(calls: int = OPERATIONS) -> dict[str, float]:
    """Seconds for ``calls`` reads of a shipment at ``LATENCY_MS`` with ``CONCURRENCY`` in the air: over
    plain HTTP/1.1 keep-alive sockets (the emulator's floor) and through ``SomClient`` (the client's),
    with the answers checked (status 200, the shipment asked for)."""
    emu = RemoteEmulator()
    try:
        shipments = seed_orders(emu, SHIPMENTS, prefix="FLOOR")
        return asyncio.run(_floors(emu, shipments, calls))
    finally:
        emu.stop()


async def _floors(emu: RemoteEmulator, shipments: list[str], calls: int) -> dict[str, float]:
    async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
        await client.get_shipment(id=shipments[0])  # connections and imports warm
        emu.set_latency(LATENCY_MS)
        slots = asyncio.Semaphore(CONCURRENCY)

        async def read(i: int) -> None:
            async with slots:
                shipment = await client.get_shipment(id=shipments[i % len(shipments)])
                assert shipment.id == shipments[i % len(shipments)]

        started = time.perf_counter()
        await asyncio.gather(*(read(i) for i in range(calls)))
        client_s = time.perf_counter() - started
        authorization = client._authorization  # the header the client sends, token encoded
    host, port = emu.base_url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    sockets = [await asyncio.open_connection(host, int(port)) for _ in range(CONCURRENCY)]

    async def reads_on(k: int) -> None:
        reader, writer = sockets[k]
        for i in range(k, calls, CONCURRENCY):
            writer.write(
                f"GET /v1/som/shipments.get?id={shipments[i % len(shipments)]} HTTP/1.1\r\n"
                f"Host: {host}\r\nAuthorization: {authorization}\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 "), head
            length = next(
                int(h[15:]) for h in head.lower().split(b"\r\n") if h.startswith(b"content-length:")
            )
            assert shipments[i % len(shipments)].encode() in await reader.readexactly(length)

    started = time.perf_counter()
    await asyncio.gather(*(reads_on(k) for k in range(CONCURRENCY)))
    sockets_s = time.perf_counter() - started
    for _, writer in sockets:
        writer.close()
    emu.set_latency(0)
    ideal = calls * LATENCY_MS / 1000 / CONCURRENCY
    return {"sockets_s": sockets_s, "client_s": client_s, "ideal_s": ideal}


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
    # Orders opened online: every box is one write (the claims made at open let the first book at
    # once), and the claims written after the bookings go one write per order, not per box.
    assert OPERATIONS <= result["calls_booked"] <= OPERATIONS + 10, result
    assert result["calls"] <= OPERATIONS + 2 * SHIPMENTS + 50, result  # (+ retries of a reset call)


@pytest.mark.benchmark
def test_request_floors(benchmark):
    floors = benchmark.pedantic(lambda: request_floors(200), rounds=1, iterations=1)
    # Neither floor can beat the latency the emulator adds to every answer.
    assert floors["sockets_s"] >= floors["ideal_s"] and floors["client_s"] >= floors["ideal_s"], floors


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
        floors = request_floors()
        ideal = floors["ideal_s"]
        print(
            f"floors, {OPERATIONS} shipments.get at {LATENCY_MS} ms, concurrency {CONCURRENCY}: sockets "
            f"{floors['sockets_s']:.2f} s ({floors['sockets_s'] / ideal:.2f}x ideal), SomClient "
            f"{floors['client_s']:.2f} s ({floors['client_s'] / ideal:.2f}x)"
        )
        modes = (
            ("opened online, plan from what it knows ", True, False),
            ("opened online, read before every write ", True, True),
            ("opened offline (nothing claimed at open)", False, False),
        )
        for label, online, fetch in modes:
            r = drain_backlog(
                Path(tmp) / f"drain-{online}-{fetch}.sqlite3", opened_online=online, fetch_before_book=fetch
            )
            print(
                f"drain {OPERATIONS} boxes / {SHIPMENTS} shipments, {LATENCY_MS} ms, "
                f"concurrency {CONCURRENCY}, {label}: all booked {r['booked_s']:.2f} s "
                f"after {r['calls_booked']} calls "
                f"(ratio {r['ratio_booked_by_ops']:.2f} to the ideal by ops {r['ideal_by_ops']:.2f} s); "
                f"claims written too {r['seconds']:.2f} s, {r['calls']} calls"
            )


if __name__ == "__main__":
    main()
