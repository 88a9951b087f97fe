"""Decompression bombs and blank renders: every format's decoded pixels are capped before anything is
drawn, and a label that renders without a black dot is an error, never "printed"."""

from __future__ import annotations

import asyncio
import base64
import io
import resource
import struct
import time
import zlib

import pypdfium2
import pytest
from PIL import Image

from packstation.adapters.labels import LabelPipeline, Target
from packstation.adapters.labels.errors import LabelError
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.queue import PrintQueue
from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState
from tests.support.label_bombs import flate_zeros, pdf

TARGET = Target(width=832)
SVG_NS = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"


def refuse(data: bytes, pipeline: LabelPipeline | None = None) -> str:
    with pytest.raises(LabelError) as err:
        (pipeline or LabelPipeline()).prepare(data, target=TARGET)
    return err.value.user_message


@pytest.fixture
def never_render(monkeypatch):
    """Drawing a page is an error here: the checks must refuse before pdfium decodes anything."""

    def render(self, *args, **kwargs):
        raise AssertionError("a page was rendered")

    monkeypatch.setattr(pypdfium2.PdfPage, "render", render)


def test_pdf_holding_one_40000_pixel_square_image_is_refused_before_rendering(never_render):
    bomb = pdf([(40_000, 40_000, flate_zeros(40_000 * 40_000))])
    assert len(bomb) < 2_000_000  # 1.6 MB on the wire, 1.6 GB decoded
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    message = refuse(bomb)
    assert "holds an image of 40000x40000 pixels, too large to print safely" in message
    assert time.monotonic() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 200_000  # KiB: < 200 MB


def test_pdf_images_are_capped_in_total_per_page(never_render):
    five = [(3000, 3000, flate_zeros(3000 * 3000)) for _ in range(5)]  # 45 million pixels together
    assert "images of 45 million pixels in all" in refuse(pdf(five))


def test_pdf_with_a_small_image_still_prints():
    data = zlib.compress(bytes(200 * 200))  # a black square
    payload = LabelPipeline().prepare(pdf([(200, 200, data)]), target=TARGET)
    assert payload.images[0].black_dots() > 0


def png_header_only(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


def test_svg_embedding_a_png_bomb_is_refused_before_drawing():
    def rasterizer(svg, width, height):
        raise AssertionError("the SVG was drawn")

    inner = base64.b64encode(png_header_only(40_000, 40_000)).decode()
    svg = (
        f"<svg {SVG_NS} width='4in' height='6in'>"
        f"<image width='100' height='100' href='data:image/png;base64,{inner}'/></svg>"
    ).encode()
    assert "too large to print safely" in refuse(svg, LabelPipeline(rasterizer))


def test_svg_embedding_a_large_but_decodable_header_is_capped(monkeypatch):
    from packstation.adapters.labels import safety

    monkeypatch.setattr(safety, "MAX_SOURCE_PIXELS", 1_000)
    inner = base64.b64encode(png_header_only(100, 100)).decode()
    svg = f"<svg {SVG_NS} width='4in' height='6in'><image href='data:image/png;base64,{inner}'/></svg>"
    assert "holds an image of 100x100 pixels" in refuse(svg.encode(), LabelPipeline(lambda *a: None))


def test_png_bomb_is_refused_from_its_header():
    assert "40000x40000" in refuse(png_header_only(40_000, 40_000))


# -- blank renders ------------------------------------------------------------------------------------


def test_a_pdf_label_that_renders_blank_is_an_error():
    white = zlib.compress(b"\xff" * (200 * 200))  # as when pdfium drops an image it cannot decode
    assert "came out blank" in refuse(pdf([(200, 200, white)]))


def test_an_all_white_png_label_is_an_error():
    buffer = io.BytesIO()
    Image.new("L", (800, 1200), 255).save(buffer, format="PNG")
    assert "came out blank" in refuse(buffer.getvalue())


def test_a_blank_label_job_fails_instead_of_being_reported_printed(store, tmp_path):
    out = tmp_path / "printer.bin"
    queue = PrintQueue(store.print_jobs, make_printer, None, LabelPipeline())
    job_id = store.print_jobs.add(
        NewPrintJob(
            kind=PrintJobKind.LABEL, printer_uri=f"file:{out}", payload=pdf(), tracking_number="BLANK-1"
        )
    )
    try:
        asyncio.run(queue.drain())
    finally:
        queue.close()
    job = store.print_jobs.get(job_id)
    assert job.state is PrintJobState.FAILED and "came out blank" in job.error
    assert not out.exists() or out.read_bytes() == b""  # nothing was sent


# -- the barcode must survive ---------------------------------------------------------------------


def fine_barcode_png(dpi: int = 406, text: str = "FINE-1234567890", fmt: str = "Code128") -> bytes:
    """A 4-inch-wide label at ``dpi`` whose bars are one pixel wide: they scan at that resolution
    and are lost when the label is halved onto a 203 dpi head (unless they are drawn again)."""
    import zxingcpp

    options = {"gs1": True} if text.startswith("[") else {}
    bars = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt), **options)
    matrix = Image.fromarray(bars.to_image(scale=1, add_quiet_zones=False, add_hrt=False)).convert("L")
    strip = matrix.resize((matrix.width, 200), Image.Resampling.NEAREST)
    label = Image.new("L", (4 * dpi, 6 * dpi), 255)
    label.paste(strip, ((label.width - strip.width) // 2, dpi))
    out = io.BytesIO()
    label.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def test_a_label_whose_barcode_is_lost_in_scaling_is_refused_not_printed():
    """GS1 DataBar Expanded is not drawn again (only the symbologies carriers use are): halved, its
    one-pixel bars are lost, and the label is refused instead of printed unscannable."""
    from tests.support.escpos_decode import read_barcodes

    data = fine_barcode_png(text="[01]09501101530003[10]AB", fmt="DataBarExp")
    unchecked = LabelPipeline().prepare(data, target=TARGET)  # no tracking number: not checked
    assert read_barcodes(unchecked.images[0]) == []  # what would have printed: it does not scan
    with pytest.raises(LabelError, match="barcode on the PNG label cannot be read once scaled"):
        LabelPipeline().prepare(data, target=TARGET, tracking_number="09501101530003")


def test_a_code128_whose_bars_would_be_lost_in_scaling_is_drawn_again_and_scans():
    """The same halving that loses one-pixel bars keeps a Code 128: it is drawn again on whole dots."""
    from tests.support.escpos_decode import read_barcodes

    payload = LabelPipeline().prepare(fine_barcode_png(), target=TARGET, tracking_number="FINE-1234567890")
    assert read_barcodes(payload.images[0]) == ["FINE-1234567890"]


def test_a_label_whose_barcode_survives_prints():
    payload = LabelPipeline().prepare(fine_barcode_png(203), target=TARGET, tracking_number="FINE-1")
    assert payload.images[0].black_dots() > 0
