"""Label generators: each format is rendered by a real renderer and the barcode read back by zxing-cpp."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from packstation.domain import labelgen

TRACKING = "00073500000000000016"
ADDRESS_TO = {
    "name": "Sofia Lindqvist",
    "care_of": "Anna Berg",
    "address_lines": ["Storgatan 12 B", "lgh 1102"],
    "postal_code": "41118",
    "city": "Göteborg",
    "country": "SE",
}
ADDRESS_FROM = labelgen.TEST_ADDRESS_FROM


def svg_to_image(data: bytes) -> Image.Image:
    """Render like the station does: QSvgRenderer into Grayscale8 at 1 unit = 1 dot, no antialiasing."""
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(data))
    assert renderer.isValid()
    box = renderer.viewBox()
    image = QImage(box.width(), box.height(), QImage.Format.Format_Grayscale8)
    image.fill(255)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    renderer.render(painter, QRectF(0, 0, box.width(), box.height()))
    painter.end()
    buffer = io.BytesIO()
    from PySide6.QtCore import QBuffer, QIODevice

    qbuf = QBuffer()
    qbuf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(qbuf, "PNG")
    buffer.write(bytes(qbuf.data()))
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def pdf_to_image(data: bytes, dpi: int = 203) -> Image.Image:
    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) == 1
        page = document[0]
        assert (round(page.get_width()), round(page.get_height())) == (288, 432)
        return page.render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()


def png_to_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("L")


def code128_texts(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.Code128]


RENDERERS = {"svg": svg_to_image, "pdf": pdf_to_image, "png": png_to_image}


def full_label(fmt: str, **kw) -> bytes:
    return labelgen.make_label(
        fmt,
        tracking_number=TRACKING,
        address_to=ADDRESS_TO,
        address_from=ADDRESS_FROM,
        shipping_method="pnl-mpc",
        order_id="ACME10001",
        parcel_text="Parcel 2 of 3",
        **kw,
    )


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_tracking_number_reads_back(fmt, qapp):
    image = RENDERERS[fmt](full_label(fmt))
    assert image.size == (812, 1218)
    assert code128_texts(image) == [TRACKING]


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_box_tag_reads_back(fmt, qapp):
    image = RENDERERS[fmt](labelgen.make_box_tag(fmt, "BOX-000123", "ACME10001", parcel_text="Box 1"))
    assert code128_texts(image) == ["BOX-000123"]


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_test_label_reads_back(fmt, qapp):
    image = RENDERERS[fmt](labelgen.make_test_label(fmt))
    assert code128_texts(image) == [labelgen.TEST_TRACKING_NUMBER]


def test_png_at_300_dpi(qapp):
    image = png_to_image(full_label("png", dpi=300))
    assert image.size == (1200, 1800)
    assert code128_texts(image) == [TRACKING]


def test_svg_is_in_dots_with_integer_bars():
    data = full_label("svg")
    root = ET.fromstring(data)
    assert root.get("viewBox") == "0 0 812 1218"
    assert "mm" not in data.decode()
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        for attr in ("x", "y", "width", "height"):
            assert rect.get(attr).isdigit(), rect.attrib
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for expected in ("Sofia Lindqvist", "41118 Göteborg", "PNL-MPC", "ACME10001", "Parcel 2 of 3", "(00) "):
        assert expected in text


def test_barcode_modules_are_whole_dots_on_the_grid():
    layout = labelgen.shipping_label_layout(tracking_number=TRACKING)
    (barcode,) = layout.barcodes
    assert barcode.module >= 2
    for rect in barcode.rects:
        assert (rect.x - barcode.x) % barcode.module == 0
        assert rect.w % barcode.module == 0


def test_pdf_text_is_extractable():
    document = pypdfium2.PdfDocument(full_label("pdf"))
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "ACME10001" in text
    assert "Göteborg" in text


def test_zpl_has_code128_and_the_number():
    zpl = full_label("zpl").decode("utf-8")
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert "^BC" in zpl
    assert f"^FD{TRACKING}^FS" in zpl
    assert "^PW812" in zpl


def test_zpl_escapes_command_characters():
    zpl = labelgen.make_label("zpl", tracking_number="A^B~C_D", order_id="X^Y").decode()
    assert "A_5EB_7EC_5FD" in zpl
    assert "A^B" not in zpl


def test_content_types_and_bad_input():
    assert labelgen.content_type("pdf") == "application/pdf"
    with pytest.raises(labelgen.LabelError):
        labelgen.make_label("gif", tracking_number=TRACKING)
    with pytest.raises(labelgen.LabelError):
        labelgen.make_label("svg", tracking_number="")
    with pytest.raises(labelgen.LabelError):
        labelgen.make_label("svg", tracking_number="bad\ttab")
    with pytest.raises(labelgen.LabelError):
        labelgen.make_label("svg", tracking_number="X" * 200)


def test_addresses_as_objects_and_long_text_is_cut():
    class Address:
        name = "Very " * 40 + "Long Name"
        care_of = None
        address_lines = ["Kungsgatan 1"]
        postal_code = "0150"
        city = "Oslo"
        country = "NO"

    layout = labelgen.shipping_label_layout(tracking_number=TRACKING, address_to=Address())
    texts = [t.text for t in layout.texts]
    assert "0150 Oslo" in texts
    assert any(t.endswith("…") for t in texts)
