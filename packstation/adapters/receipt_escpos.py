"""ESC/POS bytes for receipts (manifest, packing slip) made by python-escpos against its ``Dummy`` printer.

Text goes out in code page 850 (ESC t 2), which every Epson-compatible receipt printer has and which holds
the Nordic letters (å ä ö æ ø); characters outside it print as "?". Bold and large lines use ESC E / ESC !,
Code128 barcodes the printer's own ``GS k`` (set B), QR codes either the printer's own ``GS ( k`` (native,
smaller, not on every cheap printer) or a raster image (``GS v 0``, prints everywhere; the default).
The bytes are built in memory; sending them is the printer adapters' job.
"""

from __future__ import annotations

from typing import Any

from packstation.adapters.labels.encode import ensure_escpos_env, escpos_profile_class
from packstation.domain.receipt import PrintLine

ESC_INIT = b"\x1b@"
CODE_PAGE = "CP850"
HEAD_DOTS = {80: 576, 58: 384}
DPI = 203
BARCODE_MODULE_DOTS = 2
QR_MODULE_DOTS = 6


def head_dots(paper_mm: int) -> int:
    try:
        return HEAD_DOTS[paper_mm]
    except KeyError:
        raise ValueError(f"paper width {paper_mm} mm is not supported (use 80 or 58)") from None


def code128b_fits(data: str, paper_mm: int) -> bool:
    """Whether a Code128 set-B symbol of ``data`` fits the head at 2 dots per module (with quiet zones)."""
    modules = 11 * (len(data) + 2) + 2 + 20  # start, data, check, stop (13) and two 10-module quiet zones
    return all(32 <= ord(c) < 127 for c in data) and modules * BARCODE_MODULE_DOTS <= head_dots(paper_mm)


def new_printer(paper_mm: int = 80) -> Any:  # an escpos Dummy (python-escpos has no types)
    """A python-escpos ``Dummy`` printer with a profile of the paper's real width, initialised."""
    ensure_escpos_env()
    from escpos.printer import Dummy

    profile_class = escpos_profile_class(head_dots(paper_mm), DPI)
    data: dict[str, Any] = getattr(profile_class, "profile_data")  # noqa: B009 (set by type())
    features = dict(data["features"])
    features.update({"barcodeB": True, "qrCode": True})
    printer = Dummy(profile=profile_class(features=features))
    printer._raw(ESC_INIT)
    printer.charcode(CODE_PAGE)
    return printer


def encode_receipt(
    lines: list[PrintLine], *, paper_mm: int = 80, cut: bool = True, native_qr: bool = False
) -> bytes:
    """ESC/POS bytes for the receipt lines; ends with a feed and a (full) cut when ``cut``."""
    printer = new_printer(paper_mm)
    for line in lines:
        printer.set(
            align="center" if line.center else "left",
            bold=line.bold,
            double_width=line.large,
            double_height=line.large,
            normal_textsize=not line.large,
        )
        if line.text or not (line.barcode or line.qr):
            printer.textln(line.text)
        if line.barcode:
            _barcode(printer, line.barcode, paper_mm)
        if line.qr:
            _qr(printer, line.qr, native=native_qr)
    printer.set(align="left", bold=False, normal_textsize=True)
    if cut:
        printer.cut()
    else:
        printer.ln(4)
    return printer.output


def _barcode(printer: Any, data: str, paper_mm: int) -> None:
    if not code128b_fits(data, paper_mm):
        return  # the text line above carries the number; a cut-off barcode would scan wrong or not at all
    # _hw_barcode: barcode() would print "Using hardware barcode renderer" to stdout on every call.
    printer._hw_barcode(
        "{B" + data, "CODE128", 80, BARCODE_MODULE_DOTS, "OFF", "A", True, "B", True
    )  # fmt: skip
    printer.ln()


def _qr(printer: Any, data: str, *, native: bool) -> None:
    if native:
        printer.set(align="center")
        printer.qr(data, native=True, size=QR_MODULE_DOTS)
        printer.set(align="left")
        return
    printer.qr(
        data,
        native=False,
        size=QR_MODULE_DOTS,
        image_arguments={"impl": "bitImageRaster", "center": True, "fragment_height": 960},
    )
