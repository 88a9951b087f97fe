"""Soak: thousands of orders through one station, with simulated days, so retention really prunes; the
database size, the station's resident memory and the per-order latency must stay flat (issue 18 item 3).

Not a pytest module (no ``test_`` prefix; ``test_bench_soak.py`` runs it once on a small count): run it
by hand and paste the table into the README::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/soak.py [--orders 10000]
        [--orders-per-day 1000] [--working-days 2] [--audit-days 4] [--tracemalloc]

What runs: the station as ``build_services`` wires it for the app (store, SOM client, order look-up,
outbox, print queue with the Qt SVG rasteriser into a file printer, the retention loop), minus the window,
on one asyncio loop, against the emulator **in its own process** on loopback with zero added latency
(``tests/support/remote_emulator.py``). Orders are packed one after another as a packer packs them: the
order's scans (3 lines, 1-2 units each; every 10th order in two boxes), then a wait until every box's
label has printed.

Simulated time: one clock (``SimClock``) is injected where the store, the outbox, the runtime and
retention take the time. It runs at real speed and also jumps ``DAY_S / orders-per-day`` seconds ahead
after every order, so 1,000 orders are one simulated day (ending at about the real time now). The app's
own retention loop (``Services._retention_loop``: first pass after 120 s, then hourly) runs on that clock,
in the background on a worker thread, with retention periods of a few simulated days (``--working-days``,
``--audit-days``) instead of 30 and 400, so pruning happens within the run. The emulator runs on the same
clock (the exactly-once rules compare the station's times with the server's) and forgets shipments
packed two days ago (it finds shipments by scanning its dict, Ingrid has indexes), so what grows or not
is the station. The first booking's claim settle is 0 s instead of 3 s (one bench has no rival claim;
the calls are the same); the printer is a 4-inch one, so the 4 x 6 in labels print at their size.

At each checkpoint (1,000 orders, then every 1,000; the CI test uses smaller steps) it reports: the
database file (and its write-ahead log) size, free pages, the station's resident memory (VmRSS), and for
the orders since the last checkpoint the box close -> last label printed latency (p50, p95) and the
station's CPU per order (every thread of this process; the emulator's is its own process's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from packstation.domain.retention import DAY_S, PruneReport
from packstation.domain.view import BoxState, StationView
from packstation.emulator import DEMO_TOKEN
from tests.support.bench_config import bench_config
from tests.support.remote_emulator import RemoteEmulator

SETTLE_S = 0.0005  # replay's pause after each scan


class SimClock:
    """Wall-clock seconds that also jump ahead ``step_s`` per ``advance()`` (one packed order), starting
    far enough in the past that the run ends at about the real time now."""

    def __init__(self, orders: int, step_s: float, on_jump: Callable[[float], None]) -> None:
        self.step_s = step_s
        self.offset = -(orders * step_s + DAY_S)  # from the wall clock
        self._on_jump = on_jump  # the emulator runs on the same clock: the exactly-once rules compare them
        on_jump(self.offset)

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self) -> None:
        self.offset += self.step_s
        self._on_jump(self.offset)

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep`` on this clock (the retention loop's wait)."""
        until = self() + seconds
        while self() < until:
            await asyncio.sleep(0.01)


@dataclass
class Checkpoint:
    orders: int
    sim_day: float
    db_bytes: int
    wal_bytes: int
    free_pages: int
    rss_kib: int
    close_to_printed_p50_ms: float
    close_to_printed_p95_ms: float
    cpu_ms_per_order: float
    scans_ms_per_order: float
    rows: dict[str, int]


def order_scans(n: int) -> tuple[str, list[tuple[str, str, int]], list[str]]:
    """Order ``n``: its key, lines and scans (pick list, items; every 10th order in two boxes)."""
    key = f"SOAK{n:05d}"
    lines = [(f"SKU-{(n + k) % 40:03d}", f"Article {(n + k) % 40}", 1 + (n + k) % 2) for k in range(3)]
    scans = [key]
    units = [sku for sku, _name, qty in lines for _ in range(qty)]
    for index, sku in enumerate(units, start=1):
        scans.append(sku)
        if n % 10 == 9 and index == 2:
            scans.append("CMD:CLOSE-BOX")
    return key, lines, scans


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


TABLES = ("scans", "packing_sessions", "boxes", "outbox", "print_jobs", "shipments_cache", "sent_writes")


def table_rows(conn: Any) -> dict[str, int]:
    rows = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
    rows["label payloads"] = int(
        conn.execute("SELECT count(*) FROM print_jobs WHERE payload IS NOT NULL").fetchone()[0]
    )
    return rows


class Soak:
    def __init__(self, services: Any, emulator: RemoteEmulator, clock: SimClock, per_day: int) -> None:
        self.services = services
        self.emulator = emulator
        self.clock = clock
        self.per_day = per_day
        self.pruned = PruneReport()
        self.passes = 0
        self.tracking: dict[str, list[str]] = {}  # order key -> its boxes' tracking numbers
        self._waiter: tuple[str, asyncio.Future[list[str]]] | None = None
        self._latencies: list[float] = []
        self._scan_s: list[float] = []  # first scan -> the last item scanned (look-up, items)
        self.last_view: StationView | None = None
        self.checkpoints: list[Checkpoint] = []
        real_prune = services.store.retention.prune

        def counting_prune(*args: Any, **kwargs: Any) -> PruneReport:
            report: PruneReport = real_prune(*args, **kwargs)
            for table, n in report.counts.items():
                self.pruned.add(table, n)
            self.passes += 1
            return report

        # Counts what the app's own retention loop removes (it discards the report).
        services.store.retention.prune = counting_prune

    def view_published(self, view: StationView) -> None:
        self.last_view = view
        if self._waiter is None or view.order is None:
            return
        key, future = self._waiter
        if view.order.order_id != key or not view.complete or future.done():
            return
        live = [b for b in view.boxes if b.state is not BoxState.VOIDED]
        # Printed and booked: the print worker's "printed" can reach the screen just before the
        # outbox's "booked" (two threads), for a moment a printed box without its tracking number.
        if live and all(b.state is BoxState.PRINTED and b.tracking_number for b in live):
            future.set_result([b.tracking_number for b in live])

    async def pack(self, n: int) -> None:
        from packstation.app import replay

        key, _lines, scans = order_scans(n)
        future: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        self._waiter = (key, future)
        started = time.perf_counter()
        unanswered = await replay(
            self.services, scans[:-1], self.services.runtime.submit_scan, settle_s=SETTLE_S
        )
        assert not unanswered, unanswered
        closed = time.perf_counter()  # the last item closes the last box (the order is complete)
        self.services.runtime.submit_scan(scans[-1])
        try:
            self.tracking[key] = await asyncio.wait_for(future, timeout=60)
        except TimeoutError:
            view = self.last_view
            shown = (view.boxes, view.status) if view else None
            raise AssertionError(f"order {key}'s labels did not all print: {shown}") from None
        self._latencies.append(time.perf_counter() - closed)
        self._scan_s.append(closed - started)
        self._waiter = None
        self.clock.advance()

    def checkpoint(self, orders: int, cpu_s: float) -> Checkpoint:
        db = self.services.store.db
        path = Path(db.path)
        conn = db.connection()
        wal = Path(f"{path}-wal")
        lat = sorted(self._latencies)
        point = Checkpoint(
            orders=orders,
            sim_day=orders / self.per_day,
            db_bytes=path.stat().st_size,
            wal_bytes=wal.stat().st_size if wal.exists() else 0,
            free_pages=int(conn.execute("PRAGMA freelist_count").fetchone()[0]),
            rss_kib=rss_kib(),
            close_to_printed_p50_ms=statistics.median(lat) * 1000,
            close_to_printed_p95_ms=lat[int(0.95 * (len(lat) - 1))] * 1000,
            cpu_ms_per_order=cpu_s / len(lat) * 1000,
            scans_ms_per_order=statistics.mean(self._scan_s) * 1000,
            rows=table_rows(conn),
        )
        self._latencies, self._scan_s = [], []
        self.checkpoints.append(point)
        return point


def run(
    orders: int,
    per_day: int,
    working_days: float,
    audit_days: float,
    every: int,
    folder: Path,
    *,
    trace: bool = False,
    claim_settle_s: float = 0.0,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    from packstation.app import build_services, wait_until_idle
    from packstation.gui.raster import QtSvgRasterizer, ensure_qt_gui_app

    ensure_qt_gui_app()  # the label pipeline's SVG rasteriser needs fonts, as in the app
    emulator = RemoteEmulator()
    try:
        clock = SimClock(orders, DAY_S / per_day, emulator.set_clock_offset)
        config = replace(
            # A 4-inch label printer: the emulator's 4 x 6 in labels print at their size (a narrower
            # head scales them, which reads every barcode first: ~2/3 of the station's CPU).
            bench_config(folder, emulator, printer=f"file:{folder / 'printer.bin'}?width=812"),
            retention_working_days=working_days,
            retention_audit_days=audit_days,
        )
        soak: Soak | None = None

        def publish(view: StationView) -> None:
            if soak is not None:
                soak.view_published(view)

        async def scenario() -> dict[str, Any]:
            nonlocal soak
            services = build_services(
                config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer(), publish_view=publish, clock=clock
            )
            services.sleep = clock.sleep  # the app's retention loop, on simulated time
            # A first booking claims its parcel and waits 3 s for a rival claim (parcel_claims): 10,000
            # orders would wait 8 hours. One bench has no rival; the same calls are made, without the wait.
            services.outbox.claim_settle = timedelta(seconds=claim_settle_s)
            soak = Soak(services, emulator, clock, per_day)
            services.start()
            snapshots: list[tuple[int, Any]] = []
            try:
                seeded: list[str] = []
                cpu = time.process_time()
                started = time.perf_counter()
                for n in range(orders):
                    if n % per_day == 0:  # a day's orders arrive; those packed two days ago are forgotten
                        seeded_now = [
                            emulator.seed_shipment(order_scans(k)[0], order_scans(k)[1])
                            for k in range(n, min(orders, n + per_day))
                        ]
                        if len(seeded) > per_day:
                            emulator.forget_shipments(seeded[:-per_day])
                            seeded = seeded[-per_day:]
                        seeded += seeded_now
                        cpu = time.process_time()  # seeding is the emulator's work, not the station's
                    await soak.pack(n)
                    if (n + 1) % every == 0 or n + 1 == orders:
                        point = soak.checkpoint(n + 1, time.process_time() - cpu)
                        progress(row(point))
                        if trace:
                            snapshots.append((n + 1, tracemalloc.take_snapshot()))
                        cpu = time.process_time()
                wall = time.perf_counter() - started
                assert await wait_until_idle(services, timeout=60)
                problems = services.problems()
                assert problems == [], problems
                growth = trace_growth(snapshots) if trace else []
                return {"wall_s": wall, "tracemalloc": growth}
            finally:
                await services.aclose()

        if trace:
            tracemalloc.start(8)
        figures = asyncio.run(scenario())
        assert soak is not None
        return {
            "orders": orders,
            "orders_per_day": per_day,
            "working_days": working_days,
            "audit_days": audit_days,
            "retention_passes": soak.passes,
            "pruned": soak.pruned.counts,
            "tracking": soak.tracking,
            "checkpoints": [vars(c) for c in soak.checkpoints],
            **figures,
        }
    finally:
        emulator.stop()


def trace_growth(snapshots: list[tuple[int, Any]], top: int = 12) -> list[str]:
    """What grew between the second checkpoint and the last (the first holds start-up's one-offs)."""
    if len(snapshots) < 3:
        return []
    (_, first), (_, last) = snapshots[1], snapshots[-1]
    stats = last.compare_to(first, "traceback")
    lines = []
    for stat in stats[:top]:
        frames = " <- ".join(
            f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno}" for f in stat.traceback
        )
        lines.append(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {frames}")
    return lines


HEADER = (
    f"{'orders':>7}{'sim day':>8}{'DB MiB':>8}{'WAL MiB':>8}{'free pg':>8}{'RSS MiB':>8}"
    f"{'close->printed p50 ms':>23}{'p95 ms':>8}{'CPU ms/order':>13}{'scans ms/order':>15}"
)


def row(c: Checkpoint) -> str:
    mib = 1024 * 1024
    return (
        f"{c.orders:>7}{c.sim_day:>8.1f}{c.db_bytes / mib:>8.2f}{c.wal_bytes / mib:>8.2f}{c.free_pages:>8}"
        f"{c.rss_kib / 1024:>8.1f}{c.close_to_printed_p50_ms:>23.1f}{c.close_to_printed_p95_ms:>8.1f}"
        f"{c.cpu_ms_per_order:>13.1f}{c.scans_ms_per_order:>15.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--orders-per-day", type=int, default=1_000, help="orders per simulated day")
    parser.add_argument("--working-days", type=float, default=2, help="retention_working_days (simulated)")
    parser.add_argument("--audit-days", type=float, default=4, help="retention_audit_days (simulated)")
    parser.add_argument("--every", type=int, default=1_000, help="orders between checkpoints")
    parser.add_argument("--json", help="also write the figures (and every order's tracking numbers) here")
    parser.add_argument("--tracemalloc", action="store_true", help="report what grew in Python's heap")
    parser.add_argument("--keep", help="keep the data folder (database, printer file) here")
    args = parser.parse_args(argv)
    print(
        f"soak: {args.orders} orders, {args.orders_per_day} per simulated day, retention "
        f"{args.working_days:g} (working) / {args.audit_days:g} (audit) simulated days; emulator in its own "
        f"process, zero added latency; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory(prefix="packstation-soak-") as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch)
        result = run(
            args.orders,
            args.orders_per_day,
            args.working_days,
            args.audit_days,
            args.every,
            folder,
            trace=args.tracemalloc,
            progress=lambda line: print(line, flush=True),
        )
        printer = folder / "printer.bin"
        result["printer_file"] = str(printer)
        result["printer_bytes"] = printer.stat().st_size if printer.exists() else 0
        if args.json:
            Path(args.json).write_text(json.dumps(result), encoding="utf-8")
        if args.json and not args.keep:
            # The test decodes the printer file: keep a copy next to the figures.
            import shutil

            shutil.copy(printer, f"{args.json}.printer.bin")
    pruned = ", ".join(f"{n} {t}" for t, n in sorted(result["pruned"].items())) or "nothing"
    print(f"wall {result['wall_s']:.0f} s; {result['retention_passes']} retention passes pruned: {pruned}")
    last = result["checkpoints"][-1]["rows"]
    print("rows at the end: " + ", ".join(f"{t} {n}" for t, n in last.items()))
    for line in result["tracemalloc"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
