"""The Qt SVG rasteriser injected into the label pipeline (adapters may not import Qt, so it lives here).

QSvgRenderer paints into an 8-bit grey image with antialiasing off, then a plain threshold turns it into
1-bit: no dithering, so bars drawn on the dot grid stay whole dots. Only QImage, QPainter and
QSvgRenderer are used, which Qt allows on any thread; fonts need a QGuiApplication to exist, which
``ensure_qt_gui_app`` provides for command-line use. QSvgRenderer may load images referenced by the SVG;
the pipeline refuses such SVGs before they get here.

The drawing is done in horizontal strips (``STRIP_DOTS`` dots each, clipped; the same dots as one
drawing, tested): ``QSvgRenderer.render`` keeps the interpreter lock for its whole call, and before each
strip the rasteriser gives way to a scan the GUI thread is handling (``gui/foreground.py``), so a scan
never waits for more than one strip of a label being drawn on the print worker's thread.
"""

from __future__ import annotations

import os
from typing import cast

from PySide6.QtCore import QByteArray, QRect, QRectF
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from packstation.domain.raster import MonoImage, row_bytes_for
from packstation.gui.foreground import SCAN_GATE, ForegroundGate

_app = None  # keeps the application created by ensure_qt_gui_app alive


def ensure_qt_gui_app() -> QGuiApplication:
    """Return the running Qt application, creating one (offscreen unless a platform is chosen) if needed.

    Creates a QApplication (a QGuiApplication subclass) rather than a bare QGuiApplication so that code
    creating widgets later in the same process (pytest-qt, the GUI) still works. Call from the main thread.
    """
    global _app
    existing = QGuiApplication.instance()
    if existing is not None:
        return cast(QGuiApplication, existing)  # this process only ever makes GUI applications
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication(["packstation"])
    return _app


# Dots per strip: a 4x6 label at a 576-dot head (576x864) is one strip, the same label drawn at twice that
# size to check its barcodes two (~4 ms each, of the 8-9 ms the whole drawing held the lock). Each strip
# walks the whole drawing again (~0.5 ms): smaller strips would cost the print worker more than they
# save a scan.
STRIP_DOTS = 1_000_000
MIN_STRIP_ROWS = 64


class QtSvgRasterizer:
    """``SvgRasterizer`` implemented with QtSvg; one instance may be shared between threads."""

    def __init__(self, *, gate: ForegroundGate = SCAN_GATE, strip_dots: int = STRIP_DOTS) -> None:
        self._gate = gate
        self._strip_dots = strip_dots

    def __call__(self, svg: bytes, width: int, height: int) -> MonoImage:
        if width <= 0 or height <= 0:
            raise ValueError(f"cannot render an SVG at {width}x{height} dots")
        renderer = QSvgRenderer(QByteArray(svg))
        if not renderer.isValid():
            raise ValueError("Qt could not read the SVG")
        self._gate.give_way()
        grey = QImage(width, height, QImage.Format.Format_Grayscale8)
        grey.fill(255)
        bounds = QRectF(0, 0, width, height)
        rows = max(MIN_STRIP_ROWS, self._strip_dots // width)
        for top in range(0, height, rows):
            if top:
                self._gate.give_way()
            painter = QPainter(grey)
            try:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, False)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                painter.setClipRect(QRect(0, top, width, min(rows, height - top)))
                renderer.render(painter, bounds)
            finally:
                painter.end()
        return grey_to_mono(grey)


def grey_to_mono(grey: QImage) -> MonoImage:
    """Threshold (at mid-grey, no dithering) a Format_Grayscale8 image into a MonoImage (bit 1 = black)."""
    from PIL import Image

    # Pillow thresholds exactly as Qt's MonoOnly|ThresholdDither conversion does (below 128 is black),
    # in half the time (~4 ms against ~8 for the twice-size drawing a label's barcodes are read on).
    width, height = grey.width(), grey.height()
    stride = grey.bytesPerLine()
    # Read in place (``grey`` outlives ``picture``); Pillow's "1" is 1 = white: "1;I" packs black as 1.
    bits = cast(bytes, grey.constBits())  # any buffer does; Pillow's annotation names bytes
    picture = Image.frombuffer("L", (width, height), bits, "raw", "L", stride, 1)
    rows = picture.convert("1", dither=Image.Dither.NONE).tobytes("raw", "1;I")
    if width % 8:
        rows = _clear_padding(rows, width, height)
    return MonoImage(width, height, rows)


def _clear_padding(rows: bytes, width: int, height: int) -> bytes:
    """Padding bits past the last dot of each row must be white (0)."""
    row_len = row_bytes_for(width)
    keep = (0xFF << (8 - width % 8)) & 0xFF
    data = bytearray(rows)
    for y in range(height):
        data[y * row_len + row_len - 1] &= keep
    return bytes(data)
