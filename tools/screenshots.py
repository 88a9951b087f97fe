"""Render the README screenshots of the station window from made-up StationViews.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--size 1280x800]

Writes empty.png, packing.png, multibox-complete.png, offline.png and error.png. The views are fake
(no station, no network); the window is the real one, rendered offscreen without flash or sound.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from packstation.domain.labelgen import TEST_ADDRESS_FROM, make_box_tag, make_label
from packstation.domain.view import (
    BoxState,
    BoxView,
    Connectivity,
    Feedback,
    LineView,
    OrderHeader,
    StationView,
    StatusView,
    Tone,
)
from packstation.gui.bridge import StationBridge
from packstation.gui.feedback import NullSoundPlayer
from packstation.gui.main_window import MainWindow

PACKER = "Anna L."
ADDRESS_TO = {
    "name": "Maja Berg",
    "address_lines": ["Elvegata 11"],
    "postal_code": "4306",
    "city": "Sandnes",
    "country": "NO",
}
ORDER = OrderHeader(
    order_id="ORD-10482",
    customer="Maja Berg",
    shipping_method="PostNord MyPack Collect",
    destination="Sandnes, Norway",
    source="api",
)


class _NoController:
    def submit_scan(self, raw: str) -> None:  # screenshots scan nothing
        pass


def _label(tracking: str, parcel: str) -> bytes:
    return make_label(
        "png",
        tracking_number=tracking,
        address_to=ADDRESS_TO,
        address_from=TEST_ADDRESS_FROM,
        shipping_method="PostNord MyPack Collect",
        order_id=ORDER.order_id,
        parcel_text=parcel,
        dpi=101,
    )


def views() -> dict[str, StationView]:
    lines_progress = (
        LineView("MUG-BLU-350", "Stoneware mug, blue, 350 ml", 3, 3),
        LineView("PLT-WHT-27", "Dinner plate, white, 27 cm", 4, 4),
        LineView("BWL-GRY-15", "Cereal bowl, grey, 15 cm", 4, 2),
        LineView("NAP-LIN-4", "Linen napkins, set of 4", 2, 0),
        LineView("CUT-SET-16", "Cutlery set, 16 pieces", 1, 0),
        LineView("GFT-CARD", "Gift card", 1, 1),
    )
    lines_done = tuple(LineView(line.sku, line.name, line.expected, line.expected) for line in lines_progress)
    box1 = BoxView(
        1,
        BoxState.PRINTED,
        items=(("MUG-BLU-350", 3), ("PLT-WHT-27", 4)),
        box_type="M",
        tracking_number="00370730253950876543",
    )
    box2_open = BoxView(2, BoxState.OPEN, items=(("BWL-GRY-15", 2), ("GFT-CARD", 1)))
    online = StatusView(printer_message="Printer ready: Zebra ZD421")
    empty = StationView(packer=PACKER, status=online, prompt="Scan an order")
    packing = StationView(
        packer=PACKER,
        order=ORDER,
        lines=lines_progress,
        boxes=(box1, box2_open),
        feedback=Feedback(Tone.GOOD, "Cereal bowl, grey: 2 of 4 packed into box 2."),
        status=StatusView(outbox_depth=0, printer_message="Printer ready: Zebra ZD421"),
        prompt="Scan the next item for box 2, or close it",
        parked_orders=("ORD-10477",),
        last_label_png=_label("00370730253950876543", "Parcel 1 of 2"),
    )
    complete = StationView(
        packer=PACKER,
        order=ORDER,
        lines=lines_done,
        boxes=(
            box1,
            BoxView(
                2,
                BoxState.PRINTED,
                items=(("BWL-GRY-15", 4), ("GFT-CARD", 1)),
                box_type="S",
                tracking_number="00370730253950876550",
            ),
            BoxView(
                3,
                BoxState.PRINTED,
                items=(("NAP-LIN-4", 2), ("CUT-SET-16", 1)),
                box_type="S",
                tracking_number="00370730253950876567",
            ),
        ),
        feedback=Feedback(
            Tone.GOOD, "Order ORD-10482 complete (3 boxes). Stick the labels on; scan the next order."
        ),
        status=online,
        prompt="Order complete: scan the next order",
        last_label_png=_label("00370730253950876567", "Parcel 3 of 3"),
        complete=True,
    )
    offline = StationView(
        packer=PACKER,
        order=OrderHeader(
            "ORD-10490", "Jonas Eriksson", "Bring Home Delivery", "Bergen, Norway", source="cache"
        ),
        lines=(
            LineView("TWL-BTH-WHT", "Bath towel, white", 4, 4),
            LineView("TWL-HND-WHT", "Hand towel, white", 4, 4),
            LineView("MAT-BTH-GRY", "Bath mat, grey", 1, 1),
            LineView("SOAP-DSP", "Soap dispenser, glass", 2, 1),
        ),
        boxes=(
            BoxView(1, BoxState.QUEUED, items=(("TWL-BTH-WHT", 4),), box_type="L", local_tag="BOX-000041"),
            BoxView(
                2,
                BoxState.QUEUED,
                items=(("TWL-HND-WHT", 4), ("MAT-BTH-GRY", 1)),
                box_type="M",
                local_tag="BOX-000042",
            ),
            BoxView(3, BoxState.OPEN, items=(("SOAP-DSP", 1),)),
        ),
        feedback=Feedback(
            Tone.INFO,
            "Box 2 closed. Stick the box tag on it: the real label prints by itself when back online.",
        ),
        status=StatusView(
            connectivity=Connectivity.OFFLINE,
            outbox_depth=3,
            printer_message="Printer ready: Zebra ZD421",
            labels_waiting=2,
        ),
        prompt="Scan the next item for box 3, or close it",
        last_label_png=make_box_tag("png", "BOX-000042", "ORD-10490", parcel_text="Box 2", dpi=101),
    )
    error = StationView(
        packer=PACKER,
        order=ORDER,
        lines=lines_progress,
        boxes=(
            BoxView(
                1,
                BoxState.FAILED,
                items=(("MUG-BLU-350", 3), ("PLT-WHT-27", 4)),
                box_type="M",
                problem="Booking refused: the postal code 4306X is not valid. Ask your lead to correct "
                "the address; the label then prints by itself.",
            ),
            box2_open,
        ),
        feedback=Feedback(
            Tone.BAD,
            "Too many: Stoneware mug, blue. The order needs 3 and 3 are packed. "
            "Take this one out of the box.",
        ),
        status=StatusView(needs_attention=1, outbox_depth=1, printer_message="Printer ready: Zebra ZD421"),
        prompt="Scan the next item for box 2, or close it",
    )
    return {
        "empty": empty,
        "packing": packing,
        "multibox-complete": complete,
        "offline": offline,
        "error": error,
    }


def _shrink(path: Path) -> None:
    """Palette PNG (256 colours): a quarter of the size, no visible change for flat UI colours."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots"))
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.lower().split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    for name, view in views().items():
        window = MainWindow(_NoController(), StationBridge(), sounds=NullSoundPlayer(), flash_ms=0)
        window.resize(width, height)
        window.show()
        window.render_view(view)
        for _ in range(5):
            app.processEvents()
        path = out / f"{name}.png"
        window.grab().save(str(path), "PNG")
        _shrink(path)
        window.close()
        window.deleteLater()
        app.processEvents()
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
