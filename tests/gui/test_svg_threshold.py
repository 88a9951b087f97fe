"""The SVG rasteriser's threshold (``gui/raster.py``, done with Pillow for speed) gives exactly the dots
Qt's own MonoOnly|ThresholdDither conversion gives: every grey level, odd widths, a real label."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from packstation.domain.labelgen import make_label
from packstation.domain.raster import row_bytes_for
from packstation.gui.raster import grey_to_mono

pytestmark = pytest.mark.gui


def qt_threshold(grey: QImage) -> bytes:
    """Qt's conversion, rows packed, bit 1 = black, padding bits white: what the station used before."""
    flags = Qt.ImageConversionFlag.MonoOnly | Qt.ImageConversionFlag.ThresholdDither
    mono = grey.convertToFormat(QImage.Format.Format_Mono, flags)
    black_is_zero = mono.color(0) == 0xFF000000
    out = bytearray()
    for y in range(mono.height()):
        for start in range(0, mono.width(), 8):
            byte = 0
            for x in range(start, start + 8):
                dot = x < mono.width() and (mono.pixelIndex(x, y) == 0) == black_is_zero
                byte = byte << 1 | int(dot)
            out.append(byte)
    return bytes(out)


def gradient(width: int, height: int) -> QImage:
    grey = QImage(width, height, QImage.Format.Format_Grayscale8)
    for y in range(height):
        for x in range(width):
            level = (x * 7 + y * 13) % 256
            grey.setPixel(x, y, 0xFF000000 | level * 0x010101)
    return grey


@pytest.mark.parametrize(("width", "height"), [(256, 4), (203, 5), (13, 17), (1, 1)])
def test_every_grey_level_thresholds_as_qt_does(qapp, width, height):
    grey = gradient(width, height)
    mono = grey_to_mono(grey)
    assert (mono.width, mono.height) == (width, height)
    assert len(mono.data) == row_bytes_for(width) * height
    assert mono.data == qt_threshold(grey)


def test_a_drawn_label_thresholds_as_qt_does(qapp):
    svg = make_label("svg", tracking_number="00033333333000139047", order_id="ORD-1")
    grey = QImage(203, 305, QImage.Format.Format_Grayscale8)
    grey.fill(255)
    painter = QPainter(grey)
    QSvgRenderer(QByteArray(svg)).render(painter, QRectF(0, 0, 203, 305))
    painter.end()
    assert grey_to_mono(grey).data == qt_threshold(grey)
