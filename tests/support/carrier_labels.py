"""Carrier-shaped test labels made on the spot (nothing copied): a 4-inch label with Code 128, Code 39,
ITF and PDF417 barcodes and a black corner mark at its top left, drawn as a picture (Pillow) at any dpi
or as vector bars on a PDF page (fpdf2): on an A4 page in the top-left quarter, or laid sideways on a
landscape page, turned either way."""

from __future__ import annotations

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Element:
    fmt: str  # a zxingcpp.BarcodeFormat name
    text: str
    x_in: float  # top left, inches from the label's top left
    y_in: float
    module_in: float  # narrow bar / module width
    height_in: float  # bar height (linear) or row height factor ignored for matrix codes


BARCODES = (
    Element("Code128", "00373500000000000017", 0.25, 0.5, 0.0148, 1.0),  # 3 dots at 203 dpi
    Element("Code39", "PKG39ABC", 0.25, 1.9, 0.0130, 0.7),
    Element("ITF", "00123456789012", 0.25, 2.9, 0.0148, 0.7),
    Element("PDF417", "ROUTE 4711 SE-12345 STOCKHOLM", 0.25, 3.9, 0.0130, 0.9),
)
TEXTS = [e.text for e in BARCODES]
MARK_IN = 0.3  # the black square at the label's top left, to tell upright from turned


def matrix(element: Element) -> Image.Image:
    """The symbol at one pixel per module, "L" (0 = black)."""
    symbol = zxingcpp.create_barcode(element.text, getattr(zxingcpp.BarcodeFormat, element.fmt))
    view = memoryview(symbol.to_image(scale=1, add_quiet_zones=False, add_hrt=False))
    return Image.frombuffer("L", (view.shape[1], view.shape[0]), bytes(view), "raw", "L", 0, 1)


def _runs(row: list[int]) -> list[tuple[int, int]]:
    """(start, length) of each black run in a row of grey values."""
    runs, start = [], None
    for i, value in enumerate([*row, 255]):
        if value < 128 and start is None:
            start = i
        elif value >= 128 and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def picture(dpi: int, width_in: float = 4.0, height_in: float = 6.0) -> Image.Image:
    """The label as a grey picture at ``dpi``."""
    image = Image.new("L", (round(width_in * dpi), round(height_in * dpi)), 255)
    draw = ImageDraw.Draw(image)
    mark = round(MARK_IN * dpi)
    draw.rectangle((0, 0, mark - 1, mark - 1), fill=0)
    draw.rectangle((0, 0, image.width - 1, image.height - 1), outline=0, width=max(2, dpi // 60))
    draw.text((round(0.5 * dpi), round(0.1 * dpi)), "PACKSTATION TEST", fill=0)
    for element in BARCODES:
        m = matrix(element)
        module = max(1, round(element.module_in * dpi))
        x0, y0 = round(element.x_in * dpi), round(element.y_in * dpi)
        if element.fmt == "PDF417":
            rows = max(1, round(element.height_in * dpi / m.height))
            image.paste(m.resize((m.width * module, m.height * rows), Image.Resampling.NEAREST), (x0, y0))
            continue
        height = round(element.height_in * dpi)
        for start, length in _runs(list(m.crop((0, 0, m.width, 1)).tobytes())):
            draw.rectangle(
                (x0 + start * module, y0, x0 + (start + length) * module - 1, y0 + height - 1), fill=0
            )
    return image


def png_bytes(image: Image.Image, dpi: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _draw_on_pdf(pdf: object, x_mm: float, y_mm: float, scale: float = 1.0) -> None:
    """The label in vector form with its top left at (x_mm, y_mm) of the current page (mm units),
    drawn at ``scale`` of its size."""
    inch = 25.4 * scale
    pdf.set_fill_color(0)  # type: ignore[attr-defined]
    pdf.rect(x_mm, y_mm, MARK_IN * inch, MARK_IN * inch, style="F")  # type: ignore[attr-defined]
    pdf.set_line_width(0.5)  # type: ignore[attr-defined]
    pdf.rect(x_mm, y_mm, 4 * inch, 6 * inch)  # type: ignore[attr-defined]
    pdf.set_font("helvetica", size=10 * scale)  # type: ignore[attr-defined]
    pdf.text(x_mm + 0.5 * inch, y_mm + 0.25 * inch, "PACKSTATION TEST")  # type: ignore[attr-defined]
    for element in BARCODES:
        m = matrix(element)
        module = element.module_in * inch
        left, top = x_mm + element.x_in * inch, y_mm + element.y_in * inch
        if element.fmt == "PDF417":
            row = element.height_in * inch / m.height
            pixels = m.load()
            for y in range(m.height):
                for start, length in _runs([pixels[x, y] for x in range(m.width)]):
                    pdf.rect(left + start * module, top + y * row, length * module, row, style="F")  # type: ignore[attr-defined]
            continue
        for start, length in _runs(list(m.crop((0, 0, m.width, 1)).tobytes())):
            pdf.rect(left + start * module, top, length * module, element.height_in * inch, style="F")  # type: ignore[attr-defined]


def a4_pdf_top_left_quarter() -> bytes:
    """An A4 page (portrait) with the 4x6 label in its top-left quarter (drawn at 90%: 4x6 in is a
    little larger than a quarter of A4), the rest of the page white."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    _draw_on_pdf(pdf, 5, 5, scale=0.9)
    return bytes(pdf.output())


def landscape_pdf(turn_ccw: int) -> bytes:
    """A 6x4 in landscape page with the portrait 4x6 label laid on it turned ``turn_ccw`` degrees
    counter-clockwise (90: its top points left; 270: its top points right)."""
    from fpdf import FPDF

    inch = 25.4
    pdf = FPDF(orientation="L", unit="mm", format=(4 * inch, 6 * inch))
    pdf.add_page()
    cx, cy = 3 * inch, 2 * inch
    with pdf.rotation(turn_ccw, x=cx, y=cy):
        _draw_on_pdf(pdf, cx - 2 * inch, cy - 3 * inch)
    return bytes(pdf.output())
