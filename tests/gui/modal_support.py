"""Driving modal dialogs from a test: ``exec()`` blocks the test until the dialog closes, so what the
packer does in the dialog is scheduled beforehand and runs inside the dialog's own event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget


def when_modal(act: Callable[[QWidget], Any], *, kind: type | None = None, seen: list | None = None) -> None:
    """Run ``act(dialog)`` as soon as a modal dialog (of ``kind``) is open; ``seen`` collects it."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or (kind is not None and not isinstance(dialog, kind)):
            QTimer.singleShot(10, poll)
            return
        if seen is not None:
            seen.append(dialog)
        act(dialog)

    QTimer.singleShot(10, poll)
