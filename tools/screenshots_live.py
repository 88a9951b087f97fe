"""Screenshots of the REAL app in its main states: the demo emulator, scans replayed into the real window.

Unlike ``tools/screenshots.py`` (hand-made views), everything on these pictures came from the station:
the demo orders on the embedded emulator over loopback HTTP, the SQLite store, the outbox, labels
printed into a file printer (and shown as the last-label preview).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots_live.py [--out docs/screenshots]

Writes live-empty.png, live-packing.png, live-multibox-complete.png, live-offline.png, live-error.png.
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

from packstation.domain.view import Connectivity  # noqa: E402
from packstation.emulator import DEMO_TOKEN, Emulator  # noqa: E402
from packstation.emulator.demo import DEMO_ORDERS, barcode_aliases  # noqa: E402
from tests.gui.e2e_support import (  # noqa: E402
    LiveStation,
    PlainBot,
    qasync_session,
    station_config,
    write_alias_csv,
)

ORDERS = {order["external_id"]: order for order in DEMO_ORDERS}


def units(external_id: str) -> list[str]:
    return [line["ean"] for line in ORDERS[external_id]["lines"] for _ in range(line["quantity"])]


def grab(station: LiveStation, out: Path, name: str, *, flashing: bool = False) -> Path:
    """Save the window; by default once the scan's flash is over (the steady screen)."""
    station.settle()
    if not flashing:
        station.wait_for(lambda: station.window.flash.color is None)
    path = out / f"live-{name}.png"
    station.window.grab().save(str(path))
    print(f"wrote {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="packstation-shots-") as folder, qasync_session():
        emulator = Emulator(token=DEMO_TOKEN, port=0, seed_demo=True).start()
        try:
            config = station_config(Path(folder), emulator, packer="Maja")
            write_alias_csv(config, barcode_aliases())
            station = LiveStation(PlainBot(), config, flash_ms=400).start()
            try:
                station.window.resize(1280, 800)
                grab(station, out, "empty")

                # ACME10003: 2 totes in box 1, 2 pairs of shoes in box 2; both labels printed.
                two_box = units("ACME10003")
                station.scans("ACME10003", *two_box[:2], "BOX:S", *two_box[2:])
                station.wait_idle()
                grab(station, out, "multibox-complete")

                # ACME10004: half packed.
                station.scans("ACME10004", *units("ACME10004")[:6])
                grab(station, out, "packing")

                # One winter boot too many (the order has one).
                boot = ORDERS["ACME10004"]["lines"][1]["ean"]
                station.scans(boot, boot)
                grab(station, out, "error", flashing=True)

                # The API goes away: box 1 closes anyway, its box tag prints, packing goes on.
                emulator.stop()
                station.scan("CMD:CLOSE-BOX")
                station.wait_for(lambda: station.view.status.connectivity is Connectivity.OFFLINE)
                rest = [code for code in units("ACME10004")[6:] if code != boot]
                station.scans(*rest[:3], "CMD:CLOSE-BOX", *rest[3:5])
                tags = [b.local_tag for b in station.view.boxes if b.state.value != "open"]
                station.wait_for(lambda: station.view.status.outbox_depth == len(tags))
                station.wait_for(lambda: station.view.status.labels_waiting == 0)  # box tags printed
                grab(station, out, "offline")
                emulator.start()
                station.wait_idle()
            finally:
                station.close()
        finally:
            emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
