"""Reading an SVG label's barcodes on its own grid (issue 18): an SVG whose every shape sits on whole
units is read at whole pixels per unit (the station's own labels: at their own size, not redrawn at
twice it), and still every barcode on it is found and printed on whole dots: small ones, second ones,
large ones, fine ones (those make the fitting draw the grid finer), and labels off any grid (drawn at
twice the head's resolution, as before)."""

from __future__ import annotations

from collections import Counter

import pytest
import zxingcpp
from PIL import Image

from packstation.adapters.labels import LabelError, LabelPipeline, Target, fitting, safety, svg_grid
from packstation.adapters.labels.raster import mono_to_pil
from packstation.domain import labelgen
from tests.support.escpos_decode import decode_escpos

TRACKING = "00373500000000000017"


def modules(fmt: str, text: str) -> Image.Image:
    """The symbol at one pixel per module, "L" (0 = black)."""
    symbol = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
    view = memoryview(symbol.to_image(scale=1, add_quiet_zones=False, add_hrt=False))
    return Image.frombuffer("L", (view.shape[1], view.shape[0]), bytes(view), "raw", "L", 0, 1)


def bars(fmt: str, text: str, x: float, y: float, module: float, height: float | None = None) -> str:
    """The symbol as SVG rects, one per run of black modules in each row (linear codes: one row
    stretched to ``height``), its top left at (x, y), ``module`` units per module."""
    picture = modules(fmt, text)
    pixels = picture.load()
    rows = 1 if height is not None else picture.height
    row_height = height if height is not None else module
    rects = []
    for row in range(rows):
        column = 0
        while column < picture.width:
            if pixels[column, row] >= 128:
                column += 1
                continue
            start = column
            while column < picture.width and pixels[column, row] < 128:
                column += 1
            rects.append(
                f'<rect x="{x + start * module:g}" y="{y + row * row_height:g}" '
                f'width="{(column - start) * module:g}" height="{row_height:g}"/>'
            )
    return "".join(rects)


def svg(*shapes: str, units_per_inch: int = 203) -> bytes:
    width, height = 4 * units_per_inch, 6 * units_per_inch
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="4in" height="6in" viewBox="0 0 {width} {height}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>'
        f'<g fill="#000">{"".join(shapes)}'
        f'<text x="24" y="60" font-size="30" font-family="DejaVu Sans">TEST LABEL</text></g></svg>'
    ).encode()


class Recording:
    """The Qt rasteriser, noting the size of every drawing it makes."""

    def __init__(self) -> None:
        from packstation.gui.raster import QtSvgRasterizer

        self.inner = QtSvgRasterizer()
        self.sizes: list[tuple[int, int]] = []

    def __call__(self, data: bytes, width: int, height: int):  # type: ignore[no-untyped-def]
        self.sizes.append((width, height))
        return self.inner(data, width, height)


def printed_barcodes(data: bytes, width: int, rasterizer: Recording) -> Counter[str]:
    payload = LabelPipeline(rasterizer).prepare(data, target=Target(width=width), tracking_number=TRACKING)
    [page] = decode_escpos(payload.data).pages
    assert page.width == width
    results = zxingcpp.read_barcodes(mono_to_pil(page).convert("L"))
    assert {int(r.orientation) for r in results} <= {0}
    return Counter(r.text for r in results)


def grid_of(data: bytes) -> svg_grid.Grid | None:
    info = safety.check_svg(data)
    assert info.root is not None
    return svg_grid.analysis_grid(info.root, info.width_in, info.height_in)


def test_the_stations_own_label_is_read_at_its_own_size_and_its_barcode_printed_on_whole_dots(qapp):
    data = labelgen.make_label("svg", tracking_number=TRACKING, order_id="GRID1")
    assert grid_of(data) == svg_grid.Grid(203, False)  # drawn in dots, its narrowest bar 4 dots
    rasterizer = Recording()
    assert printed_barcodes(data, 576, rasterizer) == Counter([TRACKING])
    # read on a drawing at its own size (was 1624x2436), then drawn for the 576-dot head
    assert rasterizer.sizes == [(812, 1218), (576, 864)]


@pytest.fixture
def read_on_analysis(monkeypatch):
    """The texts of the barcodes the fitting found on its analysis drawing."""
    texts: list[str] = []
    real = fitting.find_barcodes

    def spying(image):  # type: ignore[no-untyped-def]
        found = real(image)
        texts.extend(barcode.text for barcode in found)
        return found

    monkeypatch.setattr(fitting, "find_barcodes", spying)
    return texts


def test_a_small_second_barcode_and_a_large_one_are_found_on_the_grid(qapp, read_on_analysis):
    """Beside the tracking barcode: a small Data Matrix (3 dots a module), a smaller one (2 dots a
    module: found, but one dot a module once scaled, too small for zxing-cpp to read back), a small
    Code 128 (2 dots a bar) and a large QR code (12 dots a module): all found and redrawn."""
    data = svg(
        bars("Code128", TRACKING, 100, 780, 3, height=200),
        bars("DataMatrix", "PARCEL 7 OF 9", 620, 120, 3),
        bars("DataMatrix", "SMALL 2", 720, 120, 2),
        bars("Code128", "R12345", 100, 1050, 2, height=80),
        bars("QRCode", "SE-12345", 500, 300, 12),
    )
    assert grid_of(data) == svg_grid.Grid(203, False)
    rasterizer = Recording()
    found = printed_barcodes(data, 576, rasterizer)
    assert Counter(read_on_analysis) == Counter([TRACKING, "PARCEL 7 OF 9", "SMALL 2", "R12345", "SE-12345"])
    assert found == Counter([TRACKING, "PARCEL 7 OF 9", "R12345", "SE-12345"])
    assert rasterizer.sizes[0] == (812, 1218)


def test_one_dot_modules_make_the_grid_drawn_at_two_pixels_a_unit(qapp):
    """zxing-cpp needs two pixels a module: a Data Matrix of one dot a module is read on the grid
    drawn twice as fine, and drawn again on whole dots (one a module, the least a head can do)."""
    data = svg(bars("Code128", TRACKING, 100, 780, 3, height=200), bars("DataMatrix", "TINY 1", 620, 120, 1))
    assert grid_of(data) == svg_grid.Grid(203, True)
    rasterizer = Recording()
    payload = LabelPipeline(rasterizer).prepare(data, target=Target(width=576), tracking_number=TRACKING)
    assert rasterizer.sizes[0] == (1624, 2436)
    assert any("DataMatrix barcode 'TINY 1' is printed wider" in note for note in payload.warnings)


def test_a_label_off_any_grid_is_read_at_twice_the_heads_resolution(qapp):
    """Bars made for a 300 dpi printer (1.35 dots a module here, between dots) do not read on a
    drawing at the head's resolution: such a label is read on the finer drawing, as before."""
    data = svg(
        bars("Code128", TRACKING, 100.3, 780, 2 * 203 / 300, height=200),
        bars("PDF417", "ROUTE 4711 SE-12345", 100.3, 1020, 2 * 203 / 300),
    )
    assert grid_of(data) is None
    rasterizer = Recording()
    assert printed_barcodes(data, 576, rasterizer) == Counter([TRACKING, "ROUTE 4711 SE-12345"])
    assert rasterizer.sizes[0] == (1624, 2436)


def test_a_barcode_too_wide_for_the_head_is_still_refused_in_words(qapp):
    text = "".join(chr(65 + i % 26) for i in range(60))
    data = svg(bars("Code128", text, 10, 780, 1, height=200))
    with pytest.raises(LabelError, match="cannot print scannable on this printer"):
        LabelPipeline(Recording()).prepare(data, target=Target(width=576), tracking_number=TRACKING)


@pytest.mark.parametrize(
    "shape",
    [
        '<rect x="10.5" y="10" width="4" height="40"/>',  # between units
        '<rect x="10" y="10" width="4" height="40" rx="1"/>',  # rounded corners
        '<rect x="10" y="10" width="4" height="40" transform="rotate(3)"/>',
        '<g transform="scale(1.5)"><rect x="10" y="10" width="4" height="40"/></g>',
        '<rect x="10" y="10" width="4" height="40" stroke="#000"/>',
        '<rect x="10" y="10" width="4" height="40" style="stroke: black"/>',
        '<path d="M10 10 C 20 20 30 30 40 40 Z"/>',  # a curve
        '<path d="M10 10 h4.5 v40 z"/>',
        '<polygon points="10,10 14,10 20,50"/>',  # a slanted side between whole points
        '<path d="M10 10 L14 10 L14 50"/>',  # closed by the fill: slanted back to the start
        '<line x1="10" y1="10" x2="10" y2="50" stroke-width="2"/>',
        '<circle cx="40" cy="40" r="10"/>',
        '<use href="#a"/>',
        '<image href="data:image/png;base64," x="0" y="0" width="10" height="10"/>',
        '<svg x="0" y="0" width="10" height="10" viewBox="0 0 3 3"><rect width="1" height="1"/></svg>',
        '<text x="10" y="10" font-family="Libre Barcode 128">ABC</text>',
        '<rect x="10" y="10" width="4mm" height="40"/>',
    ],
)
def test_shapes_that_may_sit_between_units_are_not_on_the_grid(shape):
    assert grid_of(svg(shape)) is None


def test_straight_paths_polygons_and_whole_translations_are_on_the_grid():
    data = svg(
        '<path d="M10 10h4v40h-4z M16 10 l2 0 0 40 -2 0 Z"/>',
        '<polygon points="30,10 33,10 33,50 30,50"/>',
        '<g transform="translate(100, 7)"><rect x="1" y="1" width="5" height="5"/></g>',
    )
    assert grid_of(data) == svg_grid.Grid(203, False)
    assert grid_of(svg(units_per_inch=300)) == svg_grid.Grid(300, False)
    stretched = svg().replace(b'height="6in"', b'height="5in"')  # units taller than wide
    assert grid_of(stretched) is None


@pytest.mark.parametrize(
    ("shapes", "one_unit"),
    [
        (['<rect x="10" y="10" width="1" height="40"/>'], True),  # a one-unit bar
        (
            ['<rect x="10" y="10" width="4" height="40"/>', '<rect x="15" y="10" width="4" height="40"/>'],
            True,
        ),
        (['<path d="M10 10h4v40h-4z M15 10h4v40h-4z"/>'], True),  # the same space, in one path
        (['<rect x="10" y="10" width="4" height="40"/>', '<rect x="10" y="51" width="4" height="4"/>'], True),
        # one unit apart across, but one above the other: no feature one unit wide
        (
            ['<rect x="10" y="10" width="4" height="40"/>', '<rect x="15" y="60" width="4" height="40"/>'],
            False,
        ),
    ],
)
def test_a_one_unit_bar_space_or_module_is_seen(shapes, one_unit):
    assert grid_of(svg(*shapes)) == svg_grid.Grid(203, one_unit)


def test_a_reprint_of_the_same_label_for_the_same_printer_is_not_prepared_again(qapp):
    data = labelgen.make_label("svg", tracking_number=TRACKING, order_id="AGAIN")
    rasterizer = Recording()
    pipeline = LabelPipeline(rasterizer)
    first = pipeline.prepare(data, target=Target(width=576), tracking_number=TRACKING)
    drawn = len(rasterizer.sizes)
    again = pipeline.prepare(data, target=Target(width=576), tracking_number=TRACKING)
    assert len(rasterizer.sizes) == drawn and again.data == first.data and again.images == first.images
    other_printer = pipeline.prepare(data, target=Target(width=832), tracking_number=TRACKING)
    assert len(rasterizer.sizes) > drawn and other_printer.data != first.data
    other_label = labelgen.make_label("svg", tracking_number=TRACKING, order_id="OTHER")
    pipeline.prepare(other_label, target=Target(width=576), tracking_number=TRACKING)
    assert len(rasterizer.sizes) > drawn + 1
