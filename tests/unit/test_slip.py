"""Packing slips: language by country, layout, ESC/POS bytes decoded back, the QR code read back."""

from __future__ import annotations

from datetime import date

import pytest
import zxingcpp

from packstation.adapters.slip_output import slip_escpos
from packstation.domain.models import Shipment
from packstation.domain.receipt import plain_text
from packstation.domain.slip import (
    TEXTS,
    PackingSlip,
    SlipLine,
    language_for_country,
    slip_from_shipment,
    slip_lines,
)
from tests.support.escpos_receipt_decode import decode_receipt

SHIPMENT = {
    "id": "shp_01",
    "external_id": "ORD-10042",
    "customer_info": {"name": "Åsa Öberg", "email": "asa@example.com"},
    "address_to": {
        "name": "Åsa Öberg",
        "address_lines": ["Sveavägen 1"],
        "postal_code": "11157",
        "city": "Stockholm",
        "country": "SE",
    },
    "line_items": [
        {"sku": "TS-BLUE-M", "name": "T-shirt blå, storlek M", "quantity": "2"},
        {
            "sku": "MUG-1",
            "name": "Kaffemugg med ett mycket långt namn som inte får plats på en rad",
            "quantity": 1,
        },
        {"sku": "GONE", "name": "Cancelled line", "quantity": 0},
    ],
    "parcels": [
        {"id": "p1", "deliveries": [{"id": "d1", "tracking_number": "00370733700000001"}]},
        {"id": "p2", "deliveries": [{"id": "d2", "tracking_number": "00370733700000002"}]},
    ],
}


@pytest.fixture
def slip():
    return slip_from_shipment(Shipment.from_api(SHIPMENT), day=date(2026, 11, 23))


@pytest.mark.parametrize(
    ("country", "lang"),
    [
        ("SE", "sv"),
        ("no", "nb"),
        ("DK", "da"),
        ("FI", "fi"),
        ("AX", "sv"),
        ("DE", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_language_for_country(country, lang):
    assert language_for_country(country) == lang


def test_every_language_has_every_text():
    keys = set(TEXTS["en"])
    assert all(set(texts) == keys for texts in TEXTS.values())


def test_slip_from_shipment(slip):
    assert slip.order_id == "ORD-10042"
    assert slip.lang == "sv"
    assert slip.customer == "Åsa Öberg"
    assert slip.address == ("Sveavägen 1", "11157 Stockholm", "SE")
    assert [(line.sku, line.quantity) for line in slip.lines] == [("TS-BLUE-M", 2), ("MUG-1", 1)]
    assert slip.boxes == 2 and slip.item_count == 3
    assert slip.tracking_numbers == ("00370733700000001", "00370733700000002")


def test_order_id_falls_back_to_tos_id_then_shipment_id():
    assert slip_from_shipment(Shipment.from_api({"id": "s1", "tos_id": "tos_9"})).order_id == "tos_9"
    bare = slip_from_shipment(Shipment.from_api({"id": "s1"}))
    assert bare.order_id == "s1" and bare.lang == "en" and bare.boxes == 1


@pytest.mark.parametrize("width", [48, 42])
def test_layout_fits_and_is_in_swedish(slip, width):
    lines = slip_lines(slip, width)
    for line in lines:
        assert len(line.text) <= (width // 2 if line.large else width), line.text
    text = plain_text(lines)
    assert "FÖLJESEDEL" in text and "Tack för din beställning!" in text
    assert "Order: ORD-10042" in text and "2026-11-23" in text
    assert "    2  T-shirt blå, storlek M" in text
    assert "[qr ORD-10042]" in text


def test_escpos_text_decodes_back(slip):
    receipt = decode_receipt(slip_escpos(slip, paper_mm=80))
    texts = receipt.texts
    assert receipt.code_pages == [2]
    assert texts[0] == "FÖLJESEDEL" and receipt.lines[0].large and receipt.lines[0].bold
    assert "Kund: Åsa Öberg" in texts
    assert "  Sveavägen 1" in texts
    header = next(line for line in receipt.lines if line.text.startswith("Antal"))
    assert header.bold and header.text.split() == ["Antal", "Artikel"]
    item = next(t for t in texts if "T-shirt" in t)
    assert item.split(None, 1) == ["2", "T-shirt blå, storlek M"]
    # The long name wraps onto indented continuation lines; all its words arrive.
    mug_start = next(i for i, t in enumerate(texts) if "Kaffemugg" in t)
    mug_words = " ".join(t.strip() for t in texts[mug_start : mug_start + 3])
    assert "Kaffemugg med ett mycket långt namn som inte får plats på en rad" in mug_words
    assert any(t.startswith("Kolli:") and t.endswith("2") for t in texts)
    assert any(t.endswith("00370733700000002") and t.startswith("Spårning:") for t in texts)
    thanks = next(line for line in receipt.lines if line.text == "Tack för din beställning!")
    assert thanks.bold and thanks.center
    assert receipt.cuts == 1


def test_qr_raster_decodes_to_order_id(slip):
    receipt = decode_receipt(slip_escpos(slip, paper_mm=80))
    assert len(receipt.images) == 1
    image = receipt.images[0]
    assert image.width == 576
    results = zxingcpp.read_barcodes(image)
    assert [(r.format, r.text) for r in results] == [(zxingcpp.BarcodeFormat.QRCode, "ORD-10042")]


def test_qr_native_stores_order_id(slip):
    receipt = decode_receipt(slip_escpos(slip, paper_mm=58, native_qr=True))
    assert receipt.qr_data == [b"ORD-10042"]
    assert receipt.images == []
    assert all(len(t) <= 42 for t in receipt.texts)


@pytest.mark.parametrize(
    ("country", "thanks"), [("NO", "Takk"), ("DK", "Tak"), ("FI", "Kiitos"), ("US", "Thank")]
)
def test_other_languages(country, thanks):
    slip = PackingSlip("A1", lines=(SlipLine("Item æøå", 1),), country=country)
    receipt = decode_receipt(slip_escpos(slip, qr=False))
    assert any(t.startswith(thanks) for t in receipt.texts)
    assert any("Item æøå" in t for t in receipt.texts)
    assert receipt.images == [] and receipt.qr_data == []


def test_explicit_language_overrides_country():
    slip = PackingSlip("A1", country="SE", language="en")
    assert slip.lang == "en"
    assert PackingSlip("A1", country="SE", language="xx").lang == "sv"


def test_hostile_text_is_flattened():
    slip = PackingSlip("A1\x1b@", lines=(SlipLine("bad\x1dV\x00name\nnext", 1),), customer="\x1bE\x01Eve")
    receipt = decode_receipt(slip_escpos(slip, qr=False))  # raises if a control byte got through
    assert receipt.cuts == 1
    assert any("bad V name next" in t for t in receipt.texts)


def test_the_slip_lists_the_lots_serials_and_expiry_packed():
    from packstation.domain.packing_box import TrackedUnit

    unit = TrackedUnit("ACME-WALLET-BRN", lot="LOT-7", serial="W-1", expiry="2049-12-31")
    slip = PackingSlip(
        order_id="ACME10004", lines=(SlipLine("Wallet", 1, "ACME-WALLET-BRN"),), tracked=(unit.describe(),)
    )
    text = [line.text for line in slip_lines(slip)]
    assert "Lots and serials:" in text
    start = text.index("Lots and serials:") + 1
    printed = " ".join(line.strip() for line in text[start : start + 2])  # wrapped to the 48-column paper
    assert printed.startswith("ACME-WALLET-BRN lot LOT-7 serial W-1") and "exp 2049-12-31" in printed
