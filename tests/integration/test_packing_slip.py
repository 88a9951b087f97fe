"""Packing slips: with ``print_packing_slip`` on, a completed order queues one slip (a DOCUMENT job) on the
receipt printer; the file printer's ESC/POS bytes decode back to the order's lines and a QR code of its
order id, in the customer's language. Off by default; a ZPL label printer is never used for slips."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
import zxingcpp

from packstation.adapters.config import Config
from packstation.adapters.store import Store
from packstation.app import packing_slip_printer
from packstation.domain.printing import NewPrintJob, PrintJobKind
from tests.integration.test_station_runtime import run_station
from tests.support.bench_config import bench_config
from tests.support.escpos_receipt_decode import decode_receipt

LINES = [("SKU-A", "Mug", 2), ("SKU-B", "Plate", 1)]
SCANS = ["ORD-S", "SKU-A", "BOX:S", "SKU-A", "SKU-B"]  # two boxes, then complete


@pytest.fixture
def config(tmp_path, emulator):
    return bench_config(
        tmp_path, emulator, print_packing_slip=True, receipt_printer=f"file:{tmp_path / 'receipt.bin'}"
    )


def test_a_completed_order_prints_one_slip_on_the_receipt_printer(emulator, config, qapp):
    emulator.seed_shipment("ORD-S", LINES, address_to={**_sweden(), "name": "Åsa Öberg"})
    _, view, problems, _ = run_station(config, SCANS, qapp)
    assert problems == [] and view.complete and len(view.boxes) == 2
    with open(config.receipt_printer.removeprefix("file:"), "rb") as printed:
        receipt = decode_receipt(printed.read())
    text = "\n".join(receipt.texts)
    assert "FÖLJESEDEL" in text  # delivered to Sweden: Swedish
    assert "ORD-S" in text and "Mug" in text and "Plate" in text
    assert "Kolli" in text and "2" in text
    assert receipt.cuts == 1  # exactly one slip, though the order was saved again as its boxes booked
    (image,) = receipt.images
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["ORD-S"]
    store = Store.open(config.database_path)
    try:
        documents = [j for j in store.print_jobs.recent(limit=100) if j.kind is PrintJobKind.DOCUMENT]
    finally:
        store.close()
    assert [j.printer_uri for j in documents] == [config.receipt_printer]


def test_no_slip_unless_switched_on(emulator, config, qapp, tmp_path):
    emulator.seed_shipment("ORD-S", LINES)
    _, view, problems, _ = run_station(replace(config, print_packing_slip=False), SCANS, qapp)
    assert problems == [] and view.complete
    assert not (tmp_path / "receipt.bin").exists()
    assert Config().print_packing_slip is False and Config().receipt_printer == ""


def test_which_printer_gets_the_slip():
    on = Config(print_packing_slip=True, printer="tcp://10.0.0.5:9100")
    assert packing_slip_printer(on) == "tcp://10.0.0.5:9100"  # an ESC/POS label printer doubles as one
    assert packing_slip_printer(replace(on, printer="tcp://10.0.0.5:9100?lang=zpl")) == ""
    assert packing_slip_printer(replace(on, printer="preview")) == ""
    assert packing_slip_printer(replace(on, receipt_printer="usb:04b8:0202")) == "usb:04b8:0202"
    assert packing_slip_printer(replace(on, print_packing_slip=False)) == ""


def _sweden():
    return {"address_lines": ["Sveavägen 1"], "postal_code": "11157", "city": "Stockholm", "country": "SE"}


def test_a_slip_owed_when_the_app_died_prints_once_after_the_restart(emulator, config, qapp):
    """The order completed, then the app died before the slip job was queued (the slip is made after the
    completing transaction): the store still owes it, the next start prints it, and only once."""
    emulator.seed_shipment("ORD-S", LINES, address_to=_sweden())

    def die_before_the_slip(services):
        services.runtime._queue_packing_slip = lambda *args: None

    _, view, problems, _ = run_station(config, SCANS, qapp, before=die_before_the_slip)
    assert problems == [] and view.complete
    receipt_file = config.receipt_printer.removeprefix("file:")
    assert not os.path.exists(receipt_file)
    store = Store.open(config.database_path)
    try:
        assert [s["order_key"] for s in store.sessions.owed_a_slip()] == ["ORD-S"]
    finally:
        store.close()

    for _ in range(2):  # two more starts: the first prints the slip, the second owes nothing
        _, _, problems, _ = run_station(config, [], qapp, before=lambda services: services.runtime.restore())
        assert problems == []
    with open(receipt_file, "rb") as printed:
        receipt = decode_receipt(printed.read())
    assert receipt.cuts == 1 and "ORD-S" in "\n".join(receipt.texts)
    store = Store.open(config.database_path)
    try:
        assert store.sessions.owed_a_slip() == []
        (session,) = store.sessions.in_states(("complete",))
        first = [j.id for j in store.print_jobs.recent(limit=10) if j.kind is PrintJobKind.DOCUMENT][-1]
        again = store.print_jobs.add(
            NewPrintJob(kind=PrintJobKind.DOCUMENT, printer_uri="x", payload=b"", session_id=session["id"])
        )
        assert again == first  # a slip job is never queued twice for an order
    finally:
        store.close()


def test_a_slip_that_cannot_be_made_is_not_owed_forever(emulator, config, qapp, expected_log):
    emulator.seed_shipment("ORD-S", LINES)

    def forget_the_order(services):
        services.store.shipments.find = lambda key: None  # as if its details never reached this bench

    _, view, _, views = run_station(config, SCANS, qapp, before=forget_the_order)
    assert view.complete
    assert any("No packing slip for order ORD-S" in (v.feedback.message if v.feedback else "") for v in views)
    store = Store.open(config.database_path)
    try:
        assert store.sessions.owed_a_slip() == []
        (session,) = store.sessions.in_states(("complete",))
        assert session["slip"] == "skipped"
    finally:
        store.close()


def test_the_station_keeps_no_memory_of_slips_it_has_queued(emulator, config, qapp):
    """A long shift does not grow the runtime's set of slips in the making: a session leaves it once its
    job is queued, and the store (slip no longer owed) keeps later box events from printing another."""
    for key in ("ORD-S1", "ORD-S2", "ORD-S3"):
        emulator.seed_shipment(key, LINES)
    scans = [scan for key in ("ORD-S1", "ORD-S2", "ORD-S3") for scan in [key, *SCANS[1:]]]
    services, _, problems, _ = run_station(config, scans, qapp)
    assert problems == []
    with open(config.receipt_printer.removeprefix("file:"), "rb") as printed:
        assert decode_receipt(printed.read()).cuts == 3  # one slip per order, none twice
    assert services.runtime._slipped == set()
