"""End to end: the real window, wired as the app wires it, packing orders on the emulator over loopback
HTTP, with labels coming out of a file printer as ESC/POS bytes that are decoded and read back.

Each test is one packer's story. It asserts on what the window shows (lines table, box cards, banner,
flash, status bar), on what the emulator booked and on what the printer printed.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from packstation.domain.view import BoxState, Connectivity
from packstation.gui.feedback import BAD_FLASH, GOOD_FLASH
from tests.gui.e2e_support import LiveStation, station_config, write_alias_csv

pytestmark = pytest.mark.gui

MUG, PLATE, BOWL = ("SKU-MUG", "Enamel mug", 2), ("SKU-PLATE", "Dinner plate", 1), ("SKU-BOWL", "Bowl", 1)
# The EAN-13s printed on the products (the data folder's barcodes.csv maps them to SKUs).
EAN = {"SKU-MUG": "7350000000146", "SKU-PLATE": "7350000000238", "SKU-BOWL": "7350000000252"}


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator):
    config = station_config(tmp_path, emulator)
    write_alias_csv(config, {ean: sku for sku, ean in EAN.items()})
    live = LiveStation(qtbot, config).start()
    yield live
    live.close()


def tracking_numbers(station: LiveStation) -> list[str]:
    return [b.tracking_number for b in station.boxes_in_store() if b.state is not BoxState.VOIDED]


def test_one_box_order_typed_by_a_wedge_scanner(station, emulator):
    shipment_id = emulator.seed_shipment("ORD-1", [MUG])
    station.window.manual_entry.setFocus()  # a scan must not land in the focused field

    station.wedge("ORD-1")
    assert station.header == "Order ORD-1"
    assert station.shown_line("Enamel mug").packed == "0 / 2"

    station.wedge("SKU-MUG")
    assert station.shown_line("Enamel mug").packed == "1 / 2"
    assert station.banner[0] == "good"
    assert station.window.flash.color == GOOD_FLASH

    station.wedge("SKU-MUG", terminator=Qt.Key.Key_Tab)  # some scanners end with Tab
    assert station.window.manual_entry.text() == ""
    station.wait_idle()

    assert station.shown_line("Enamel mug").packed == "2 / 2"
    assert station.shown_line("Enamel mug").to_go == "✓ done"
    (box,) = station.shown_boxes()
    tracking = station.view.boxes[0].tracking_number
    assert box.chip == "LABEL PRINTED"
    assert f"Tracking {tracking}" in box.details
    assert "2× SKU-MUG" in box.details
    assert station.view.complete
    assert emulator.parcel_count(shipment_id) == 1
    assert station.printed_codes() == [tracking]
    assert not station.window.label_preview.image_label.pixmap().isNull()  # the last label, on screen
    assert station.window.label_preview.caption.text() == "Order ORD-1, box 1"
    assert station.sounds.played == ["good", "good", "good"]
    assert [s["raw"] for s in station.services.store.scans.recent()] == ["ORD-1", "SKU-MUG", "SKU-MUG"]


def test_three_boxes_with_a_box_type_three_parcels_three_labels(station, emulator):
    shipment_id = emulator.seed_shipment("ORD-3", [("SKU-MUG", "Enamel mug", 1), PLATE, BOWL])
    station.scans("ORD-3", "SKU-MUG", "BOX:S")
    (first,) = station.shown_boxes()
    assert first.chip != "PACKING" and "Type S" in first.details
    assert station.banner[0] == "good"
    station.scans("SKU-PLATE", "CMD:CLOSE-BOX", "SKU-BOWL")  # the last unit closes box 3 by itself
    station.wait_idle()

    boxes = station.shown_boxes()
    assert [b.title for b in boxes] == ["Box 1", "Box 2", "Box 3"]
    assert [b.chip for b in boxes] == ["LABEL PRINTED"] * 3
    assert "Type S" in boxes[0].details and "1× SKU-MUG" in boxes[0].details
    assert "Type M" in boxes[1].details and "1× SKU-PLATE" in boxes[1].details
    assert station.window.boxes.title.text() == "Boxes (3)"
    assert station.view.complete and "complete" in station.banner[1]
    stored = station.boxes_in_store()
    assert [(b.box_type, b.length_mm, b.width_mm, b.height_mm) for b in stored] == [
        ("S", 250, 175, 100),
        ("M", 350, 250, 150),
        ("M", 350, 250, 150),
    ]
    assert emulator.parcel_count(shipment_id) == 3
    trackings = tracking_numbers(station)
    assert len(set(trackings)) == 3
    assert [f"Tracking {t}" in b.details for t, b in zip(trackings, boxes, strict=True)] == [True] * 3
    assert sorted(station.printed_codes()) == sorted(trackings)


def test_over_scan_is_red_and_changes_nothing(station, emulator):
    emulator.seed_shipment("ORD-OVER", [MUG, PLATE])
    station.scans("ORD-OVER", "SKU-MUG", "SKU-MUG")
    before_lines, before_boxes = station.shown_lines(), station.shown_boxes()
    before_view = station.view
    assert station.window.flash.color == GOOD_FLASH

    station.wedge("SKU-MUG")

    tone, message = station.banner
    assert tone == "bad" and message.startswith("Too many: Enamel mug (SKU-MUG)")
    assert station.window.flash.color == BAD_FLASH
    red, green, blue = station.grab_color(station.window.centralWidget())
    assert red > green + 40 and red > blue + 40, "the window must be visibly red"
    assert station.sounds.played[-1] == "error"
    assert station.shown_lines() == before_lines
    assert station.shown_line("Enamel mug").packed == "2 / 2"
    assert station.shown_boxes() == before_boxes
    assert station.view.lines == before_view.lines and station.view.boxes == before_view.boxes
    assert station.boxes_in_store() == []
    assert station.services.store.scans.recent()[-1]["raw"] == "SKU-MUG"  # logged, though refused

    station.scan("SKU-PLATE")  # packing goes on as if the extra scan never happened
    station.wait_idle()
    assert station.view.complete
    (box,) = station.view.boxes
    assert dict(box.items) == {"SKU-MUG": 2, "SKU-PLATE": 1}


def test_an_item_of_another_order_is_refused(station, emulator):
    emulator.seed_shipment("ORD-A", [MUG])
    emulator.seed_shipment("ORD-B", [PLATE])
    station.scans("ORD-A", EAN["SKU-MUG"])  # the product's own barcode packs it
    assert station.shown_line("Enamel mug").packed == "1 / 2"

    station.scan(EAN["SKU-PLATE"])  # the plate of the next order, picked into the wrong tote

    tone, message = station.banner
    assert tone == "bad"
    assert message == "Wrong item: SKU-PLATE is not in order ORD-A. Put it back."
    assert station.window.flash.color == BAD_FLASH
    assert station.sounds.played[-1] == "error"
    assert station.header == "Order ORD-A"
    assert [line.item for line in station.shown_lines()] == ["Enamel mug"]
    assert station.shown_line("Enamel mug").packed == "1 / 2"
    assert [dict(b.items) for b in station.view.boxes] == [{"SKU-MUG": 1}]
    assert station.boxes_in_store() == []

    station.scan("4006381333931")  # a code this station has never heard of: refused too, in other words
    assert station.banner[0] == "bad" and station.banner[1].startswith("Unknown barcode 4006381333931")
    assert station.shown_line("Enamel mug").packed == "1 / 2"
    assert [s["outcome"] for s in station.services.store.scans.recent()][-2:] == [
        "not_in_order",
        "unknown_code",
    ]


def test_park_and_resume_exactly_where_it_was(station, emulator):
    emulator.seed_shipment("ORD-A", [MUG])
    emulator.seed_shipment("ORD-B", [PLATE, BOWL])
    station.scans("ORD-A", "SKU-MUG", "CMD:PARK")
    assert station.banner[0] == "good" and "parked" in station.banner[1]
    assert "ORD-A" in station.window.parked_label.text()
    assert station.view.order is None

    station.scans("ORD-B", "SKU-PLATE")
    assert station.header == "Order ORD-B"
    station.scan("ORD-A")  # ORD-B has progress: finish, park or cancel first
    assert station.banner[0] == "bad" and "ORD-B" in station.window.prompt.label.text()
    assert station.header == "Order ORD-B"

    station.scan("CMD:PARK")  # parks ORD-B; the waiting ORD-A comes back by itself, exactly as it was
    assert station.header == "Order ORD-A"
    assert station.shown_line("Enamel mug").packed == "1 / 2"
    (box,) = station.shown_boxes()
    assert box.chip == "PACKING" and "1× SKU-MUG" in box.details
    assert "ORD-B" in station.window.parked_label.text()

    station.scan("SKU-MUG")
    station.wait_idle()
    assert station.view.complete
    station.scan("ORD-B")
    assert station.header == "Order ORD-B"
    assert station.shown_line("Dinner plate").packed == "1 / 1"
    assert station.shown_line("Bowl").packed == "0 / 1"
    station.scan("SKU-BOWL")
    station.wait_idle()
    assert station.view.complete
    assert station.window.parked_label.text() == ""
    assert len(station.printed_codes()) == 2
    assert sorted(station.printed_codes()) == sorted(tracking_numbers(station))


def test_void_cancels_the_delivery_reopens_the_items_and_repacking_books_a_new_parcel(station, emulator):
    shipment_id = emulator.seed_shipment("ORD-V", [("SKU-MUG", "Enamel mug", 1), PLATE])
    station.scans("ORD-V", "SKU-MUG", "CMD:CLOSE-BOX")
    station.wait_idle()
    (first,) = station.boxes_in_store()
    assert first.tracking_number

    assert not station.window.label_preview.image_label.pixmap().isNull()  # box 1's label, on screen
    station.scan("CMD:VOID-BOX")  # the first scan asks (as CMD:CANCEL does): nothing is voided yet
    assert station.banner[0] == "warning" and "Scan CMD:VOID-BOX again" in station.banner[1]
    assert not emulator.requests_for("deliveries.cancel")
    station.scan("CMD:VOID-BOX")
    station.wait_idle()
    assert station.banner[0] == "good"
    # The voided box's label leaves the "Last label" panel.
    assert station.view.last_label_png == b"" and station.window.label_preview.caption.text() == ""
    cancels = emulator.requests_for("deliveries.cancel")
    assert len(cancels) == 1 and cancels[0].body == {"tracking_number": first.tracking_number}
    assert station.shown_line("Enamel mug").packed == "0 / 1"
    assert station.shown_boxes()[0].chip == "VOIDED"
    assert station.services.store.boxes.get(first.id).state is BoxState.VOIDED

    station.scans("SKU-MUG", "CMD:CLOSE-BOX", "SKU-PLATE")
    station.wait_idle()
    assert station.view.complete
    live = [b for b in station.boxes_in_store() if b.state is not BoxState.VOIDED]
    assert len(live) == 2
    assert first.tracking_number not in [b.tracking_number for b in live]
    assert [c.chip for c in station.shown_boxes() if c.chip != "VOIDED"] == ["LABEL PRINTED"] * 2
    delivered = [p for p in emulator.shipment_json(shipment_id)["parcels"]]
    assert len(delivered) == emulator.parcel_count(shipment_id) >= 2
    assert station.printed_codes() == [first.tracking_number, *[b.tracking_number for b in live]]


def test_reprint_prints_the_last_label_again_as_a_reprint(station, emulator):
    emulator.seed_shipment("ORD-R", [("SKU-MUG", "Enamel mug", 1)])
    station.scans("ORD-R", "SKU-MUG")
    station.wait_idle()
    tracking = station.view.boxes[0].tracking_number
    assert station.printed_codes() == [tracking]

    station.scan("CMD:REPRINT")
    assert station.banner[0] == "info" and "CMD:REPRINT" in station.banner[1]
    station.scan("CMD:REPRINT")
    assert station.banner[0] == "good" and "Reprinting the label of box 1" in station.banner[1]
    station.wait_idle()

    assert station.printed_codes() == [tracking, tracking]
    original, again = station.label_jobs()
    assert original.reprint_of is None and again.reprint_of == original.id
    assert again.box_id == original.box_id
    assert station.shown_boxes()[0].chip == "LABEL PRINTED"


def test_offline_session_ends_with_exactly_one_label_per_box(station, emulator):
    shipment_id = emulator.seed_shipment("ORD-OFF", [("SKU-MUG", "Enamel mug", 1), PLATE, BOWL])
    station.scan("ORD-OFF")  # loaded online: now in the station's cache
    emulator.stop()

    station.scans("SKU-MUG", "CMD:CLOSE-BOX")
    station.wait_for(lambda: station.view.status.connectivity is Connectivity.OFFLINE)
    station.scans("SKU-PLATE", "BOX:S")
    station.wait_for(lambda: all(b.local_tag for b in station.view.boxes))
    station.wait_for(lambda: len(station.printed_codes()) == 2)
    station.settle()

    status = station.status_texts()
    assert status["connection"].startswith("OFFLINE: keep packing")
    assert status["outbox"] == "2 waiting to send when back online"
    shown = station.shown_boxes()
    tags = [b.local_tag for b in station.view.boxes]
    assert [b.chip for b in shown] == ["WAITING TO SEND"] * 2
    assert [f"Box tag {tag}" in b.details for tag, b in zip(tags, shown, strict=True)] == [True, True]
    assert station.printed_codes() == tags  # the temporary box tags came out at once
    assert emulator.parcel_count(shipment_id) == 1  # nothing reached the API

    emulator.start()

    def back_online() -> bool:
        station.services.outbox.kick()  # what the retry timer does, sooner
        return station.view.status.connectivity is Connectivity.ONLINE

    station.wait_for(back_online)
    station.scan("SKU-BOWL")
    station.wait_idle()

    assert station.status_texts()["connection"] == "Online"
    assert station.status_texts()["outbox"] == "Nothing waiting to send"
    assert [b.chip for b in station.shown_boxes()] == ["LABEL PRINTED"] * 3
    trackings = tracking_numbers(station)
    printed = station.printed_codes()
    labels = [code for code in printed if not code.startswith("BOX-")]
    assert sorted(labels) == sorted(trackings) and len(set(trackings)) == 3  # one label per box
    assert [code for code in printed if code.startswith("BOX-")] == [c for c in tags]  # tags printed once
    assert emulator.parcel_count(shipment_id) == 3
