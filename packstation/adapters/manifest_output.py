"""The manifest as ESC/POS bytes for the receipt printer, and as CSV and PDF files.

The PDF is the receipt layout at 80 characters per line, drawn in DejaVu Sans Mono (fonts-dejavu-core)
onto A4 pages at 150 dpi with Pillow and saved with Pillow's PDF writer; without DejaVu, Pillow's own
font is used. No text layer: it is for printing and archiving, the CSV is for machines. Files are written
to a temporary name and renamed, so a crash never leaves half a file under the real name.
"""

from __future__ import annotations

import io
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.adapters.receipt_escpos import encode_receipt
from packstation.domain.manifest import Manifest, manifest_csv, manifest_lines
from packstation.domain.receipt import PrintLine

if TYPE_CHECKING:
    from PIL import Image, ImageFont

DEJAVU_DIR = "/usr/share/fonts/truetype/dejavu"
PDF_DPI = 150
A4_PIXELS = (1240, 1754)  # 210 × 297 mm at 150 dpi
PDF_MARGIN = 90
PDF_COLUMNS = 80
FONT_SIZE = 20
LARGE_FONT_SIZE = 34
LINE_GAP = 8


def manifest_escpos(
    manifest: Manifest, *, paper_mm: int = 80, barcodes: bool = False, cut: bool = True
) -> bytes:
    """The manifest for the receipt printer; ``barcodes`` adds a Code128 of each tracking number."""
    from packstation.domain.receipt import columns_for_paper

    lines = manifest_lines(manifest, columns_for_paper(paper_mm), barcodes=barcodes)
    return encode_receipt(lines, paper_mm=paper_mm, cut=cut)


@cache
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    for candidate in (name, "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"):
        path = os.path.join(DEJAVU_DIR, candidate)
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def render_pages(lines: list[PrintLine]) -> list[Image.Image]:
    """The receipt lines drawn onto A4 greyscale Pillow images, as many pages as they need."""
    from PIL import Image, ImageDraw

    width, height = A4_PIXELS
    pages: list[Image.Image] = []
    y = 0
    bottom = height - PDF_MARGIN - FONT_SIZE - LINE_GAP  # room for the page number

    def new_page() -> ImageDraw.ImageDraw:
        nonlocal y
        page = Image.new("L", A4_PIXELS, 255)
        pages.append(page)
        y = PDF_MARGIN
        return ImageDraw.Draw(page)

    draw = new_page()
    for line in lines:
        size = LARGE_FONT_SIZE if line.large else FONT_SIZE
        texts = [line.text] + ([line.barcode] if line.barcode else []) + ([line.qr] if line.qr else [])
        for text in texts:
            if y + size > bottom:
                draw = new_page()
            font = _font(size, line.bold)
            x = PDF_MARGIN
            if line.center:
                x = max(PDF_MARGIN, (width - int(draw.textlength(text, font=font))) // 2)
            draw.text((x, y), text, fill=0, font=font)
            y += size + LINE_GAP
    for number, image in enumerate(pages, start=1):
        footer = f"Page {number} of {len(pages)}"
        footer_draw = ImageDraw.Draw(image)
        font = _font(FONT_SIZE, False)
        footer_width = int(footer_draw.textlength(footer, font=font))
        footer_draw.text((width - PDF_MARGIN - footer_width, height - PDF_MARGIN), footer, fill=0, font=font)
    return pages


def manifest_pdf(manifest: Manifest) -> bytes:
    """The manifest as a PDF document (A4, one or more pages)."""
    pages = render_pages(manifest_lines(manifest, PDF_COLUMNS))
    buffer = io.BytesIO()
    first, *rest = pages
    first.save(
        buffer,
        "PDF",
        save_all=True,
        append_images=rest,
        resolution=PDF_DPI,
        title=f"Pickup manifest {manifest.station} {manifest.day.isoformat()}",
        author="packstation",
    )
    return buffer.getvalue()


def save_manifest_csv(manifest: Manifest, path: str | os.PathLike[str]) -> Path:
    """Write the CSV (UTF-8 with BOM, so spreadsheet programs read å/ä/ö right). Returns the path."""
    return _write_atomic(Path(path), manifest_csv(manifest).encode("utf-8-sig"))


def save_manifest_pdf(manifest: Manifest, path: str | os.PathLike[str]) -> Path:
    return _write_atomic(Path(path), manifest_pdf(manifest))


def _write_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
