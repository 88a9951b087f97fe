"""Scans while a dialog is open never reach the order (issue 15, item 4).

The real window (``build_window``), dialogs opened as the packer opens them (shortcut keys pressed on the
focused widget, Alt+F4), scans typed by a wedge scanner into whatever has the focus in the dialog, or
arriving through the bridge as serial scans do. Each test asserts the order did not change, the dialog's
own strip said so, and the scan log holds the scan with the outcome ``held_dialog_open``.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from packstation.domain.outcomes import Outcome
from packstation.gui.dialog_scans import STRIP_NAME, DialogScanStrip
from packstation.gui.settings_dialog import SettingsDialog
from packstation.gui.stats_dialog import StatsDialog
from tests.gui.e2e_support import LiveStation, station_config
from tests.gui.modal_support import when_modal

pytestmark = pytest.mark.gui

MUG = ("SKU-MUG", "Enamel mug", 2)


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator):
    live = LiveStation(qtbot, station_config(tmp_path, emulator)).start()
    live.window.manual_entry.setFocus()
    emulator.seed_shipment("ORD-D", [MUG])
    live.wedge("ORD-D")
    live.wedge("SKU-MUG")
    assert live.shown_line("Enamel mug").packed == "1 / 2"
    yield live
    live.close()


def strip_text(dialog) -> str:
    strip = dialog.findChild(DialogScanStrip, STRIP_NAME)
    return strip.text() if strip is not None and strip.isVisible() else ""


def held_scans(station: LiveStation) -> list[str]:
    return [
        s["raw"] for s in station.services.store.scans.recent() if s["outcome"] == Outcome.HELD_DIALOG_OPEN
    ]


def press_on_focus(key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget() or QApplication.activeWindow()
    QTest.keyClick(target, key, modifiers)


def test_a_wedge_scan_in_the_settings_dialog_is_not_used_and_the_dialog_says_so(station):
    seen: list = []
    shown: dict = {}

    def scan_in_settings(dialog: SettingsDialog) -> None:
        station.wedge("SKU-MUG")  # typed into the dialog's focused field at scanner speed
        shown["strip"] = strip_text(dialog)
        shown["fields"] = [dialog.site_id.text(), dialog.packer.text()] if hasattr(dialog, "site_id") else []
        shown["packed"] = station.shown_line("Enamel mug").packed
        press_on_focus(Qt.Key.Key_Escape)

    when_modal(scan_in_settings, kind=SettingsDialog, seen=seen)
    press_on_focus(Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Ctrl+, opens Settings
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)

    assert shown["strip"] == "Close this dialog first — scan not used: SKU-MUG"
    assert all("SKU-MUG" not in text for text in shown["fields"])  # nor did it land in a field
    assert shown["packed"] == "1 / 2"
    station.settle()
    assert station.shown_line("Enamel mug").packed == "1 / 2"  # the order never got it
    assert held_scans(station) == ["SKU-MUG"]
    assert station.sounds.played[-1] == "error"
    (row,) = [s for s in station.services.store.scans.recent() if s["outcome"] == Outcome.HELD_DIALOG_OPEN]
    assert row["order_key"] == "ORD-D" and "dialog was open" in row["detail"]


def test_a_badge_scanned_into_the_settings_packer_field_fills_it(station):
    seen: list = []
    shown: dict = {}

    def badge_into_packer(dialog: SettingsDialog) -> None:
        dialog.tabs.setCurrentIndex(2)  # "This bench"
        dialog.packer.clear()
        dialog.packer.setFocus()
        QApplication.processEvents()  # the tab is shown and the field takes the focus
        shown["focus"] = QApplication.focusWidget() if QApplication.focusWidget() is dialog.packer else None
        station.wedge("USER:Bo Berg")
        shown["packer"] = dialog.packer.text()
        shown["strip"] = strip_text(dialog)
        press_on_focus(Qt.Key.Key_Escape)

    when_modal(badge_into_packer, kind=SettingsDialog, seen=seen)
    press_on_focus(Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)

    assert shown["focus"] is not None  # the Packer field had the focus, as the packer put it there
    assert shown["packer"] == "Bo Berg"
    assert shown["strip"] == "Badge read: Bo Berg"
    assert station.view.packer != "Bo Berg"  # the bench's sign-in did not change
    assert held_scans(station) == []


def test_a_badge_elsewhere_in_a_dialog_is_held_like_any_scan(station):
    seen: list = []
    shown: dict = {}

    def badge_in_stats(dialog: StatsDialog) -> None:
        station.wedge("USER:Bo")
        shown["strip"] = strip_text(dialog)
        press_on_focus(Qt.Key.Key_Escape)

    when_modal(badge_in_stats, kind=StatsDialog, seen=seen)
    press_on_focus(Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # Ctrl+T: packer stats
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)
    assert shown["strip"] == "Close this dialog first — scan not used: USER:Bo"
    assert station.view.packer != "Bo" and held_scans(station) == ["USER:Bo"]


def test_a_serial_scan_arriving_while_the_stats_dialog_is_open_is_not_used(station):
    seen: list = []
    shown: dict = {}

    def serial_scan(dialog: StatsDialog) -> None:
        station.scan("SKU-MUG")  # the bridge's publish_scan: the serial scanner's path
        shown["strip"] = strip_text(dialog)
        dialog.reject()

    when_modal(serial_scan, kind=StatsDialog, seen=seen)
    press_on_focus(Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)
    assert shown["strip"] == "Close this dialog first — scan not used: SKU-MUG"
    assert station.shown_line("Enamel mug").packed == "1 / 2"
    assert held_scans(station) == ["SKU-MUG"]


def test_a_scan_behind_the_close_question_is_not_used(station):
    seen: list = []
    shown: dict = {}

    def scan_then_keep_packing(box: QMessageBox) -> None:
        station.wedge("SKU-MUG")
        shown["strip"] = strip_text(box)
        keep = next(b for b in box.buttons() if b.text() == "Keep packing")
        keep.click()

    when_modal(scan_then_keep_packing, kind=QMessageBox, seen=seen)
    station.window.close()  # Alt+F4 / the window's X with an order open: asks
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)
    assert station.window.isVisible()
    assert shown["strip"] == "Close this dialog first — scan not used: SKU-MUG"
    assert station.shown_line("Enamel mug").packed == "1 / 2"
    assert held_scans(station) == ["SKU-MUG"]


def test_a_scan_behind_a_file_dialog_is_not_used_and_after_closing_scans_work_again(station):
    seen: list = []
    shown: dict = {}

    def scan_in_file_dialog(dialog: QFileDialog) -> None:
        station.wedge("SKU-MUG")
        station.wedge("CMD:OUTBOX")
        shown["strip"] = strip_text(dialog)
        shown["modal"] = QApplication.activeModalWidget() is dialog
        dialog.reject()

    dialog = QFileDialog(station.window, "Save as")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    when_modal(scan_in_file_dialog, kind=QFileDialog, seen=seen)
    dialog.exec()
    assert shown["strip"] == "Close this dialog first — scan not used: CMD:OUTBOX"
    assert shown["modal"]  # CMD:OUTBOX, a window command, is held too: no second dialog over this one
    assert held_scans(station) == ["SKU-MUG", "CMD:OUTBOX"]
    assert station.shown_line("Enamel mug").packed == "1 / 2"
    station.window.manual_entry.setFocus()
    station.wedge("SKU-MUG")  # the dialog is closed: the same scan packs now
    assert station.shown_line("Enamel mug").packed == "2 / 2"
