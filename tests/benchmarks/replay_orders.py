"""The app's own cost per packed order, as a ratio to the time spent waiting for the API.

Not a pytest module (no ``test_`` prefix): run it by hand and paste the table into the README::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/replay_orders.py [--orders 100]

What runs: the whole app in this process, wired as ``packstation --replay`` wires it (real window, store,
SOM client, outbox, print queue into a file printer) against the emulator on loopback with zero added
latency. ``--orders`` orders (3 lines, 1-2 units each; every 10th order in two boxes) are seeded, then
their scans (pick list, items, ``CMD:CLOSE-BOX``) are replayed through ``packstation.app.replay`` and
``bridge.publish_scan``, exactly as a replay file would be, until every label is printed.

What is measured:

* wall: first scan to the moment the outbox and print queue are empty (polled every 5 ms);
* API busy: the time during which at least one HTTP call to the emulator was in flight (request sent to
  response body closed; a timing wrapper around the SOM client's httpx transport), so concurrent calls
  are not counted twice. The sum of the calls' own durations is shown too;
* overhead = wall - API busy: everything the app does itself (scan handling, SQLite, the window, label
  rendering and ESC/POS encoding, scheduling). Replay pacing (``settle_s`` per scan) is reported apart
  and not counted as overhead.

The emulator answers in-process on other threads; its own handling time is inside "API busy".
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx

from packstation.app import replay
from packstation.emulator import DEMO_TOKEN, Emulator
from tests.gui.e2e_support import LiveStation, PlainBot, qasync_session, station_config

SETTLE_S = 0.001  # replay's pause after each scan (lets the screen update; the CLI uses 10 ms)


class ApiClock:
    """Tracks HTTP calls in flight: busy time (union of the intervals) and the sum of durations."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.busy_since = 0.0
        self.busy = 0.0
        self.total = 0.0
        self.calls = 0

    def started(self) -> float:
        now = time.perf_counter()
        if self.in_flight == 0:
            self.busy_since = now
        self.in_flight += 1
        self.calls += 1
        return now

    def ended(self, started: float) -> None:
        now = time.perf_counter()
        self.total += now - started
        self.in_flight -= 1
        if self.in_flight == 0:
            self.busy += now - self.busy_since


class _TimedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, clock: ApiClock, started: float) -> None:
        self.inner, self.clock, self.started = inner, clock, started
        self.done = False

    async def __aiter__(self):
        async for chunk in self.inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            if not self.done:
                self.done = True
                self.clock.ended(self.started)


class TimingTransport(httpx.AsyncBaseTransport):
    """Wraps the client's transport: a call lasts from sending the request to closing the response."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: ApiClock) -> None:
        self.inner, self.clock = inner, clock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = self.clock.started()
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self.clock.ended(started)
            raise
        response.stream = _TimedStream(response.stream, self.clock, started)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def seed_orders(emulator: Emulator, count: int) -> list[list[str]]:
    """``count`` orders on the emulator; returns each order's scans."""
    scripts = []
    for n in range(count):
        lines = [(f"SKU-{(n + k) % 40:03d}", f"Article {(n + k) % 40}", 1 + (n + k) % 2) for k in range(3)]
        emulator.seed_shipment(f"BENCH{n:04d}", lines)
        scans = [f"BENCH{n:04d}"]
        units = [sku for sku, _name, qty in lines for _ in range(qty)]
        for index, sku in enumerate(units, start=1):
            scans.append(sku)
            if n % 10 == 9 and index == 2:
                scans.append("CMD:CLOSE-BOX")  # every 10th order goes in two boxes
        scripts.append(scans)
    return scripts


async def until_idle(station: LiveStation) -> None:
    services = station.services
    while True:
        services.outbox.kick()
        services.print_queue.notify()
        if await services.idle():
            return
        await asyncio.sleep(0.005)


def run(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="packstation-replay-bench-") as folder, qasync_session():
        emulator = Emulator(token=DEMO_TOKEN, port=0).start()
        try:
            emulator.set_latency(0)
            scripts = seed_orders(emulator, count)
            scans = [scan for script in scripts for scan in script]
            station = LiveStation(PlainBot(), station_config(Path(folder), emulator), flash_ms=300).start()
            try:
                clock = ApiClock()
                http = station.services.client._http
                http._transport = TimingTransport(http._transport, clock)

                async def scenario() -> float:
                    started = time.perf_counter()
                    await replay(station.services, scans, station.bridge.publish_scan, settle_s=SETTLE_S)
                    await until_idle(station)
                    return time.perf_counter() - started

                wall = station.run(scenario(), timeout_ms=600_000)
                boxes = [b for b in station.boxes_in_store() if b.tracking_number]
                printed = station.printed_codes()
                expected_boxes = count + count // 10
                assert len(boxes) == expected_boxes, (len(boxes), expected_boxes)
                assert sorted(printed) == sorted(b.tracking_number for b in boxes)
                assert station.services.problems() == []
            finally:
                try:
                    station.close()
                except TimeoutError:
                    # Seen once in 100-order runs: the print-queue worker never woke up to its
                    # cancellation (a lost loop wake-up). The figures above are complete; say so.
                    print("replay_orders: the app's workers did not shut down within 30 s", file=sys.stderr)
        finally:
            emulator.stop()
    pacing = len(scans) * SETTLE_S
    overhead = wall - clock.busy - pacing
    return {
        "orders": count,
        "boxes": expected_boxes,
        "scans": len(scans),
        "calls": clock.calls,
        "wall": wall,
        "api_busy": clock.busy,
        "api_sum": clock.total,
        "pacing": pacing,
        "overhead": overhead,
    }


def table(r: dict[str, float]) -> str:
    n = r["orders"]
    per = lambda key: r[key] / n * 1000  # noqa: E731
    return "\n".join(
        [
            f"replay of {n} orders ({r['boxes']} boxes, {r['scans']} scans, {r['calls']} HTTP calls), "
            "emulator on loopback, zero added latency, real window offscreen",
            f"{'':<34}{'total s':>9}{'per order ms':>14}",
            f"{'wall (first scan -> all printed)':<34}{r['wall']:>9.2f}{per('wall'):>14.1f}",
            f"{'API busy (calls in flight)':<34}{r['api_busy']:>9.2f}{per('api_busy'):>14.1f}",
            f"{'  sum of call durations':<34}{r['api_sum']:>9.2f}{per('api_sum'):>14.1f}",
            f"{'replay pacing (not counted)':<34}{r['pacing']:>9.2f}{per('pacing'):>14.1f}",
            f"{'app overhead (wall-API-pacing)':<34}{r['overhead']:>9.2f}{per('overhead'):>14.1f}",
            f"overhead / API busy = {r['overhead'] / r['api_busy']:.2f}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100)
    args = parser.parse_args(argv)
    print(table(run(args.orders)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
