"""Keyboard-wedge scanner capture, wherever the keyboard focus is.

A wedge scanner "types" its barcode much faster than a person (a few ms between keys) and ends it with
Enter (some models: Tab). ``WedgeScanner`` is an event filter installed on the QApplication, so it sees
every key press before any widget does:

* printable keys are held back in a buffer while they arrive less than ``max_gap_ms`` apart;
* a terminator (Enter/Return/Tab) after at least ``min_length`` fast keys makes the buffer a scan: it is
  emitted as ``scanned(code)`` and all its keys are swallowed, so a scan NEVER lands in a focused line
  edit, spin box or button (the classic "scanner typed into the wrong field" complaint);
* anything else (a slow key, a gap, a non-printable key, a short burst) releases the held keys to the
  widget they were aimed at, in order, so human typing still works. Held keys reach the widget at most
  ``release_after_ms`` late.

Timing comes from an injected clock (milliseconds) so tests are deterministic. Without one, the key
event's own time stamp is used (when the platform gives one), so a busy GUI thread that delivers queued
keys in a burst does not turn a person's typing into a scan, nor break a real scan in two.

A scanner that sends no terminator is treated as typing: configure the scanner to send an Enter suffix.

Serial scanners (``scanner=serial:/dev/ttyACM0``) are read by ``packstation.adapters.serial_scanner`` on a
thread of their own; each line is handed to the loop thread and published with
``StationBridge.publish_scan``, which reaches the station along the same path as a wedge scan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from packstation.gui.focus_filter import FocusFilter

TERMINATOR_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab})
# A line feed (or carriage return) as the key's text: what X11 delivers for the Linefeed keysym, which
# software wedges and `xdotool type` send for a newline (Qt's key code is then 0x0a, not Key_Return).
TERMINATOR_TEXTS = frozenset({"\n", "\r"})
MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


@dataclass
class _HeldKey:
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    target: QWidget


def _monotonic_ms() -> float:
    return time.monotonic() * 1000.0


class WedgeScanner(QObject):
    """Application-wide event filter that turns fast key bursts ending in Enter/Tab into scans (the
    focus widget's only, until it widens: ``install_on_focus``)."""

    scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] | None = None,
        max_gap_ms: float = 40.0,
        min_length: int = 4,
        release_after_ms: int = 120,
    ) -> None:
        super().__init__(parent)
        self.max_gap_ms = max_gap_ms
        self.min_length = min_length
        self._clock = clock
        self._held: list[_HeldKey] = []
        self._last_key_time: float | None = None  # in the timing base (clock or event time stamps)
        self._last_key_seen: float = 0.0  # in the clock's (or monotonic) base, for the release timer
        self._replaying = False
        self._last_passed: tuple | None = None
        self._app: QCoreApplication | None = None
        self._on_focus = FocusFilter(self)  # install_on_focus: the focus widget's keys only
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(max(release_after_ms, int(max_gap_ms) + 10))
        self._release_timer.timeout.connect(self._on_release_timer)

    # -- installation ---------------------------------------------------------------------------

    def install(self, app: QCoreApplication | None = None) -> None:
        """Start watching every key press of the application (after ``install_on_focus``: widen to it)."""
        app = app or QApplication.instance()
        if app is None:
            raise RuntimeError("WedgeScanner.install needs a QApplication")
        if self._app is not None:
            return
        self._on_focus.stop()  # one filter at a time: never a key press judged twice
        app.installEventFilter(self)
        self._app = app

    def install_on_focus(self, app: QApplication | None = None) -> None:
        """Watch the key presses of the focus widget only, moving with the focus, until ``install``.

        Why: the first event of one of Qt's private objects (a line edit's control, the gesture
        manager) that reaches an application-wide Python filter makes PySide build the Python type of
        every QObject class it has, ~20-35 ms on a bench, which delayed the first paint and every
        ``--exit-when-idle`` run. The app starts with this (every key a packer or a scanner can type
        into the window reaches its focus widget) and widens to the application a second after the
        first paint (``app.AfterFirstPaint``), when a popup's or another window's keys matter too."""
        running = app or QApplication.instance()
        if not isinstance(running, QApplication):
            raise RuntimeError("WedgeScanner.install_on_focus needs a QApplication")
        if self._app is None:
            self._on_focus.start(running)

    @property
    def application_wide(self) -> bool:
        """True once it watches every key press of the application (``install``)."""
        return self._app is not None

    def uninstall(self) -> None:
        if self._app is not None and shiboken6.isValid(self._app):
            self._app.removeEventFilter(self)
        self._app = None
        self._on_focus.stop()
        self.release_held_keys()

    @property
    def holding(self) -> str:
        """The keys held back right now (for tests and diagnostics)."""
        return "".join(k.text for k in self._held)

    # -- the filter -----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or not isinstance(event, QKeyEvent) or not isinstance(watched, QWidget):
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        if self._is_propagated_copy(watched, event):
            return False  # the same key press bubbling up to a parent widget: already judged
        return self._on_key_press(watched, event)

    def _on_key_press(self, target: QWidget, event: QKeyEvent) -> bool:
        key = event.key()
        if key in MODIFIER_KEYS:
            return False  # scanners press Shift for capitals: neither a character nor a pause
        stamp = self._timing_now(event)
        fast = self._last_key_time is not None and 0 <= stamp - self._last_key_time <= self.max_gap_ms
        text = event.text()
        if (key in TERMINATOR_KEYS or text in TERMINATOR_TEXTS) and not (
            event.modifiers() & _COMMAND_MODIFIERS
        ):
            if self._held and fast and len(self._held) >= self.min_length:
                code = self.holding
                self._forget_held()
                self.scanned.emit(code)
                return True
            self.release_held_keys()
            self._remember_passed(target, event)
            return False
        # Ctrl+] is how a keyboard-wedge scanner types GS (FNC1), the field separator of GS1 barcodes.
        group_separator = text == "\x1d" and self._held and fast
        printable = group_separator or (
            len(text) > 0
            and text.isprintable()
            and not event.isAutoRepeat()
            and not (event.modifiers() & _COMMAND_MODIFIERS)
        )
        if not printable:
            self.release_held_keys()
            self._remember_passed(target, event)
            return False
        if self._held and not fast:
            self.release_held_keys()
        self._held.append(_HeldKey(key, event.modifiers(), text, target))
        self._last_key_time = stamp
        self._last_key_seen = self._now()
        self._release_timer.start()
        return True

    # -- timing ---------------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock() if self._clock is not None else _monotonic_ms()

    def _timing_now(self, event: QKeyEvent) -> float:
        if self._clock is not None:
            return self._clock()
        stamp = event.timestamp()
        return float(stamp) if stamp else _monotonic_ms()

    def _on_release_timer(self) -> None:
        # If keys are still arriving (the timer fired early relative to the clock), wait a bit more.
        if self._held and self._now() - self._last_key_seen < self.max_gap_ms:
            self._release_timer.start()
            return
        self.release_held_keys()

    # -- releasing held keys to the widgets -----------------------------------------------------

    def release_held_keys(self) -> None:
        """Deliver the held keys (person typing, not a scan) to the widgets they were aimed at."""
        held = self._held
        self._forget_held()
        if not held:
            return
        self._replaying = True
        try:
            for key in held:
                target = key.target if shiboken6.isValid(key.target) else QApplication.focusWidget()
                if target is None:
                    continue
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(target, QKeyEvent(kind, key.key, key.modifiers, key.text))
        finally:
            self._replaying = False

    def _forget_held(self) -> None:
        self._held = []
        self._last_key_time = None
        self._release_timer.stop()

    # -- one key press is offered to the filter again for each parent it bubbles up to ----------

    def _remember_passed(self, target: QWidget, event: QKeyEvent) -> None:
        self._last_passed = (_event_identity(event), target)

    def _is_propagated_copy(self, watched: QWidget, event: QKeyEvent) -> bool:
        if self._last_passed is None:
            return False
        identity, receiver = self._last_passed
        if identity != _event_identity(event) or not shiboken6.isValid(receiver):
            return False
        return receiver is not watched and watched.isAncestorOf(receiver)


def _event_identity(event: QKeyEvent) -> tuple:
    return (shiboken6.getCppPointer(event)[0], event.key(), event.text(), event.timestamp())
