"""Packing slips as ESC/POS bytes for the bench's receipt printer.

The QR code of the order id prints as a raster image by default (``GS v 0``: every ESC/POS printer prints
it, and tests read it back with zxing-cpp); ``native_qr=True`` sends the printer's own QR command
(``GS ( k``), smaller, for printers known to support it.
"""

from __future__ import annotations

from packstation.adapters.receipt_escpos import encode_receipt
from packstation.domain.receipt import columns_for_paper
from packstation.domain.slip import PackingSlip, slip_lines


def slip_escpos(
    slip: PackingSlip, *, paper_mm: int = 80, native_qr: bool = False, qr: bool = True, cut: bool = True
) -> bytes:
    lines = slip_lines(slip, columns_for_paper(paper_mm), qr=qr)
    return encode_receipt(lines, paper_mm=paper_mm, cut=cut, native_qr=native_qr)
