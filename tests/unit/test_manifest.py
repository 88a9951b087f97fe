"""The end-of-day manifest: grouping and totals, the receipt bytes read back, CSV parsed back, PDF opened."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pypdfium2
import pytest

from packstation.adapters.manifest_output import (
    manifest_escpos,
    manifest_pdf,
    save_manifest_csv,
    save_manifest_pdf,
)
from packstation.domain.manifest import (
    CSV_COLUMNS,
    ManifestEntry,
    ManifestError,
    build_manifest,
    carrier_name,
    manifest_csv,
    manifest_lines,
)
from packstation.domain.receipt import plain_text
from tests.support.escpos_receipt_decode import decode_receipt

DAY = date(2026, 11, 23)

PNL, DHL = "pnl-mpc", "dhl-parcel"
DELIVERIES = [
    {"tracking_number": "00370733700000001", "shipping_method": PNL, "order_id": "1001", "weight_g": 1250,
     "dimensions": {"length": 300, "width": 200, "height": 100}},
    {"tracking_number": "00370733700000002", "shipping_method": PNL, "external_id": "1001", "weight": "800"},
    {"tracking_number": "JJD000390007812345", "shipping_method": DHL, "order_id": "1002", "weight_g": 5000,
     "dimensions": [400, 300, 200]},
    {"tracking_number": "370000000000000099", "shipping_method": "budbee-home", "order_id": "Åsa-1003"},
    ManifestEntry("00370733700000003", shipping_method="pnl-pip", order_id="1004", weight_g=450),
    {"tracking_number": "X-NO-METHOD", "order_id": "1005", "weight_g": 100},
]  # fmt: skip


@pytest.fixture
def manifest():
    return build_manifest(DELIVERIES, "Bench  3", DAY, created_at=datetime(2026, 11, 23, 17, 5))


def test_groups_counts_and_totals(manifest):
    summary = [(g.carrier, g.shipping_method, g.parcel_count, g.total_weight_g) for g in manifest.groups]
    assert summary == [
        ("Budbee", "budbee-home", 1, 0),
        ("DHL", "dhl-parcel", 1, 5000),
        ("PostNord", "pnl-mpc", 2, 2050),
        ("PostNord", "pnl-pip", 1, 450),
        ("Unknown carrier", "(no shipping method)", 1, 100),
    ]
    assert manifest.parcel_count == 6
    assert manifest.total_weight_g == 7600
    assert manifest.unweighed_count == 1
    assert manifest.carrier_counts() == {"Budbee": 1, "DHL": 1, "PostNord": 3, "Unknown carrier": 1}
    assert manifest.station == "Bench 3"
    mpc = manifest.groups[2].entries
    assert [e.order_id for e in mpc] == ["1001", "1001"]  # external_id read as the order id
    assert mpc[0].dimensions == (300, 200, 100)


def test_duplicate_tracking_numbers_counted_once():
    twice = [DELIVERIES[0], dict(DELIVERIES[0])]
    manifest = build_manifest(twice, "S", DAY)
    assert manifest.parcel_count == 1 and manifest.duplicates_dropped == ("00370733700000001",)


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"order_id": "1"}, "without a tracking number"),
        ({"tracking_number": "T1", "weight_g": "heavy"}, "weight 'heavy' is not a number"),
        ({"tracking_number": "T1", "weight_g": -5}, "must not be negative"),
        ({"tracking_number": "T1", "dimensions": "big"}, "are not length, width, height"),
        ({"tracking_number": "T1", "dimensions": [1, "x", 3]}, "not whole millimetres"),
        (["tracking_number"], "must be a mapping"),
    ],
)
def test_bad_entries_raise_clear_errors(item, fragment):
    with pytest.raises(ManifestError, match=fragment):
        build_manifest([item], "S", DAY)


def test_carrier_names():
    assert carrier_name("pnl-mpc") == "PostNord"
    assert carrier_name("bring-pickup") == "Bring"
    assert carrier_name("acme-fast") == "ACME"
    assert carrier_name(None) == "Unknown carrier"
    assert ManifestEntry("T", shipping_method="pnl-mpc", carrier="PostNord SE").carrier_name == "PostNord SE"


@pytest.mark.parametrize("width", [48, 42])
def test_lines_fit_and_carry_everything(manifest, width):
    lines = manifest_lines(manifest, width)
    for line in lines:
        assert len(line.text) <= (width // 2 if line.large else width), line.text
    text = plain_text(lines)
    for entry in manifest.entries:
        assert entry.tracking_number in text
    assert "Station: Bench 3" in text and "Date: 2026-11-23" in text and "Printed 17:05" in text
    assert "TOTAL 6 parcels" in text and "7.600 kg" in text
    assert "Order Åsa-1003" in text and "no weight" in text
    assert "1 parcel without weight" in text


def test_escpos_bytes_decode_back(manifest):
    data = manifest_escpos(manifest, paper_mm=80, barcodes=True)
    receipt = decode_receipt(data)
    assert receipt.code_pages == [2]  # CP850, the Nordic-capable page every printer has
    texts = receipt.texts
    assert texts[0] == "PICKUP MANIFEST" and receipt.lines[0].large and receipt.lines[0].bold
    assert receipt.lines[0].center
    header = next(line for line in receipt.lines if line.text.startswith("PostNord - pnl-mpc"))
    assert header.bold
    joined = "\n".join(texts)
    for entry in manifest.entries:
        assert entry.tracking_number in joined
    assert "Order Åsa-1003" in joined
    total = next(line for line in receipt.lines if line.text.startswith("TOTAL"))
    assert total.bold and total.text.endswith("7.600 kg")
    assert len(total.text) == 48
    # One Code128 (GS k 73, set B) per parcel, carrying the tracking number.
    assert receipt.barcodes == [(73, b"{B" + e.tracking_number.encode()) for e in manifest.entries]
    assert receipt.cuts == 1


def test_escpos_58mm_skips_barcodes_that_do_not_fit(manifest):
    receipt = decode_receipt(manifest_escpos(manifest, paper_mm=58, barcodes=True, cut=False))
    assert receipt.cuts == 0
    assert all(len(line.text) <= 42 for line in receipt.lines)
    # 17-18 characters at 2 dots per module need ~460 dots: more than a 384-dot head.
    assert all(len(payload) - 2 <= 12 for _, payload in receipt.barcodes)


def test_empty_manifest():
    manifest = build_manifest([], "S", DAY)
    text = plain_text(manifest_lines(manifest))
    assert "No parcels to hand over." in text and "TOTAL 0 parcels" in text
    assert list(csv.reader(io.StringIO(manifest_csv(manifest)))) == [list(CSV_COLUMNS)]


def test_csv_parses_back(manifest, tmp_path):
    rows = list(csv.DictReader(io.StringIO(manifest_csv(manifest))))
    assert len(rows) == manifest.parcel_count
    assert {r["tracking_number"] for r in rows} == {e.tracking_number for e in manifest.entries}
    first = next(r for r in rows if r["tracking_number"] == "00370733700000001")
    assert first == {
        "date": "2026-11-23", "station": "Bench 3", "carrier": "PostNord", "shipping_method": "pnl-mpc",
        "tracking_number": "00370733700000001", "order_id": "1001", "weight_g": "1250",
        "length_mm": "300", "width_mm": "200", "height_mm": "100", "lots_serials": "",
    }  # fmt: skip
    assert sum(int(r["weight_g"] or 0) for r in rows) == manifest.total_weight_g
    path = save_manifest_csv(manifest, tmp_path / "out" / "manifest.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert list(csv.DictReader(fh)) == rows
    assert [p.name for p in path.parent.iterdir()] == ["manifest.csv"]  # no temporary left behind


def test_pdf_opens_and_has_pages(manifest, tmp_path):
    data = manifest_pdf(manifest)
    pdf = pypdfium2.PdfDocument(data)
    try:
        assert len(pdf) == 1
        width, height = pdf[0].get_size()
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        bitmap = pdf[0].render(scale=0.5).to_pil().convert("L")
        assert bitmap.getextrema()[0] < 100  # something dark was drawn
    finally:
        pdf.close()
    many = build_manifest(
        [{"tracking_number": f"T{n:05d}", "shipping_method": "pnl-mpc", "weight_g": 100} for n in range(120)],
        "S",
        DAY,
    )
    path = save_manifest_pdf(many, tmp_path / "many.pdf")
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        assert len(pdf) >= 3
    finally:
        pdf.close()
