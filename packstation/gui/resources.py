"""Where the GUI finds its files (style sheet, icons, sounds), from a checkout or a frozen bundle, and
small helpers to use them (style states for the style sheet, SVG icons as pixmaps)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QWidget

_PIXMAPS: dict[tuple[str, int, str], QPixmap] = {}


def resources_dir() -> Path:
    """The ``resources/`` folder: next to the package in a checkout, inside the bundle when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def load_stylesheet() -> str:
    """The application style sheet (small, read once at start-up); empty if the file is missing."""
    try:
        return resource_path("style", "packstation.qss").read_text(encoding="utf-8")
    except OSError:
        return ""


def icon_pixmap(name: str, size: int, *, tint: str = "") -> QPixmap:
    """resources/icons/<name>.svg rendered at ``size`` logical pixels (cached); empty if missing.
    ``tint`` paints the icon's shape in one colour (white glyphs on coloured status chips)."""
    cached = _PIXMAPS.get((name, size, tint))
    if cached is not None:
        return cached
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    pixmap = QPixmap(QSize(int(size * ratio), int(size * ratio)))
    pixmap.fill(Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(str(resource_path("icons", f"{name}.svg")))
    if renderer.isValid():
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, pixmap.width(), pixmap.height()))
        if tint:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(pixmap.rect(), QColor(tint))
        painter.end()
    pixmap.setDevicePixelRatio(ratio)
    _PIXMAPS[(name, size, tint)] = pixmap
    return pixmap


def set_style_state(widget: QWidget, value: str | bool, name: str = "state") -> None:
    """Set a dynamic property the style sheet selects on (``[state="bad"]``, a bool as ``"true"``) and
    re-apply the style."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    if not widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        return  # not shown yet: its first polish reads the property (a window being built, ~10 ms)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
