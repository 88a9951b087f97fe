"""TSPL and EPL2 label heads: every label format printed to a file printer with lang=tspl / lang=epl at
203 and 300 dpi; the bytes are decoded back (tests/support/tspl_epl_decode, written from the manuals)
into page images that must equal the rendered label dot for dot, and zxing-cpp must read every barcode."""

from __future__ import annotations

import pytest

from packstation.adapters.labels import LabelPipeline
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.uri import label_target
from packstation.domain import labelgen
from tests.support.escpos_decode import read_barcodes
from tests.support.tspl_epl_decode import decode_epl, decode_tspl

TRACKING = {"svg": "JJD00991234567890", "pdf": "00370123450000000016", "png": "TRK-42-PNG-0815"}
HEADS = {203: 832, 300: 1200}  # 4-inch heads


@pytest.fixture
def pipeline(qapp):
    from packstation.gui.raster import QtSvgRasterizer

    return LabelPipeline(QtSvgRasterizer())


def _print(pipeline, tmp_path, data: bytes, query: str, tracking: str | None):
    path = tmp_path / "head.bin"
    printer = make_printer(f"file:{path}?{query}")
    payload = pipeline.prepare(data, target=label_target(printer.spec), tracking_number=tracking)
    printer.send(payload)
    return payload, path.read_bytes()


def _decode(lang: str, data: bytes, dpi: int):
    return decode_tspl(data, dpi) if lang == "tspl" else decode_epl(data)


@pytest.mark.parametrize("dpi", sorted(HEADS))
@pytest.mark.parametrize("fmt", ["svg", "pdf", "png", "zpl"])
@pytest.mark.parametrize("lang", ["tspl", "epl"])
def test_label_decodes_back_with_every_barcode_readable(pipeline, tmp_path, lang, fmt, dpi):
    tracking = TRACKING.get(fmt, "ZPLTRACK123")
    data = labelgen.make_label(fmt, tracking_number=tracking, order_id="A-1", parcel_text="1 of 1")
    payload, received = _print(
        pipeline, tmp_path, data, f"lang={lang}&dpi={dpi}&width={HEADS[dpi]}", tracking
    )

    assert received == payload.data
    decoded = _decode(lang, received, dpi)
    [page] = decoded.pages
    [rendered] = payload.images
    assert (page.width, page.height) == (rendered.width, rendered.height)
    assert page.data == rendered.data  # dot for dot what the renderer drew
    codes = read_barcodes(page)
    assert tracking in codes
    assert codes == read_barcodes(rendered)  # no barcode of the rendering is lost on the way


def test_tspl_sends_size_gap_density_cls_bitmap_print_in_order(pipeline, tmp_path):
    data = labelgen.make_label("png", tracking_number="ORDER-1")
    _, received = _print(pipeline, tmp_path, data, "lang=tspl&width=832", "ORDER-1")
    assert decode_tspl(received, 203).commands == ["SIZE", "GAP", "DENSITY", "CLS", "BITMAP", "PRINT"]
    assert received.startswith(b"SIZE 104.1 mm,")


def test_tspl_black_mark_media_uses_bline(pipeline, tmp_path):
    data = labelgen.make_label("png", tracking_number="MARK-1")
    _, received = _print(pipeline, tmp_path, data, "lang=tspl&width=832&media=mark", "MARK-1")
    assert "BLINE" in decode_tspl(received, 203).commands
    assert b"GAP" not in received.split(b"BITMAP")[0]


def test_epl_sends_n_q_q_gw_p_and_the_gap_in_dots(pipeline, tmp_path):
    data = labelgen.make_label("png", tracking_number="EPL-1")
    payload, received = _print(pipeline, tmp_path, data, "lang=epl&width=832", "EPL-1")
    assert decode_epl(received).commands == ["N", "q", "Q", "D", "GW", "P"]
    [image] = payload.images
    assert f"\nq{image.row_bytes * 8}\nQ{image.height},24\n".encode() in received  # 3 mm at 203 dpi


@pytest.mark.parametrize("lang", ["tspl", "epl"])
def test_two_labels_in_a_row_are_two_pages(pipeline, tmp_path, lang):
    for tracking in ("ROW-1", "ROW-2"):
        data = labelgen.make_label("png", tracking_number=tracking)
        _, received = _print(pipeline, tmp_path, data, f"lang={lang}&width=832", tracking)
    pages = _decode(lang, received, 203).pages
    assert [read_barcodes(p) for p in pages] == [["ROW-1"], ["ROW-2"]]
