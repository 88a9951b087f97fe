"""Keyboard-wedge capture: scans are recognised by timing wherever the focus is and never typed into
a widget; people typing slowly still reach the focused widget."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from packstation.gui.scanner import WedgeScanner

pytestmark = pytest.mark.gui

SCANNER_GAP_MS = 4  # a wedge scanner types a key every few ms
HUMAN_GAP_MS = 180  # a fast person still needs >100 ms between keys
# Seen in a real X session: `xdotool type "CODE\n"` (and software wedges) send X11's Linefeed keysym,
# which Qt delivers as key 0x0a with the text "\n", not as Key_Return.
LINE_FEED = "line feed"


@pytest.fixture(params=["application", "focus"])
def scanner(request, qapp, clock):
    """Both ways the scanner watches: every key press of the application, and (the app's first
    second after its first paint) the focus widget's only, moving with the focus."""
    scanner = WedgeScanner(clock=clock)
    if request.param == "application":
        scanner.install(qapp)
    else:
        scanner.install_on_focus(qapp)
    yield scanner
    scanner.uninstall()


@pytest.fixture
def form(qtbot, qapp):
    """A window with a focused line edit (like a field in the settings dialog) and a button."""
    window = QWidget()
    layout = QVBoxLayout(window)
    edit = QLineEdit()
    button = QPushButton("OK")
    layout.addWidget(edit)
    layout.addWidget(button)
    qtbot.addWidget(window)
    window.show()
    qapp.processEvents()  # offscreen: activation is only honoured once the window is really shown
    window.activateWindow()
    qapp.processEvents()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    return window, edit, button


def type_keys(qtbot, widget, text: str, clock, gap_ms: float, terminator=None) -> None:
    for char in text:
        clock.advance(gap_ms)
        qtbot.keyClick(widget, char)
    if terminator == LINE_FEED:  # QTest would turn "\n" into Key_Return: send the event X11 delivers
        clock.advance(gap_ms)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                QApplication.focusWidget(), QKeyEvent(kind, 0x0A, Qt.KeyboardModifier.NoModifier, "\n")
            )
    elif terminator is not None:
        clock.advance(gap_ms)
        qtbot.keyClick(widget, terminator)


def test_fast_burst_with_enter_is_a_scan_and_never_reaches_the_focused_field(qtbot, scanner, form, clock):
    _window, edit, _button = form
    with qtbot.waitSignal(scanner.scanned, timeout=1000) as signal:
        type_keys(qtbot, edit, "ORD-10482", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)
    assert signal.args == ["ORD-10482"]
    qtbot.wait(scanner._release_timer.interval() + 50)  # give any wrongly held key a chance to leak
    assert edit.text() == ""
    assert scanner.holding == ""


def test_tab_terminator_also_ends_a_scan_and_focus_stays(qtbot, scanner, form, clock):
    _window, edit, button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, edit, "SKU-42-A", clock, SCANNER_GAP_MS, Qt.Key.Key_Tab)
    assert scans == ["SKU-42-A"]
    assert edit.text() == ""
    assert not button.hasFocus()  # the Tab was swallowed with the scan


@pytest.mark.parametrize("terminator", [Qt.Key.Key_Enter, LINE_FEED], ids=["keypad-enter", "line-feed"])
def test_keypad_enter_and_a_line_feed_terminate_too(qtbot, scanner, form, clock, terminator):
    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, edit, "CMD:CLOSE-BOX", clock, SCANNER_GAP_MS, terminator)
    assert scans == ["CMD:CLOSE-BOX"]
    assert edit.text() == ""


def test_slow_typing_reaches_the_focused_field_in_order(qtbot, scanner, form, clock):
    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, edit, "hello", clock, HUMAN_GAP_MS)
    clock.advance(HUMAN_GAP_MS)
    qtbot.waitUntil(lambda: edit.text() == "hello", timeout=2000)
    assert scans == []


def test_slow_typing_then_enter_passes_the_enter_to_the_field(qtbot, scanner, form, clock):
    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    with qtbot.waitSignal(edit.returnPressed, timeout=1000):
        type_keys(qtbot, edit, "ORD1", clock, HUMAN_GAP_MS, Qt.Key.Key_Return)
    assert edit.text() == "ORD1"
    assert scans == []


def test_short_fast_burst_is_typing_not_a_scan(qtbot, scanner, form, clock):
    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, edit, "ab", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)
    assert scans == []
    assert edit.text() == "ab"


def test_fast_burst_without_terminator_is_released_as_typing(qtbot, scanner, form, clock):
    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, edit, "abcdef", clock, SCANNER_GAP_MS)
    clock.advance(500)
    qtbot.waitUntil(lambda: edit.text() == "abcdef", timeout=2000)
    assert scans == []


def test_a_pause_in_the_middle_splits_typing_from_a_scan(qtbot, scanner, form, clock):
    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, edit, "xy", clock, HUMAN_GAP_MS)  # a person typed two letters
    clock.advance(HUMAN_GAP_MS)
    type_keys(qtbot, edit, "4006381333931", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)  # then a scan
    assert scans == ["4006381333931"]
    assert edit.text() == "xy"


def test_scan_while_a_button_has_focus_does_not_click_it(qtbot, scanner, form, clock):
    _window, _edit, button = form
    clicks: list[bool] = []
    button.clicked.connect(clicks.append)
    button.setFocus()
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, button, "AB  CD", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)  # spaces would click
    assert scans == ["AB  CD"]
    assert clicks == []


def test_non_printable_keys_pass_through(qtbot, scanner, form, clock):
    _window, edit, _button = form
    edit.setText("abc")
    edit.end(False)
    clock.advance(HUMAN_GAP_MS)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == "ab"


def test_ctrl_shortcuts_are_not_captured(qtbot, scanner, form, clock):
    _window, edit, _button = form
    edit.setText("select me")
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert edit.selectedText() == "select me"
    assert scanner.holding == ""


def test_back_to_back_scans(qtbot, scanner, form, clock):
    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    for code in ("ORD-1", "SKU-1", "SKU-2", "CMD:CLOSE-BOX"):
        type_keys(qtbot, edit, code, clock, SCANNER_GAP_MS, Qt.Key.Key_Return)
        clock.advance(300)
    assert scans == ["ORD-1", "SKU-1", "SKU-2", "CMD:CLOSE-BOX"]
    assert edit.text() == ""


def test_uninstalled_scanner_leaves_keys_alone(qtbot, qapp, form, clock):
    _window, edit, _button = form
    scanner = WedgeScanner(clock=clock)
    scanner.install(qapp)
    scanner.uninstall()
    type_keys(qtbot, edit, "ORD-7", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)
    assert edit.text() == "ORD-7"


def test_ctrl_bracket_inside_a_burst_is_the_gs_separator_of_a_gs1_code(qtbot, scanner, form, clock):
    # A keyboard-wedge scanner types GS (FNC1) as Ctrl+]: Qt delivers the key with the text "\x1d".
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    _window, edit, _button = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_keys(qtbot, edit, "0109506000134352104A2B", clock, SCANNER_GAP_MS)
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        clock.advance(SCANNER_GAP_MS / 2)
        event = QKeyEvent(kind, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier, "\x1d")
        QApplication.sendEvent(edit, event)
    type_keys(qtbot, edit, "21SER1", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)
    assert scans == ["0109506000134352104A2B\x1d21SER1"]
    assert edit.text() == ""


def test_ctrl_bracket_typed_alone_is_not_held(qtbot, scanner, form, clock):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    _window, edit, _button = form
    clock.advance(HUMAN_GAP_MS)
    event = QKeyEvent(
        QEvent.Type.KeyPress, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier, "\x1d"
    )
    QApplication.sendEvent(edit, event)
    assert scanner.holding == ""


def test_watching_the_focus_follows_it_to_another_window_and_widening_judges_each_key_once(
    qtbot, qapp, form, clock
):
    """The app's first second: the scanner watches the focus widget and moves with it (a scan into
    another window's field is still a scan); widened to the application, a scan is one scan, not
    two (the focus widget's filter is gone), and a person's typing still reaches the field."""
    scanner = WedgeScanner(clock=clock)
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    scanner.install_on_focus(qapp)
    try:
        _window, edit, _button = form
        other = QLineEdit()
        qtbot.addWidget(other)
        other.show()
        qapp.processEvents()
        other.activateWindow()
        other.setFocus()
        qtbot.waitUntil(other.hasFocus, timeout=2000)
        type_keys(qtbot, other, "ORD-1", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)
        assert scans == ["ORD-1"] and other.text() == ""
        assert not scanner.application_wide
        scanner.install(qapp)
        assert scanner.application_wide
        assert scanner._on_focus.watched is None  # the focus widget's filter is gone: one filter at a time
        type_keys(qtbot, other, "ORD-2", clock, SCANNER_GAP_MS, Qt.Key.Key_Return)
        assert scans == ["ORD-1", "ORD-2"]
        edit.activateWindow()
        edit.setFocus()
        qtbot.waitUntil(edit.hasFocus, timeout=2000)
        assert not scanner._on_focus.started  # and it no longer follows the focus
        type_keys(qtbot, edit, "ab", clock, HUMAN_GAP_MS)
        clock.advance(HUMAN_GAP_MS)
        qtbot.waitUntil(lambda: edit.text() == "ab", timeout=2000)
        assert scans == ["ORD-1", "ORD-2"]
    finally:
        scanner.uninstall()
