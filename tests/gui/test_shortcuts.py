"""Every shortcut the app advertises works whatever widget has the focus (issue 15, item 1).

The keys are sent as a packer presses them: ``QTest.keyClick`` to the widget that has the focus, which
makes Qt ask that widget first (``ShortcutOverride``), as a real key press does. On X11 desktops a
``QLineEdit`` claims Ctrl+E ("end of line"); ``ClaimingLineEdit`` claims every key the same way, so the
tests prove the window's rule on any platform, and under ``QT_QPA_PLATFORM=xcb`` the plain field shows it
with the real X11 key bindings.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from packstation.gui.bridge import StationBridge
from packstation.gui.feedback import NullSoundPlayer
from packstation.gui.main_window import MainWindow
from packstation.gui.scanner import WedgeScanner

pytestmark = pytest.mark.gui

# What the README, the tooltips and the field's placeholder promise.
ADVERTISED = ("Ctrl+E", "Ctrl+T", "Ctrl+,", "Ctrl+L", "F6", "Ctrl+Shift+O")


class ClaimingLineEdit(QLineEdit):
    """A field that claims every key before any shortcut, as QLineEdit does with Ctrl+E on X11."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)


@pytest.fixture
def window(qtbot, controller, clock):
    fired: list[str] = []
    win = MainWindow(
        controller,
        StationBridge(),
        sounds=NullSoundPlayer(),
        scanner=WedgeScanner(clock=clock),
        settings_opener=lambda: fired.append("Ctrl+,"),
        actions=[
            ("End of day", "Ctrl+E", lambda: fired.append("Ctrl+E")),
            ("Packer stats", "Ctrl+T", lambda: fired.append("Ctrl+T")),
            ("Outbox", "Ctrl+Shift+O", lambda: fired.append("Ctrl+Shift+O")),
        ],
    )
    win.fired = fired
    win.claiming = ClaimingLineEdit()
    win.claiming.setObjectName("claimingField")
    win.statusBar().addPermanentWidget(win.claiming)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.close()


def press(keys: str) -> None:
    """The key combination, pressed on whatever has the focus now."""
    combination = QKeySequence(keys)[0]
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, combination.key(), combination.keyboardModifiers())


def focusable_widgets(win: MainWindow) -> list[QWidget]:
    return [
        w
        for w in win.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(win) and w.isEnabled()
    ]


def focus(qtbot, widget: QWidget) -> None:
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def test_the_window_registers_every_advertised_shortcut(window):
    assert set(window.shortcuts.sequences) == {QKeySequence(k).toString() for k in ADVERTISED}


@pytest.mark.parametrize("keys", ["Ctrl+E", "Ctrl+T", "Ctrl+,", "Ctrl+Shift+O"])
def test_action_shortcuts_fire_from_every_focusable_widget(qtbot, window, keys):
    widgets = focusable_widgets(window)
    assert window.manual_entry in widgets and window.claiming in widgets
    for widget in widgets:
        focus(qtbot, widget)
        window.fired.clear()
        press(keys)
        assert window.fired == [keys], f"{keys} did not fire with {widget.objectName() or widget} focused"


@pytest.mark.parametrize("keys", ["Ctrl+L", "F6"])
def test_focus_shortcuts_bring_the_cursor_to_the_entry_field_from_a_claiming_field(qtbot, window, keys):
    focus(qtbot, window.claiming)
    press(keys)
    assert QApplication.focusWidget() is window.manual_entry


def test_ctrl_e_in_the_typed_code_field_opens_end_of_day_not_the_end_of_the_line(qtbot, window):
    focus(qtbot, window.manual_entry)
    window.manual_entry.setText("ORD-1")
    window.manual_entry.setCursorPosition(0)
    press("Ctrl+E")
    assert window.fired == ["Ctrl+E"]
    assert window.manual_entry.text() == "ORD-1"


def test_other_editing_keys_stay_with_the_field(qtbot, window):
    focus(qtbot, window.manual_entry)
    window.manual_entry.setText("ORD-1")
    press("Ctrl+A")  # select all: not a shortcut of ours
    assert window.manual_entry.selectedText() == "ORD-1"
    assert window.fired == []


def test_ctrl_e_still_wins_after_the_focus_went_to_another_window_and_came_back(qtbot, window):
    # The filter follows the focus widget (not an application-wide filter): it must be back on the
    # field once the focus is, and must not claim the other window's keys meanwhile.
    other = ClaimingLineEdit()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    focus(qtbot, other)
    press("Ctrl+E")
    assert window.fired == []  # the other window's field keeps its keys
    window.activateWindow()
    focus(qtbot, window.claiming)
    press("Ctrl+E")
    assert window.fired == ["Ctrl+E"]
