"""Packing slips: with ``print_packing_slip`` on, a completed order queues one slip (a DOCUMENT job) on the
receipt printer; the file printer's ESC/POS bytes decode back to the order's lines and a QR code of its
order id, in the customer's language. Off by default; a ZPL label printer is never used for slips."""

from __future__ import annotations

from dataclasses import replace

import pytest
import zxingcpp

from packstation.adapters.config import Config
from packstation.adapters.store import Store
from packstation.app import packing_slip_printer
from packstation.domain.printing import PrintJobKind
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
        documents = [j for j in store.list_print_jobs(limit=100) if j.kind is PrintJobKind.DOCUMENT]
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
