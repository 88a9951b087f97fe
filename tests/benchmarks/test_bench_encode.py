"""Render + encode of a 4x6 label at 832 dots (issue 13 item 6), per format, against the floor (the
rasteriser alone: QSvgRenderer, pdfium, Pillow's PNG decode + threshold, the ZPL renderer) and the
old pipeline (the same rendering, then python-escpos ``image()`` instead of our ``GS v 0`` framing),
measured in the same run. Nothing is asserted about time.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.benchmarks.test_bench_encode
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from pathlib import Path

import pytest

from packstation.adapters.labels import LabelPipeline, Target
from packstation.domain import labelgen
from tests.support.escpos_image_encoder import encode_escpos_with_escpos_image

TRACKING = "00373500000000000017"
TARGET = Target(width=832, dpi=203)
FORMATS = ("png", "svg", "pdf", "zpl")
CARRIER_ZPL = Path(__file__).resolve().parents[1] / "fixtures" / "zpl" / "nordic_parcel_4x6.zpl"


def label(fmt: str) -> bytes:
    if fmt == "zpl":
        return CARRIER_ZPL.read_bytes()
    return labelgen.make_label(fmt, tracking_number=TRACKING, order_id="BENCH")


def svg_rasterizer():
    from packstation.gui.raster import QtSvgRasterizer, ensure_qt_gui_app

    ensure_qt_gui_app()
    return QtSvgRasterizer()


def floor(fmt: str, data: bytes, rasterizer) -> None:
    """The rasteriser alone, at the size the label prints."""
    if fmt == "svg":
        rasterizer(data, 812, 1218)
    elif fmt == "pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
        page = document[0]
        page.render(scale=812 / page.get_size()[0], grayscale=True).to_pil()
        page.close()
        document.close()
    elif fmt == "png":
        from PIL import Image

        Image.open(io.BytesIO(data)).convert("L").point(lambda v: 255 if v >= 128 else 0, "1")
    else:
        from packstation.adapters.labels.zpl import render_zpl

        render_zpl(data, dpi=TARGET.dpi, max_width=TARGET.width)


def old_pipeline(pipeline: LabelPipeline, data: bytes) -> bytes:
    payload = pipeline.prepare(data, target=Target(TARGET.width, TARGET.dpi, preview=True))
    return encode_escpos_with_escpos_image(list(payload.images), TARGET.head, cut=True)


def median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(repeat: int = 21) -> list[dict]:
    rasterizer = svg_rasterizer()
    pipeline = LabelPipeline(rasterizer)
    rows = []
    for fmt in FORMATS:
        data = label(fmt)
        pipeline.prepare(data, target=TARGET)  # warm-up: fonts, imports
        old_pipeline(pipeline, data)
        rows.append(
            {
                "format": fmt,
                "floor_ms": median_ms(lambda f=fmt, d=data: floor(f, d, rasterizer), repeat),
                "ours_ms": median_ms(lambda d=data: pipeline.prepare(d, target=TARGET), repeat),
                "old_ms": median_ms(lambda d=data: old_pipeline(pipeline, d), repeat),
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    lines = [
        f"render + encode, 4x6 label, {TARGET.width} dots at {TARGET.dpi} dpi (median ms)",
        f"{'format':<7}{'floor':>8}{'ours':>8}{'old':>8}{'ours/floor':>12}{'ours/old':>10}",
    ]
    for row in rows:
        lines.append(
            f"{row['format']:<7}{row['floor_ms']:>8.1f}{row['ours_ms']:>8.1f}{row['old_ms']:>8.1f}"
            f"{row['ours_ms'] / row['floor_ms']:>12.2f}{row['ours_ms'] / row['old_ms']:>10.2f}"
        )
    return "\n".join(lines)


@pytest.mark.benchmark
@pytest.mark.parametrize("fmt", FORMATS)
def test_bench_render_and_encode_4x6_at_832_dots(benchmark, qapp, fmt):
    from tests.support.escpos_decode import decode_escpos

    pipeline = LabelPipeline(svg_rasterizer())
    data = label(fmt)
    payload = benchmark(pipeline.prepare, data, target=TARGET)
    assert payload.data == old_pipeline(pipeline, data)  # our framing: the very bytes escpos sent
    [page] = decode_escpos(payload.data).pages
    assert page.width == TARGET.width


@pytest.mark.benchmark
def test_bench_encode_table(qapp):
    rows = measure(repeat=1)
    assert [row["format"] for row in rows] == list(FORMATS)
    print("\n" + format_table(rows))


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault(
        "ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(tempfile.gettempdir(), "packstation-escpos")
    )
    print(format_table(measure()))
