"""Rendering for a raster head: size, rotation, centring, threshold without dithering, whole-dot bars."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from packstation.adapters.labels import LabelPipeline, Target
from packstation.adapters.labels.raster import Head, mono_to_pil, plan_fit
from packstation.domain import labelgen
from packstation.domain.raster import MonoImage
from tests.support.escpos_decode import decode_escpos, read_barcodes


def png(image: Image.Image, dpi: int | None = None) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return buffer.getvalue()


def runs(row: list[bool]) -> list[tuple[bool, int]]:
    out: list[tuple[bool, int]] = []
    for value in row:
        if out and out[-1][0] == value:
            out[-1] = (value, out[-1][1] + 1)
        else:
            out.append((value, 1))
    return out


def row_of(image: MonoImage, y: int) -> list[bool]:
    return [image.is_black(x, y) for x in range(image.width)]


def test_mono_image_validates_and_reads_bits():
    image = MonoImage(10, 2, bytes([0b1000_0000, 0b0100_0000, 0, 0]))
    assert image.row_bytes == 2
    assert image.is_black(0, 0) and image.is_black(9, 0) and not image.is_black(1, 0)
    assert image.black_dots() == 2
    with pytest.raises(ValueError, match="needs 4 bytes"):
        MonoImage(10, 2, b"\x00")
    with pytest.raises(IndexError):
        image.is_black(10, 0)


@pytest.mark.parametrize(
    ("natural", "head", "expected"),
    [
        ((812, 1218), 832, (False, 812, 1218)),  # 4x6 on a 4-inch head: natural size
        ((812, 1218), 576, (False, 576, 864)),  # 4x6 on 80 mm: scaled to fit
        ((1218, 812), 832, (True, 1218, 812)),  # 6x4 landscape on a 4-inch head: turned, natural size
        ((406, 203), 576, (False, 406, 203)),  # small landscape label fits as it is
    ],
)
def test_plan_fit(natural, head, expected):
    fit = plan_fit(*natural, Head(head))
    assert (fit.rotate, fit.width, fit.height) == expected


def test_landscape_label_is_rotated_onto_the_head():
    from tests.support.carrier_labels import landscape_pdf

    # a 6x4 in landscape page with a 4x6 label laid on it sideways (the page's ink reaches its edges:
    # since issue 13 a page is cropped to its ink first)
    [page] = LabelPipeline().prepare(landscape_pdf(90), target=Target(width=832)).images
    assert (page.width, page.height) == (832, 1218)


def test_no_dithering_grey_becomes_solid():
    grey = Image.new("L", (200, 100), 255)
    grey.paste(100, (0, 0, 100, 100))  # dark grey -> all black
    grey.paste(160, (100, 0, 199, 100))  # light grey -> all white
    grey.paste(0, (199, 0, 200, 100))  # a black edge keeps the picture whole (labels are cropped to ink)
    [page] = LabelPipeline().prepare(png(grey), target=Target(width=576)).images
    left = (576 - 200) // 2
    for y in (0, 50, 99):
        assert all(page.is_black(x, y) for x in range(left, left + 100))
        assert not any(page.is_black(x, y) for x in range(left + 100, left + 199))


def test_label_is_centred_by_padding():
    image = Image.new("L", (100, 10), 0)
    [page] = LabelPipeline().prepare(png(image), target=Target(width=576)).images
    assert page.width == 576
    assert runs(row_of(page, 5)) == [(False, 238), (True, 100), (False, 238)]


def test_transparent_png_prints_white_not_black():
    image = Image.new("RGBA", (64, 8), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (0, 0, 8, 8))  # one opaque black square (an all-white label is refused)
    [page] = LabelPipeline().prepare(png(image), target=Target(width=576)).images
    assert page.black_dots() == 64  # the square only: transparent pixels are paper


def test_low_resolution_png_is_scaled_by_a_whole_factor():
    bars = Image.new("L", (203, 50), 255)
    for x in range(10, 190, 9):  # 3-pixel bars, 6-pixel gaps
        bars.paste(0, (x, 0, x + 3, 50))
    [page] = LabelPipeline().prepare(png(bars, dpi=101), target=Target(width=576)).images
    widths = [length for black, length in runs(row_of(page, 20)) if black]
    assert widths and set(widths) == {6}  # 2x exactly: every bar 6 dots


def test_svg_barcode_bars_are_whole_modules(qapp):
    from packstation.gui.raster import QtSvgRasterizer

    pipeline = LabelPipeline(QtSvgRasterizer())
    payload = pipeline.prepare(labelgen.make_test_label("svg"), target=Target(width=832))
    [page] = payload.images
    layout = labelgen.shipping_label_layout(tracking_number=labelgen.TEST_TRACKING_NUMBER)
    [barcode] = layout.barcodes
    y = barcode.y + barcode.height // 2
    offset = (832 - 812) // 2
    row = row_of(page, y)[offset + barcode.x : offset + barcode.x + barcode.rects[-1].x + barcode.rects[-1].w]
    assert all(length % barcode.module == 0 for _, length in runs(row))
    assert read_barcodes(page) == [labelgen.TEST_TRACKING_NUMBER]


def test_escpos_stream_uses_raster_bands_and_cuts_after_each_page():
    payload = LabelPipeline().prepare(labelgen.make_test_label("png"), target=Target(width=832))
    stream = decode_escpos(payload.data)
    assert stream.commands[0] == "init"
    assert stream.commands.count("raster") == 5  # 1218 rows in bands of 256
    assert stream.cuts == 1
    assert b"\x1d(L" not in payload.data  # never the 'graphics' implementation
    [page] = stream.pages
    assert mono_to_pil(page).tobytes() == mono_to_pil(payload.images[0]).tobytes()


def test_preview_target_renders_without_encoding():
    payload = LabelPipeline().prepare(labelgen.make_test_label("pdf"), target=Target(preview=True))
    assert payload.data == b""
    assert payload.preview.images and payload.preview.label_format == "pdf"
    zpl = LabelPipeline().prepare(labelgen.make_test_label("zpl"), target=Target(preview=True))
    assert zpl.preview.zpl.startswith("^XA")
