"""`packstation print-commands`: the sheet of command and box-type barcodes, printed through the print
queue into a file printer (ESC/POS bytes decoded back, every barcode read with zxing-cpp), as ZPL, and
written to PNG/SVG/PDF files."""

from __future__ import annotations

import re

import pytest
import zxingcpp
from PIL import Image

from packstation import cli
from packstation.domain.commands_sheet import command_sheet
from tests.support.escpos_decode import decode_escpos, read_barcodes

EXPECTED = [entry.barcode for entry in command_sheet()]


def test_sheet_has_the_commands_and_box_types():
    assert EXPECTED[:7] == [
        "CMD:CLOSE-BOX",
        "CMD:NEW-BOX",
        "CMD:REPRINT",
        "CMD:VOID-BOX",
        "CMD:PARK",
        "CMD:CANCEL",
        "CMD:PACK-EXTRA",
    ]
    assert EXPECTED[7:] == ["BOX:S", "BOX:M", "BOX:L"]


@pytest.mark.parametrize(
    ("query", "width", "dpi"), [("", 576, 203), ("?width=832", 832, 203), ("?dpi=300&width=1200", 1200, 300)]
)
def test_printed_sheet_reads_back_every_command(tmp_path, capsys, query, width, dpi):
    out = tmp_path / "printer.bin"
    assert cli.main(["print-commands", "--printer", f"file:{out}{query}"]) == 0
    assert "10 codes on 2 labels" in capsys.readouterr().out

    pages = decode_escpos(out.read_bytes()).pages
    assert [(p.width, p.height) for p in pages] == [(width, 6 * dpi)] * 2  # laid out in the head's dots
    assert [code for page in pages for code in read_barcodes(page)] == EXPECTED


def test_zpl_printer_gets_zpl_with_native_barcodes(tmp_path):
    out = tmp_path / "printer.zpl"
    assert cli.main(["print-commands", "--printer", f"file:{out}?lang=zpl&width=832"]) == 0
    zpl = out.read_text(encoding="utf-8")
    assert zpl.count("^XA") == 2
    assert zpl.count("^BCN") == len(EXPECTED)
    for code in EXPECTED:
        assert f"^FD{code}^FS" in zpl


def test_output_png_is_one_long_image_with_every_code(tmp_path, capsys):
    path = tmp_path / "sheet.png"
    assert cli.main(["print-commands", "--output", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    image = Image.open(path)
    assert image.size == (812, 2 * 1218)
    found = sorted(zxingcpp.read_barcodes(image), key=lambda r: r.position.top_left.y)
    assert [r.text for r in found] == EXPECTED


def test_output_svg_renders_to_every_code(tmp_path, qapp):
    from packstation.gui.raster import QtSvgRasterizer
    from tests.support.escpos_decode import to_pil

    path = tmp_path / "sheet.svg"
    assert cli.main(["print-commands", "--output", str(path)]) == 0
    svg = path.read_bytes()
    assert b'viewBox="0 0 812 2436"' in svg and b'width="4.0000in"' in svg
    image = to_pil(QtSvgRasterizer()(svg, 812, 2436))
    found = sorted(zxingcpp.read_barcodes(image), key=lambda r: r.position.top_left.y)
    assert [r.text for r in found] == EXPECTED


def test_output_pdf_has_one_4x6_page_per_label(tmp_path):
    import pypdfium2

    path = tmp_path / "sheet.pdf"
    assert cli.main(["print-commands", "--output", str(path)]) == 0
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        assert len(document) == 2
        codes = []
        for page in document:
            assert tuple(round(v) for v in page.get_size()) == (288, 432)
            bitmap = page.render(scale=203 / 72, grayscale=True)
            image = bitmap.to_pil()
            found = sorted(zxingcpp.read_barcodes(image), key=lambda r: r.position.top_left.y)
            codes += [r.text for r in found]
    finally:
        document.close()
    assert codes == EXPECTED


def test_unknown_output_format_is_one_clear_line(tmp_path, capsys):
    assert cli.main(["print-commands", "--output", str(tmp_path / "sheet.txt")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "packstation: cannot write sheet.txt: use a file name ending in .png, .svg or .pdf"


def test_unwritable_output_is_one_clear_line(tmp_path, capsys):
    assert cli.main(["print-commands", "--output", str(tmp_path / "missing" / "sheet.png")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("packstation: cannot write")


def test_bad_printer_uri_is_one_clear_line(capsys):
    assert cli.main(["print-commands", "--printer", "lpt1:"]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_unreachable_printer_fails_with_exit_1(tmp_path, capsys):
    assert cli.main(["print-commands", "--printer", f"file:{tmp_path / 'no-such-dir' / 'p.bin'}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "printing the command sheet" in err[0]


def test_demo_sheet_reads_back_as_pick_lists_products_a_case_and_gs1_items(tmp_path, capsys):
    from packstation.emulator.demo import demo_sheet

    path = tmp_path / "demo.png"
    assert cli.main(["print-commands", "--demo", "--output", str(path)]) == 0
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(path))]  # GS1: "(01)...(17)..." text
    rows = demo_sheet()
    assert sorted(found) == sorted([*EXPECTED, *(entry.barcode for entry in rows)])


# -- the demo's product symbols are the real ones, and scan to the catalogue items they stand for ---

SYMBOL_FORMATS = {
    "ean13": (zxingcpp.BarcodeFormat.EAN13, "]E0", zxingcpp.ContentType.Text),
    "itf14": (zxingcpp.BarcodeFormat.ITF, "]I1", zxingcpp.ContentType.Text),
    "gs1-128": (zxingcpp.BarcodeFormat.Code128, "]C1", zxingcpp.ContentType.GS1),
    "gs1-datamatrix": (zxingcpp.BarcodeFormat.DataMatrix, "]d2", zxingcpp.ContentType.GS1),
}


def printed_pages(tmp_path, printer: str) -> list:
    """The demo sheet printed through the print queue to a file printer, as the pages it printed."""
    from packstation.adapters.labels.zpl import render_zpl

    out = tmp_path / "printer.bin"
    assert cli.main(["print-commands", "--demo", "--printer", f"file:{out}{printer}"]) == 0
    if "lang=zpl" in printer:
        return list(render_zpl(out.read_bytes(), dpi=203).images)  # our renderer, as the preview
    return decode_escpos(out.read_bytes()).pages


def scans_as_a_scanner_sends_them(pages) -> list:
    """Every symbol on the pages, top to bottom, page by page: what a scanner with AIM prefixes on
    sends (symbology identifier, then the data with GS between GS1 fields)."""
    from tests.support.escpos_decode import to_pil

    found = []
    for page in pages:
        results = zxingcpp.read_barcodes(to_pil(page), text_mode=zxingcpp.TextMode.Plain)
        found += sorted(results, key=lambda r: r.position.top_left.y)
    return found


@pytest.mark.parametrize("printer", ["", "?width=832", "?lang=zpl&width=832"])
def test_demo_sheet_prints_real_product_symbols_that_scan_to_their_catalogue_items(tmp_path, printer):
    """EAN-13s, the ITF-14 case code, GS1-128 and GS1 DataMatrix (not Code 128 look-alikes): each reads
    back as its symbology, and its scan, parsed by the station, finds the catalogue item it is for."""
    from datetime import date

    from packstation.domain.catalogue import CatalogueEntry, ItemCatalogue
    from packstation.domain.commands_sheet import Symbology
    from packstation.domain.scans import ScanKind, classify
    from packstation.emulator.demo import demo_catalogue, demo_sheet

    catalogue = ItemCatalogue(CatalogueEntry(**row) for row in demo_catalogue())
    entries = [*command_sheet(), *demo_sheet()]
    found = scans_as_a_scanner_sends_them(printed_pages(tmp_path, printer))
    assert len(found) == len(entries)
    products = [(entry, result) for entry, result in zip(entries, found, strict=True) if entry.sku]
    assert {entry.symbology for entry, _ in products} == set(Symbology) - {Symbology.CODE128}
    for entry, result in zip(entries, found, strict=True):
        if not entry.sku:  # commands, box types, pick lists: plain Code 128
            assert (result.format, result.text) == (zxingcpp.BarcodeFormat.Code128, entry.barcode)
            continue
        fmt, aim, content = SYMBOL_FORMATS[entry.symbology.value]
        assert (result.format, result.symbology_identifier, result.content_type) == (fmt, aim, content)
        scan = classify(result.symbology_identifier + result.text)
        assert scan.kind is (ScanKind.ITEM if entry.symbology.gs1 else ScanKind.CODE), scan
        item = catalogue.entry(scan.value)
        assert item is not None and item.sku == entry.sku, (entry, scan)
        if entry.symbology is Symbology.ITF14:
            assert item.units == 4  # the case pack
        if entry.symbology.gs1:
            gtin, yy, mm, dd, lot = re.match(
                r"\(01\)(\d{14})\(17\)(\d\d)(\d\d)(\d\d)\(10\)(\w+)", entry.barcode
            ).groups()
            assert scan.item is not None and (scan.item.gtin, scan.item.lot) == (gtin, lot)
            assert scan.item.expiry == date(2000 + int(yy), int(mm), int(dd))
        if entry.symbology is Symbology.GS1_DATAMATRIX:
            assert "\x1d21" + scan.item.serial in result.text  # FNC1 after the lot, then the serial
            assert f"(21){scan.item.serial}" in entry.barcode
    scanned = [classify(result.symbology_identifier + result.text) for result in found]
    serials = {scan.item.serial for scan in scanned if scan.item and scan.item.serial}
    assert serials == {"W0001", "W0002", "W0003"}
