"""Box closed -> first label byte at the printer, as a ratio to the least the API allows: one booking
call plus one label download, measured with the same client against the same emulator in the same run.

What runs (no window; the same parts the app wires): the emulator in its own process
(``tests/support/remote_emulator.py``) with a fixed latency added to every answer, label downloads
included; a real SQLite store; the real ``SomClient``; the real outbox and print queue, printing PNG
labels through the label pipeline to a loopback TCP printer that records when its first byte arrives.

Per order: the look-up (``shipments.get`` by the order id, handed to the outbox as the app's runtime
does), the order-open step (``assess_open`` stored with the session, the being-packed marker written by
``Outbox.mark_packing``), a pause for packing, then box 1 is closed and timed to its label's first byte;
then box 2 (a parcel added to the booked shipment) the same. The baseline is measured on other orders of
the same emulator, interleaved: ``bookParcels`` then the label download (box 1's floor) and
``add_parcel`` then the label download (box 2's floor), back to back with the same client.

Run as a script for the README's figures::

    .venv/bin/python tests/benchmarks/test_bench_box_to_label.py [--orders 8] [--latency 0 150]

As a test it runs once on two orders at 0 ms (correctness: every box booked and printed once, the calls
per box counted); no time is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

if __name__ == "__main__":  # make "tests.support" importable when run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from packstation.adapters.label_prefetch import LabelPrefetch
from packstation.adapters.labels.pipeline import LabelPipeline
from packstation.adapters.outbox import Outbox
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.queue import PrintQueue
from packstation.adapters.som.client import SomClient
from packstation.adapters.store import Store
from packstation.emulator import DEMO_TOKEN
from tests.support.printing import TcpPrinterServer
from tests.support.remote_emulator import RemoteEmulator
from tests.support.station_driver import check_invariants, close_one_box, open_order_online

STATION = "bench-test"  # close_one_box's station
PACKING_S = 0.6  # time between order open and box close (a packer takes longer; the claim settles first)
CLAIM_SETTLE = timedelta(seconds=0.2)


@dataclass
class Figures:
    box1: list[float] = field(default_factory=list)
    box2: list[float] = field(default_factory=list)
    floor1: list[float] = field(default_factory=list)
    floor2: list[float] = field(default_factory=list)
    calls_box1: list[int] = field(default_factory=list)
    calls_box2: list[int] = field(default_factory=list)


async def _until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the label did not reach the printer")
        await asyncio.sleep(0.001)


async def _floor(client: SomClient, emu: RemoteEmulator, order: str) -> tuple[float, float]:
    """bookParcels + download, then add_parcel + download, on an order nobody packs."""
    shipment_id = emu.seed_shipment(external_id=order, lines=[("SKU-TEE", "T-shirt", 1)])
    start = time.perf_counter()
    booked = await client.book_parcels(shipment_id)
    await client.download_label(_label_url(booked, 0))
    first = time.perf_counter() - start
    start = time.perf_counter()
    added = await client.add_parcel(shipment_id)
    await client.download_label(_label_url(added, 1))
    return first, time.perf_counter() - start


def _label_url(shipment: Any, index: int) -> str:
    parcels = sorted(shipment.parcels or (), key=lambda p: p.id)
    urls = [d.label_url for p in shipment.parcels or () for d in p.deliveries if d.label_url]
    assert len(urls) > index, f"no label for parcel {index} of {[p.id for p in parcels]}"
    return urls[index]


async def _run(emu: RemoteEmulator, db: Path, orders: int, figures: Figures) -> dict[str, int]:
    printer = TcpPrinterServer()
    store = Store.open(db)
    client = SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id)
    prefetch = LabelPrefetch(client.download_label)  # wired as packstation/app.py wires it
    queue = PrintQueue(store.print_jobs, make_printer, prefetch, LabelPipeline())
    outbox = Outbox(
        store,
        client,
        printer_uri=printer.uri,
        station_id=STATION,
        claim_settle=CLAIM_SETTLE,
        on_box_booked=lambda _box_id: queue.notify(),  # as the runtime's box_booked does
        on_labels=prefetch.start,
    )
    workers = [asyncio.ensure_future(outbox.run()), asyncio.ensure_future(queue.run())]
    shipments = []
    try:
        for i in range(orders):
            f1, f2 = await _floor(client, emu, f"FLOOR{i:04d}")
            figures.floor1.append(f1)
            figures.floor2.append(f2)
            order = f"B2L{i:04d}"
            shipment_id = emu.seed_shipment(external_id=order, lines=[("SKU-TEE", "T-shirt", 3)])
            shipments.append(shipment_id)
            # The order look-up and open, as the app's runtime does them (marker and claims at open).
            await open_order_online(store, outbox, client, shipment_id, order, station=STATION)
            await asyncio.sleep(PACKING_S)
            for number, samples, calls in (
                (1, figures.box1, figures.calls_box1),
                (2, figures.box2, figures.calls_box2),
            ):
                before_calls = emu.request_count()
                received = len(printer.first_byte_at)
                start = time.perf_counter()
                close_one_box(store, shipment_id, order_key=order, number=number, scans=0)
                outbox.kick()
                await _until(lambda received=received: len(printer.first_byte_at) > received)
                samples.append(printer.first_byte_at[received] - start)  # both time.perf_counter()
                await _until(lambda: store.outbox.depth() == 0)
                await asyncio.sleep(PACKING_S)  # what follows the label (a claim in meta) is counted too
                calls.append(emu.request_count() - before_calls)
        await _until(lambda: store.outbox.depth() == 0)
        await queue.drain()
        return check_invariants(emu, store, shipments)
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        outbox.close()
        queue.close()
        await client.aclose()
        store.close()
        printer.close()


def measure(latency_ms: int, orders: int) -> tuple[Figures, dict[str, int]]:
    emu = RemoteEmulator(latency_ms=latency_ms, label_format="png")
    try:
        figures = Figures()
        with tempfile.TemporaryDirectory() as tmp:
            summary = asyncio.run(_run(emu, Path(tmp) / "station.db", orders, figures))
        return figures, summary
    finally:
        emu.stop()


@pytest.mark.benchmark
@pytest.mark.slow
def test_box_to_first_label_byte(expected_log):
    figures, summary = measure(0, 2)
    assert summary["boxes"] == 4 and summary["parcels"] == 4, summary
    assert len(figures.box1) == len(figures.box2) == 2
    # The label comes from the booking's own answer: no box needs more than its write, its label and
    # (off the label's path) its claim in meta.
    assert max(figures.calls_box1 + figures.calls_box2) <= 4, (figures.calls_box1, figures.calls_box2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=8)
    parser.add_argument("--latency", type=int, nargs="+", default=[0, 150])
    args = parser.parse_args()
    print(f"{'latency':>8} {'box':>4} {'box->1st byte p50':>18} {'floor p50':>10} {'ratio':>6}  calls/box")
    for latency in args.latency:
        figures, summary = measure(latency, args.orders)
        for name, samples, floor, calls in (
            ("1", figures.box1, figures.floor1, figures.calls_box1),
            ("2", figures.box2, figures.floor2, figures.calls_box2),
        ):
            box, base = statistics.median(samples), statistics.median(floor)
            print(
                f"{latency:>6}ms {name:>4} {box * 1000:>15.1f} ms {base * 1000:>7.1f} ms {box / base:>6.2f}"
                f"  {statistics.median(calls):.0f} (min {min(calls)}, max {max(calls)})"
            )
        print(f"        invariants: {summary}")


if __name__ == "__main__":
    main()
