"""The Qt SVG rasteriser injected into the label pipeline (adapters may not import Qt, so it lives here).

QSvgRenderer paints into an 8-bit grey image with antialiasing off, then a plain threshold turns it into
1-bit: no dithering, so bars drawn on the dot grid stay whole dots. Only QImage, QPainter and
QSvgRenderer are used, which Qt allows on any thread; fonts need a QGuiApplication to exist, which
``ensure_qt_gui_app`` provides for command-line use. QSvgRenderer may load images referenced by the SVG;
the pipeline refuses such SVGs before they get here.
"""

from __future__ import annotations

import os
from typing import cast

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from packstation.domain.raster import MonoImage, row_bytes_for

_INVERT = bytes(255 - i for i in range(256))
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


class QtSvgRasterizer:
    """``SvgRasterizer`` implemented with QtSvg; one instance may be shared between threads."""

    def __call__(self, svg: bytes, width: int, height: int) -> MonoImage:
        if width <= 0 or height <= 0:
            raise ValueError(f"cannot render an SVG at {width}x{height} dots")
        renderer = QSvgRenderer(QByteArray(svg))
        if not renderer.isValid():
            raise ValueError("Qt could not read the SVG")
        grey = QImage(width, height, QImage.Format.Format_Grayscale8)
        grey.fill(255)
        painter = QPainter(grey)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, False)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            renderer.render(painter, QRectF(0, 0, width, height))
        finally:
            painter.end()
        return grey_to_mono(grey)


def grey_to_mono(grey: QImage) -> MonoImage:
    """Threshold (at mid-grey, no dithering) a Format_Grayscale8 image into a MonoImage (bit 1 = black)."""
    flags = Qt.ImageConversionFlag.MonoOnly | Qt.ImageConversionFlag.ThresholdDither
    mono = grey.convertToFormat(QImage.Format.Format_Mono, flags)
    width, height = mono.width(), mono.height()
    stride = mono.bytesPerLine()
    row_len = row_bytes_for(width)
    raw = bytes(mono.constBits())[: stride * height]
    rows = (
        raw if stride == row_len else b"".join(raw[y * stride : y * stride + row_len] for y in range(height))
    )
    # Format_Mono stores colour-table indices; make bit 1 mean black whatever order Qt chose.
    if mono.color(0) == 0xFF000000:  # index 0 is black: flip so that black becomes bit 1
        rows = rows.translate(_INVERT)
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
