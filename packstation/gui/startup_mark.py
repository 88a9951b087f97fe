"""A start-up timestamp for benchmarks: when ``PACKSTATION_STARTUP_MARK`` names a file, the app writes
``time.monotonic()`` into it the moment its window has finished its first paint (the end of handling
the window's first ``UpdateRequest``: layout, paint, backing-store flush), with the station started and
the scanner listening. ``tests/benchmarks/startup.py`` starts the process and compares that
timestamp (the system's monotonic clock, shared by all processes) with the moment it launched it."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

ENV = "PACKSTATION_STARTUP_MARK"


class FirstPaintMark(QObject):
    """Writes the monotonic time of ``window``'s first finished repaint into ``path``, once."""

    def __init__(self, window: QWidget, path: str) -> None:
        super().__init__(window)
        self._window = window
        self._path = Path(path)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.UpdateRequest:
            self._window.removeEventFilter(self)
            type(self._window).event(self._window, event)  # paint now, then note the time
            self._path.write_text(f"{time.monotonic():.6f}\n", encoding="utf-8")
            return True
        return False
