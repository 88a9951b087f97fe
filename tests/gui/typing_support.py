"""Typing into the window as a keyboard-wedge scanner does (key events to a widget, on a test clock)."""

from __future__ import annotations


def type_at_scanner_speed(qtbot, widget, clock, code: str, terminator=None) -> None:
    """Key presses to ``widget`` as a wedge scanner types them: 3 ms apart, then Enter (or
    ``terminator``)."""
    from PySide6.QtCore import Qt

    for char in code:
        clock.advance(3)
        qtbot.keyClick(widget, char)
    clock.advance(3)
    qtbot.keyClick(widget, terminator if terminator is not None else Qt.Key.Key_Return)
