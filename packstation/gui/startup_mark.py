"""The window's first paint, as an event: what start-up leaves until the packer can see the window
(``FirstPaint``), and a timestamp for benchmarks (``FirstPaintMark``).

``FirstPaint`` calls its callbacks once the window has finished its first paint (the end of handling
the window's first ``UpdateRequest``: layout, paint, backing-store flush), on the next turn of the event
loop, so that work which the first paint does not need (the garbage collector's start-up freeze, warming
modules for the first label) runs after it instead of before it. A window that is never painted (shown
minimised) gets them after ``fallback_ms`` anyway.

When ``PACKSTATION_STARTUP_MARK`` names a file, the app writes ``time.monotonic()`` into it the moment
the first paint has finished, with the station started and the scanner listening
(``FirstPaintMark``). ``tests/benchmarks/startup.py`` starts the process and compares that timestamp
(the system's monotonic clock, shared by all processes) with the moment it launched it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

ENV = "PACKSTATION_STARTUP_MARK"


class FirstPaint(QObject):
    """Runs ``after_paint`` callbacks once, on the loop's next turn after ``window``'s first repaint."""

    def __init__(self, window: QWidget, *, fallback_ms: int = 3000) -> None:
        super().__init__(window)
        self._window = window
        self._callbacks: list[Callable[[], object]] = []
        self._painted_at: float | None = None
        self._done = False
        window.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._run)  # never painted (minimised): not never

    @property
    def painted_at(self) -> float | None:
        """``time.monotonic()`` at the end of the first paint, None before it."""
        return self._painted_at

    def after_paint(self, callback: Callable[[], object]) -> None:
        self._callbacks.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.UpdateRequest:
            self._window.removeEventFilter(self)
            type(self._window).event(self._window, event)  # paint now, then note the time
            self._painted_at = time.monotonic()
            QTimer.singleShot(0, self, self._run)  # once the loop has flushed the frame
            return True
        return False

    def _run(self) -> None:
        if self._done:
            return
        self._done = True
        self._window.removeEventFilter(self)
        for callback in self._callbacks:
            callback()


class FirstPaintMark:
    """Writes the monotonic time of ``window``'s first finished repaint into ``path``, once."""

    def __init__(self, first_paint: FirstPaint, path: str) -> None:
        self._first_paint = first_paint
        self._path = Path(path)
        first_paint.after_paint(self._write)

    def _write(self) -> None:
        painted_at = self._first_paint.painted_at
        if painted_at is not None:  # no paint, no mark: the benchmark says so
            self._path.write_text(f"{painted_at:.6f}\n", encoding="utf-8")
