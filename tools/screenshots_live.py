"""Screenshots of the REAL app in its main states: the demo emulator, scans replayed into the real window.

Unlike ``tools/screenshots.py`` (hand-made views), everything on these pictures came from the station:
the demo orders on the embedded emulator over loopback HTTP, the SQLite store, the outbox, labels
printed into a file printer (and shown as the last-label preview).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots_live.py [--out docs/screenshots]
        [--size 1920x1080 --size 1366x768]

Writes live-<state>-<W>x<H>.png for each size (a full-HD bench monitor and the common 1366x768 one) and
state: empty, packing, multibox-complete, offline, error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
from collections.abc import Callable  # noqa: E402

from packstation.adapters.config import Config  # noqa: E402
from packstation.app import StationWindow, build_window, wait_until_idle  # noqa: E402
from packstation.domain.view import Connectivity, StationView  # noqa: E402
from packstation.emulator import DEMO_TOKEN, Emulator  # noqa: E402
from packstation.emulator.demo import DEMO_ORDERS, barcode_aliases  # noqa: E402

ORDERS = {order["external_id"]: order for order in DEMO_ORDERS}
WAIT_S = 30.0
SIZES = ((1920, 1080), (1366, 768))


def units(external_id: str) -> list[str]:
    return [line["ean"] for line in ORDERS[external_id]["lines"] for _ in range(line["quantity"])]


def shots_config(folder: Path, emulator: Emulator) -> Config:
    """A bench on the demo emulator, printing into a file, the demo's barcodes in its data folder."""
    config = Config(
        api_url=emulator.base_url,
        site_id=emulator.site_id,
        printer=f"file:{folder / 'printer.bin'}",
        data_dir=folder / "data",
        packer="Maja",
        station_id="shots-1",
        sounds=False,
    )
    config.data_dir.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{barcode},{sku}\n" for barcode, sku in barcode_aliases().items())
    (config.data_dir / "barcodes.csv").write_text("barcode,sku\n" + rows, encoding="utf-8")
    return config


class Shots:
    """Drives the app's window as a scanner would, and saves pictures of it."""

    def __init__(self, station: StationWindow, out: Path, sizes: tuple[tuple[int, int], ...] = SIZES) -> None:
        self.station = station
        self.out = out
        self.sizes = sizes

    @property
    def view(self) -> StationView:
        return self.station.services.station.view

    async def wait_for(self, condition: Callable[[], object]) -> None:
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the station did not get there in time")
            await asyncio.sleep(0.02)

    async def settle(self) -> None:
        """Until no order look-up runs and the window shows the station's latest view."""
        await self.wait_for(lambda: not self.station.services.runtime.busy)
        await self.wait_for(lambda: self.station.window.view == self.view)

    async def scans(self, *raws: str) -> None:
        for raw in raws:
            self.station.bridge.publish_scan(raw)  # the path replayed and serial scans take
            await self.settle()

    async def idle(self) -> None:
        if not await wait_until_idle(self.station.services, timeout=WAIT_S):
            raise TimeoutError("the station is still sending or printing")
        await self.settle()

    async def grab(self, name: str, *, flashing: bool = False) -> list[Path]:
        """Save the window at each size; by default once the scan's flash is over (the steady screen)."""
        await self.settle()
        if not flashing:
            await self.wait_for(lambda: self.station.window.flash.color is None)
        paths = []
        for width, height in self.sizes:
            self.station.window.resize(width, height)
            await asyncio.sleep(0.05)  # the layout follows the new size
            path = self.out / f"live-{name}-{width}x{height}.png"
            self.station.window.grab().save(str(path))
            print(f"wrote {path}")
            paths.append(path)
        return paths


async def take(out: Path, folder: Path, sizes: tuple[tuple[int, int], ...] = SIZES) -> None:
    emulator = Emulator(token=DEMO_TOKEN, port=0, seed_demo=True).start()
    try:
        station = build_window(shots_config(folder, emulator), DEMO_TOKEN, flash_ms=400)
        station.start()
        station.window.resize(*sizes[0])
        station.window.show()
        shots = Shots(station, out, sizes)
        try:
            await shots.grab("empty")

            # ACME10003: 2 totes in box 1, 2 pairs of shoes in box 2; both labels printed.
            two_box = units("ACME10003")
            await shots.scans("ACME10003", *two_box[:2], "BOX:S", *two_box[2:])
            await shots.idle()
            await shots.grab("multibox-complete")

            # ACME10004: half packed.
            await shots.scans("ACME10004", *units("ACME10004")[:6])
            await shots.grab("packing")

            # One winter boot too many (the order has one).
            boot = ORDERS["ACME10004"]["lines"][1]["ean"]
            await shots.scans(boot, boot)
            await shots.grab("error", flashing=True)

            # The API goes away: box 1 closes anyway, its box tag prints, packing goes on.
            emulator.stop()
            await shots.scans("CMD:CLOSE-BOX")
            await shots.wait_for(lambda: shots.view.status.connectivity is Connectivity.OFFLINE)
            rest = [code for code in units("ACME10004")[6:] if code != boot]
            await shots.scans(*rest[:3], "CMD:CLOSE-BOX", *rest[3:5])
            tags = [b.local_tag for b in shots.view.boxes if b.state.value != "open"]
            await shots.wait_for(lambda: shots.view.status.outbox_depth == len(tags))
            await shots.wait_for(lambda: shots.view.status.labels_waiting == 0)  # box tags printed
            await shots.grab("offline")
            emulator.start()
            await shots.idle()
        finally:
            await station.aclose()
    finally:
        emulator.stop()


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_API", "pyside6")
    import qasync
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument(
        "--size", action="append", metavar="WxH", help="repeatable; default 1920x1080, 1366x768"
    )
    args = parser.parse_args(argv)
    sizes = (
        tuple(tuple(int(p) for p in size.lower().split("x")) for size in args.size) if args.size else SIZES
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["packstation-shots"])
    app.setQuitOnLastWindowClosed(False)  # the loop stops when take() is done, not when the window closes
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="packstation-shots-") as folder:
        try:
            with loop:
                loop.run_until_complete(take(out, Path(folder), sizes))  # type: ignore[arg-type]
        finally:
            asyncio.set_event_loop(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
