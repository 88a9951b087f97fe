"""What the packer notices without reading: a coloured flash of the whole window and a sound.

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

from PySide6.QtCore import QObject, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
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
        self._children: list[subprocess.Popen] = []
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
    """A translucent colour wash over the whole window for ~300 ms; never takes clicks or focus.

    Red is painted almost opaque with a thick border so an error is unmissable from the corner of the
    eye; green is lighter so good scans (the common case) do not tire the eyes.
    """

    def __init__(self, parent: QWidget, *, duration_ms: int = 300) -> None:
        super().__init__(parent)
        self.duration_ms = duration_ms
        self._color: QColor | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("flashOverlay")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._end)
        parent.installEventFilter(self)
        self.hide()

    @property
    def color(self) -> QColor | None:
        """The colour currently flashing, or None when no flash is showing."""
        return self._color if self.isVisible() else None

    def flash(self, color: QColor) -> None:
        if self.duration_ms <= 0:
            return
        self._color = QColor(color)
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.update()
        self._timer.start(self.duration_ms)

    def _end(self) -> None:
        self.hide()
        self._color = None

    def eventFilter(self, watched: QObject, event) -> bool:  # keep covering the parent when it resizes
        if watched is self.parentWidget() and event.type() == event.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, _event) -> None:
        if self._color is None:
            return
        painter = QPainter(self)
        fill = QColor(self._color)
        strong = self._color == BAD_FLASH
        fill.setAlpha(150 if strong else 90)
        painter.fillRect(self.rect(), fill)
        border = 28 if strong else 16
        edge = QColor(self._color)
        rect = self.rect()
        for band in (
            QRect(0, 0, rect.width(), border),
            QRect(0, rect.height() - border, rect.width(), border),
            QRect(0, 0, border, rect.height()),
            QRect(rect.width() - border, 0, border, rect.height()),
        ):
            painter.fillRect(band, edge)
        painter.end()
