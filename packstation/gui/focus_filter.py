"""One event filter kept on the application's focus widget, moved with the focus.

A Python event filter on the QApplication is handed every event of every object, and the first event
of one of Qt's private objects makes PySide build the Python type of every QObject class it has
(~20-35 ms). Where only the focus widget's events matter (the shortcuts' ``ShortcutOverride``, the
wedge scanner's first second), this filters that widget alone and follows ``focusChanged``.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QWidget


class FocusFilter:
    """Installs ``event_filter`` on the focus widget while started; ``accepts`` may turn a widget down
    (then no widget is filtered until the focus moves to one it accepts)."""

    def __init__(self, event_filter: QObject, accepts: Callable[[QWidget], bool] | None = None) -> None:
        self._filter = event_filter
        self._accepts = accepts
        self._app: QApplication | None = None
        self.watched: QWidget | None = None

    @property
    def started(self) -> bool:
        return self._app is not None

    def start(self, app: QApplication) -> None:
        if self._app is not None:
            return
        app.focusChanged.connect(self._focus_changed)
        self._app = app
        self._watch(QApplication.focusWidget())

    def stop(self) -> None:
        if self._app is not None and shiboken6.isValid(self._app):
            self._app.focusChanged.disconnect(self._focus_changed)
        self._app = None
        self._watch(None)

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        self._watch(now)

    def _watch(self, widget: QWidget | None) -> None:
        if widget is not None and (
            not shiboken6.isValid(widget) or (self._accepts is not None and not self._accepts(widget))
        ):
            widget = None
        if widget is self.watched:
            return
        if self.watched is not None and shiboken6.isValid(self.watched):
            self.watched.removeEventFilter(self._filter)
        self.watched = widget
        if widget is not None:
            widget.installEventFilter(self._filter)
