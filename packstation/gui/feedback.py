"""What the packer notices without reading: a coloured flash around the window (red also tints all of
it) and a sound.

Sounds without QtMultimedia (PySide6-Addons is ~440 MB): ``SystemSoundPlayer`` starts ``paplay``,
``pw-play`` or ``aplay`` on the WAV file with ``subprocess.Popen`` and never waits for it (the GUI thread
must not block), and falls back to ``QApplication.beep()`` where none of these exists. Tests use
``NullSoundPlayer``, which only records what it was asked to play.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QRegion
from PySide6.QtWidgets import QApplication, QWidget

from packstation.gui.resources import resource_path

log = logging.getLogger(__name__)

PLAYER_COMMANDS = ("paplay", "pw-play", "aplay")

GOOD_FLASH = QColor(0, 170, 70)
BAD_FLASH = QColor(220, 0, 0)
WARNING_FLASH = QColor(255, 170, 0)


class SoundPlayer(Protocol):
    enabled: bool

    def play_good(self) -> None: ...

    def play_error(self) -> None: ...


class NullSoundPlayer:
    """Plays nothing; remembers what it was asked to play (``"good"``/``"error"``) for tests."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.played: list[str] = []

    def play_good(self) -> None:
        if self.enabled:
            self.played.append("good")

    def play_error(self) -> None:
        if self.enabled:
            self.played.append("error")


class SystemSoundPlayer:
    """Plays resources/sounds/{good,error}.wav through a command-line player, without blocking."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        sounds_dir: Path | None = None,
        command: str | None = None,
    ) -> None:
        self.enabled = enabled
        folder = sounds_dir or resource_path("sounds")
        self._files = {"good": folder / "good.wav", "error": folder / "error.wav"}
        self._command = command if command is not None else _find_player()
        self._children: list[subprocess.Popen[bytes]] = []
        self._warned = False

    @property
    def command(self) -> str | None:
        return self._command

    def play_good(self) -> None:
        self._play("good")

    def play_error(self) -> None:
        self._play("error")

    def _play(self, name: str) -> None:
        if not self.enabled:
            return
        self._reap()
        path = self._files[name]
        if self._command and path.exists():
            try:
                self._children.append(
                    subprocess.Popen(
                        [self._command, str(path)],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        close_fds=True,
                    )
                )
                return
            except OSError as exc:
                if not self._warned:
                    log.warning(
                        "Could not play sounds with %s (%s); using the system beep", self._command, exc
                    )
                    self._warned = True
                self._command = None
        QApplication.beep()
        if name == "error":  # two beeps, so the error still sounds different from a good scan
            QTimer.singleShot(180, QApplication.beep)

    def _reap(self) -> None:
        """Collect finished players (no zombies); never waits on a running one."""
        self._children = [child for child in self._children if child.poll() is None]


def _find_player() -> str | None:
    for name in PLAYER_COMMANDS:
        found = shutil.which(name)
        if found:
            return found
    return None


class FlashOverlay(QWidget):
    """A coloured frame around the window's edges for ~300 ms; red also washes the whole window.

    Good scans (the common case, many a minute) flash a thick green frame: the widget is masked to the
    frame and paints it opaque, so showing it repaints only the frame strips, never the lines table or
    the rest of the window under it (a full-window wash cost a full-window repaint, ~7 ms, on every
    scan). The banner's own colour says the rest. A rejected scan (rare, and the one that must not be
    missed) gets a thicker red frame plus a translucent red wash over everything; a warning, an amber
    frame. Never takes clicks or focus.
    """

    FRAME = {"good": 22, "warning": 30, "bad": 36}  # frame width in pixels per kind of flash

    def __init__(self, parent: QWidget, *, duration_ms: int = 300) -> None:
        super().__init__(parent)
        self.duration_ms = duration_ms
        self._color: QColor | None = None
        self._frame_width = 0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        # Paints every pixel of its (masked) region: Qt need not repaint what lies beneath.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("flashOverlay")
        self._wash = _Wash(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        parent.installEventFilter(self)
        self.hide()

    @property
    def color(self) -> QColor | None:
        """The colour currently flashing, or None when no flash is showing."""
        return self._color if self.isVisible() else None

    @property
    def washing(self) -> bool:
        """Whether the whole window is tinted too (a rejected scan), not only framed."""
        return self._wash.isVisible()

    def flash(self, color: QColor) -> None:
        if self.duration_ms <= 0:
            return
        self._timer.start(self.duration_ms)
        if self.isVisible() and self._color == color:
            return  # the same flash is up already: repainting it would show nothing new
        self._color = QColor(color)
        kind = "bad" if color == BAD_FLASH else "warning" if color == WARNING_FLASH else "good"
        self._frame_width = self.FRAME[kind]
        self._place()
        if kind == "bad":
            self._wash.show_color(self._color)
        else:
            self._wash.hide()
        self.raise_()
        if self.isVisible():
            self.update()  # another colour
        else:
            self.show()  # paints it

    def clear(self) -> None:
        """End the flash now (the timer does this after ``duration_ms``)."""
        self._timer.stop()
        self.hide()
        self._wash.hide()
        self._color = None

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        rect = parent.rect()
        self.setGeometry(rect)
        self._wash.setGeometry(rect)
        inner = self.rect().adjusted(
            self._frame_width, self._frame_width, -self._frame_width, -self._frame_width
        )
        self.setMask(QRegion(self.rect()).subtracted(QRegion(inner)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Keep covering the parent when it resizes.
        if watched is self.parentWidget() and event.type() == event.Type.Resize and self._frame_width:
            self._place()
        return False

    def paintEvent(self, _event: QPaintEvent) -> None:
        if self._color is None:
            return
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._color)  # clipped to the frame by the mask
        painter.end()


class _Wash(QWidget):
    """The translucent tint over the whole window that a rejected scan adds to the red frame."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._color = QColor()
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()

    def show_color(self, color: QColor) -> None:
        self._color = QColor(color)
        self._color.setAlpha(150)
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._color)
        painter.end()
