"""The one doorway from the station core (and its background workers) into the GUI.

The rule, as in Picard and Electrum: **never touch the UI from a background thread.** Workers (outbox
drain, printer queue, connectivity probe) call the ``publish_*`` methods from whatever thread they run
on; those only emit Qt signals. ``StationBridge`` lives on the GUI thread, and the window connects its
own methods (slots of a QObject living on the GUI thread), so Qt queues every cross-thread emission onto
the GUI thread's event loop. Emitting a signal is thread-safe; calling a widget method is not.

Scans from sources other than the keyboard wedge (``--replay`` files, a serial scanner reader thread)
enter through ``publish_scan`` and reach the station along the same path as a wedge scan.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal


class StationBridge(QObject):
    """Signals carrying domain data to the window; safe to publish from any thread."""

    view_changed = Signal(object)  # StationView: the whole screen state
    status_changed = Signal(object)  # StatusView: connectivity, outbox, printer (between views)
    message = Signal(str, str)  # (tone: "good"|"bad"|"warning"|"info", text in plain words)
    scan_received = Signal(str)  # a scan from a non-keyboard source, forwarded like a wedge scan

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._latest_view: object | None = None

    def publish_view(self, view: object) -> None:
        """Hand a new StationView to the GUI. Any thread; the window renders it on the GUI thread."""
        with self._lock:
            self._latest_view = view
        self.view_changed.emit(view)

    def publish_status(self, status: object) -> None:
        """Hand a new StatusView (connectivity, outbox depth, printer) to the GUI. Any thread."""
        self.status_changed.emit(status)

    def publish_message(self, tone: str, text: str) -> None:
        """Show a message on the banner (e.g. "Test label printed"). Any thread."""
        self.message.emit(str(tone), str(text))

    def publish_scan(self, raw: str) -> None:
        """Feed a scan as if the scanner had typed it. Any thread."""
        self.scan_received.emit(str(raw))

    @property
    def latest_view(self) -> object | None:
        """The last view published (from any thread), e.g. for a window created after the fact."""
        with self._lock:
            return self._latest_view
