"""Render resources/icons/packstation-app.svg to the PNG and ICO files the desktop entry and the Windows
bundle use. Run after editing the SVG: ``.venv/bin/python tools/render_icon.py``."""

from __future__ import annotations

import io
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
PNG_SIZES = (256, 48)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> None:
    _app = QGuiApplication([])
    renderer = QSvgRenderer(str(ICONS / "packstation-app.svg"))
    if not renderer.isValid():
        raise SystemExit("packstation-app.svg is not a valid SVG")
    for size in PNG_SIZES:
        suffix = "" if size == 256 else f"-{size}"
        render(renderer, size).save(ICONS / f"packstation-app{suffix}.png", optimize=True)
    render(renderer, 256).save(ICONS / "packstation-app.ico", sizes=[(s, s) for s in ICO_SIZES])
    print("wrote", ", ".join(sorted(p.name for p in ICONS.glob("packstation-app*"))))


if __name__ == "__main__":
    main()
