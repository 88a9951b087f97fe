"""Barcode-safe fitting (issue 13 item 2) on the raster shapes carriers send: every barcode reads back
from the decoded ESC/POS bytes at 576 and 832 dots, and the print is upright (its barcodes read at 0
degrees and the label's top-left corner mark is at the top left)."""

from __future__ import annotations

from collections import Counter

import pytest
import zxingcpp
from PIL import Image

from packstation.adapters.labels import LabelError, LabelPipeline, Target, fitting
from packstation.adapters.labels.raster import mono_to_pil
from tests.support import carrier_labels
from tests.support.escpos_decode import decode_escpos

SHAPES = {
    "a4_pdf_label_in_top_left_quarter": lambda: carrier_labels.a4_pdf_top_left_quarter(),
    "landscape_pdf_label_turned_90": lambda: carrier_labels.landscape_pdf(90),
    "landscape_pdf_label_turned_270": lambda: carrier_labels.landscape_pdf(270),
    "png_300_dpi": lambda: carrier_labels.png_bytes(carrier_labels.picture(300), 300),
    "png_taller_than_6_inches": lambda: carrier_labels.png_bytes(carrier_labels.picture(203, 4, 8), 203),
}


def printed(data: bytes, width: int) -> Image.Image:
    payload = LabelPipeline().prepare(
        data, target=Target(width=width), tracking_number="00373500000000000017"
    )
    [page] = decode_escpos(payload.data).pages
    assert page.width == width
    return mono_to_pil(page).convert("L")


def black_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    region = image.crop(box)
    return sum(1 for v in region.tobytes() if v < 128) / (region.width * region.height)


@pytest.mark.parametrize("width", [576, 832])
@pytest.mark.parametrize("shape", SHAPES)
def test_every_barcode_reads_back_and_the_print_is_upright(shape, width):
    page = printed(SHAPES[shape](), width)
    results = zxingcpp.read_barcodes(page)
    assert Counter(r.text for r in results) == Counter(carrier_labels.TEXTS)
    assert {int(r.orientation) for r in results} == {0}
    ink = fitting.ink_box(page)
    assert ink is not None
    left, top, right, bottom = ink
    corner = round(carrier_labels.MARK_IN * 0.6 * (right - left) / 4.0)  # inside the mark at any scale
    assert black_share(page, (left, top, left + corner, top + corner)) > 0.9  # the mark: top left
    for box in (
        (right - corner, top, right, top + corner),
        (left, bottom - corner, left + corner, bottom),
        (right - corner, bottom - corner, right, bottom),
    ):
        assert black_share(page, box) < 0.5


@pytest.mark.parametrize("width", [576, 832])
def test_a4_page_prints_the_label_as_large_as_the_head_allows(width):
    """The label in one quarter of an A4 page prints at its own size (3.6 in wide) where the head is
    wider, and fills a narrower head, instead of coming out at a third of its size."""
    page = printed(carrier_labels.a4_pdf_top_left_quarter(), width)
    left, _, right, _ = fitting.ink_box(page)
    assert right - left >= 0.95 * min(width, 3.6 * 203)


def test_a_4x6_label_at_203_dpi_on_an_832_dot_head_is_not_redrawn():
    """At a whole scale the bars are already whole dots: the picture is printed dot for dot."""
    source = carrier_labels.picture(203).point(lambda v: 0 if v < 128 else 255)
    payload = LabelPipeline().prepare(carrier_labels.png_bytes(source, 203), target=Target(width=832))
    [page] = payload.images
    offset = (832 - source.width) // 2
    assert mono_to_pil(page).convert("L").crop(
        (offset, 0, offset + source.width, source.height)
    ).tobytes() == (source.tobytes())


def test_upright_turn_follows_most_barcode_area():
    def found(orientation: int, size: float) -> fitting.Found:
        corners = ((0.0, 0.0), (size, 0.0), (size, size), (0.0, size))
        return fitting.Found("Code128", "X", False, corners, orientation, "X")

    assert fitting.upright_turn([]) == 0
    assert fitting.upright_turn([found(90, 100)]) == 270  # lying clockwise: turned back anticlockwise
    assert fitting.upright_turn([found(270, 100)]) == 90
    assert fitting.upright_turn([found(0, 10), found(180, 100)]) == 180


def test_a_barcode_too_wide_for_the_head_is_refused_in_words():
    """A Code 128 of 90 letters needs more dots than a 576-dot head has even at one dot a bar."""
    text = "".join(chr(65 + i % 26) for i in range(90))
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    view = memoryview(symbol.to_image(scale=1, add_quiet_zones=True, add_hrt=False))
    bars = Image.frombuffer("L", (view.shape[1], view.shape[0]), bytes(view), "raw", "L", 0, 1)
    label = Image.new("L", (bars.width + 40, 2 * (bars.width + 40)), 255)  # portrait: not turned
    label.paste(bars.resize((bars.width, 300)), (20, 20))
    with pytest.raises(LabelError, match="cannot print scannable on this printer"):
        LabelPipeline().prepare(carrier_labels.png_bytes(label, 300), target=Target(width=576))


@pytest.mark.parametrize("width", [576, 832])
@pytest.mark.parametrize("turn", [90, 270])
def test_a_landscape_svg_with_the_label_laid_sideways_prints_upright(qapp, turn, width):
    import base64

    from packstation.gui.raster import QtSvgRasterizer

    sideways = carrier_labels.picture(300).rotate(turn, expand=True)  # 6x4 in, the label's top to one side
    href = "data:image/png;base64," + base64.b64encode(carrier_labels.png_bytes(sideways, 300)).decode()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="6in" height="4in" viewBox="0 0 1800 1200">'
        f'<image href="{href}" x="0" y="0" width="1800" height="1200"/></svg>'
    ).encode()
    payload = LabelPipeline(QtSvgRasterizer()).prepare(svg, target=Target(width=width))
    [page] = decode_escpos(payload.data).pages
    results = zxingcpp.read_barcodes(mono_to_pil(page).convert("L"))
    assert Counter(r.text for r in results) == Counter(carrier_labels.TEXTS)
    assert {int(r.orientation) for r in results} == {0}
