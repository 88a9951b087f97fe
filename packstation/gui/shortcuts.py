"""The window's keyboard shortcuts, which work whatever widget has the focus.

A ``QShortcut`` only fires when the focused widget does not claim the key first: before a shortcut runs,
Qt asks the focus widget with a ``ShortcutOverride`` event, and a ``QLineEdit`` claims every key it has an
editing meaning for. Which keys those are depends on the platform's key bindings: on X11 desktops Ctrl+E is
"move to the end of the line", so the always-focused "Type a code" field ate End of day (Ctrl+E).

``WindowShortcuts`` registers the shortcuts the app advertises (tooltips, README, command sheet) and
answers that question itself for them: an event filter turns down the ``ShortcutOverride`` of any widget
in its window for exactly those key sequences, so the shortcut wins. Every other key (Ctrl+A, Ctrl+C,
arrows, ...) stays with the widget.

Qt asks the focus widget, so the filter sits on the window's focus widget and moves with the focus
(``QApplication.focusChanged``). An application-wide filter (as before) was handed every event of the
app, paints and the loop's timers included (~1,100 per order in the replay), each wrapped into Python.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from packstation.gui.focus_filter import FocusFilter


class WindowShortcuts(QObject):
    """The shortcuts of one window; ``add(keys, callback)`` registers one."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._sequences: list[QKeySequence] = []
        # The window's focus widget, which Qt asks first; a dialog's fields keep their keys (the
        # window's shortcuts wait for it to close).
        self._on_focus = FocusFilter(self, accepts=lambda widget: widget.window() is self._window)

    def add(self, keys: str, callback: Callable[[], object]) -> QShortcut:
        sequence = QKeySequence(keys)
        shortcut = QShortcut(sequence, self._window)
        shortcut.activated.connect(lambda: callback())
        self._sequences.append(sequence)
        self.install()
        return shortcut

    @property
    def sequences(self) -> tuple[str, ...]:
        """The key sequences registered, in Qt's portable text ("Ctrl+E")."""
        return tuple(s.toString() for s in self._sequences)

    def install(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self._on_focus.start(app)

    def uninstall(self) -> None:
        self._on_focus.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the focus widget passes here: the isinstance test first (a paint event is no
        # QKeyEvent), since reading event.type() makes a Python enum each time.
        if not isinstance(event, QKeyEvent) or event.type() != QEvent.Type.ShortcutOverride:
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False  # a dialog's fields keep their keys; the window's shortcuts wait for it to close
        pressed = QKeySequence(event.keyCombination())
        if any(pressed.matches(s) == QKeySequence.SequenceMatch.ExactMatch for s in self._sequences):
            event.ignore()  # "the widget does not want this key": Qt runs the shortcut
            return True
        return False
