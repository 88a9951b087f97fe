"""Manifests and packing slips as PDF pages for the document printer (an A4/Letter office printer behind
an OS queue: ``cups:`` or ``win32:``).

The same ``PrintLine`` layouts the receipt printer gets (``domain.manifest.manifest_lines``,
``domain.slip.slip_lines``), set in a monospaced font with fpdf2 as real text (the PDF can be searched,
copied and read by the queue's driver at its own resolution), with each Code 128 barcode (the manifest's
tracking numbers) and QR code (the slip's order id) drawn as vector modules from zxing-cpp's symbol, so
they scan at any printer resolution. DejaVu Sans Mono (fonts-dejavu-core) carries every letter; without
it the PDF core font Courier is used and letters outside Latin-1 become "?".
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from packstation.domain.manifest import Manifest, manifest_lines
from packstation.domain.receipt import PrintLine
from packstation.domain.setting_grammars import DocumentPaper
from packstation.domain.slip import PackingSlip, slip_lines

if TYPE_CHECKING:
    from fpdf import FPDF

DEJAVU_MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
DEJAVU_MONO_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
COLUMNS = 80  # characters per line on the page (the receipt layouts are laid out to a width)
MARGIN_MM = 15.0
FONT_PT = 10.0
LARGE_PT = 18.0
LINE_MM = 4.8
MODULE_MM = 0.33  # Code 128 narrow bar: 13 mil, well inside what office printers and scanners handle
BAR_HEIGHT_MM = 12.0
QR_MODULE_MM = 1.0
QUIET_MODULES = 10  # the quiet zone either side of a Code 128 symbol


def manifest_document(manifest: Manifest, paper: DocumentPaper = DocumentPaper.A4) -> bytes:
    """The pickup manifest as a PDF, with each tracking number as a Code 128 barcode."""
    title = f"Pickup manifest {manifest.station} {manifest.day.isoformat()}"
    return lines_document(manifest_lines(manifest, COLUMNS, barcodes=True), paper=paper, title=title)


def slip_document(slip: PackingSlip, paper: DocumentPaper = DocumentPaper.A4) -> bytes:
    """The packing slip as a PDF page, with the order id as a QR code."""
    return lines_document(
        slip_lines(slip, COLUMNS, qr=True), paper=paper, title=f"Packing slip {slip.order_id}"
    )


def test_page_document(station: str, paper: DocumentPaper = DocumentPaper.A4) -> bytes:
    """The document printer's test page: words, a Code 128 and a QR code, as a manifest has them."""
    lines = [
        PrintLine("PACKSTATION TEST PAGE", bold=True, large=True, center=True),
        PrintLine(),
        PrintLine(f"Station: {station}"),
        PrintLine(f"Paper: {paper.value.upper()}. If this page and both codes below scan, documents print."),
        PrintLine(),
        PrintLine("Code 128:", barcode="PACKSTATION-TEST"),
        PrintLine("QR code:", qr="PACKSTATION-TEST"),
    ]
    return lines_document(lines, paper=paper, title="packstation test page")


def lines_document(lines: list[PrintLine], *, paper: DocumentPaper, title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4" if paper is DocumentPaper.A4 else "Letter")
    pdf.set_title(title)
    pdf.set_author("packstation")
    pdf.set_creator("packstation")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    family, unicode = _font(pdf)
    pdf.add_page()
    for line in lines:
        size = LARGE_PT if line.large else FONT_PT
        pdf.set_font(family, "B" if line.bold else "", size)
        height = LINE_MM * (size / FONT_PT)
        if line.text or not (line.barcode or line.qr):
            text = line.text if unicode else line.text.encode("latin-1", "replace").decode("latin-1")
            pdf.cell(w=0, h=height, text=text.rstrip() or " ", align="C" if line.center else "L")
            pdf.ln(height)
        if line.barcode:
            _code128(pdf, line.barcode)
        if line.qr:
            _qr(pdf, line.qr, center=line.center)
    return bytes(pdf.output())


def _font(pdf: FPDF) -> tuple[str, bool]:
    """The font family to use and whether it carries every letter (a Unicode TTF) or only Latin-1."""
    if os.path.exists(DEJAVU_MONO):
        pdf.add_font("DejaVuMono", "", DEJAVU_MONO)
        pdf.add_font("DejaVuMono", "B", DEJAVU_MONO_BOLD if os.path.exists(DEJAVU_MONO_BOLD) else DEJAVU_MONO)
        return "DejaVuMono", True
    return "Courier", False


def _modules(text: str, fmt_name: str) -> list[list[bool]]:
    """The symbol's dark modules, row by row (zxing-cpp makes it; True = dark)."""
    import zxingcpp

    fmt = getattr(zxingcpp.BarcodeFormat, fmt_name)
    view = memoryview(zxingcpp.create_barcode(text, fmt).to_image(scale=1, add_quiet_zones=False))  # type: ignore[arg-type]  # the stub has no __buffer__
    height, width = view.shape or (0, 0)
    raw = view.tobytes()
    return [[raw[y * width + x] < 128 for x in range(width)] for y in range(height)]


def _runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs, start = [], None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def _room_for(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()


def _code128(pdf: FPDF, text: str) -> None:
    row = _modules(text, "Code128")[0]  # a linear symbol: every row is the same
    _room_for(pdf, BAR_HEIGHT_MM + 2)
    x0, y0 = pdf.l_margin + QUIET_MODULES * MODULE_MM, pdf.get_y() + 1
    pdf.set_fill_color(0, 0, 0)
    for start, length in _runs(row):
        pdf.rect(x0 + start * MODULE_MM, y0, length * MODULE_MM, BAR_HEIGHT_MM, style="F")
    pdf.set_y(y0 + BAR_HEIGHT_MM + 1)


def _qr(pdf: FPDF, text: str, *, center: bool) -> None:
    rows = _modules(text, "QRCode")
    side = len(rows) * QR_MODULE_MM
    _room_for(pdf, side + 4 * QR_MODULE_MM)
    x0 = (pdf.w - side) / 2 if center else pdf.l_margin + 4 * QR_MODULE_MM
    y0 = pdf.get_y() + 4 * QR_MODULE_MM  # the quiet zone above
    pdf.set_fill_color(0, 0, 0)
    for y, row in enumerate(rows):
        for start, length in _runs(row):
            pdf.rect(
                x0 + start * QR_MODULE_MM,
                y0 + y * QR_MODULE_MM,
                length * QR_MODULE_MM,
                QR_MODULE_MM,
                style="F",
            )
    pdf.set_y(y0 + side + 4 * QR_MODULE_MM)
