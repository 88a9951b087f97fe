"""Sign-in says one thing, and "Restart now" after Settings keeps the packer and the last label (issue 15,
item 9); the demo's first screen points to its barcode sheet and F1 shows it (item 8, issue 14 item 6).

The real window from ``build_window``; keys go to the focused widget, scans are typed by a wedge scanner.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from packstation.gui.settings_dialog import SettingsDialog
from tests.gui.e2e_support import LiveStation, station_config
from tests.gui.modal_support import when_modal

pytestmark = pytest.mark.gui


def test_signed_out_the_prompt_bar_and_the_centre_say_the_same_thing(qtbot, qasync_loop, tmp_path, emulator):
    live = LiveStation(qtbot, station_config(tmp_path, emulator, packer="")).start()
    try:
        window = live.window
        assert window.prompt.label.text() == "Sign in: scan your badge"
        assert window.idle_title.text() == "Sign in: scan your badge"
        assert "USER:" in window.idle_hint.text()
        assert not window.demo_hint.isVisibleTo(window)  # not the demo
        window.manual_entry.setFocus()
        live.wedge("USER:Anna")
        assert live.view.packer == "Anna"
        assert window.idle_title.text() == "Scan the pick list of the next order"
        assert live.view.prompt == "Scan an order"
    finally:
        live.close()


def test_restart_now_after_settings_keeps_the_packer_and_the_last_label(
    qtbot, qasync_loop, tmp_path, emulator, monkeypatch
):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    config = station_config(tmp_path, emulator, packer="")
    emulator.seed_shipment("ORD-R", [("SKU-MUG", "Enamel mug", 1)])
    first = LiveStation(qtbot, config).start()
    try:
        first.window.manual_entry.setFocus()
        first.wedge("USER:Anna")
        first.wedge("ORD-R")
        first.wedge("SKU-MUG")
        first.wait_idle()
        first.wait_for(lambda: first.window.label_preview.caption.text() == "Order ORD-R, box 1")
        label_png = first.view.last_label_png
        assert label_png

        seen: list = []

        def restart_now(box: QMessageBox) -> None:
            next(b for b in box.buttons() if b.text() == "Restart now").click()

        def change_site(dialog: SettingsDialog) -> None:
            dialog.site_id.setText("site-after-restart")
            when_modal(restart_now, kind=QMessageBox, seen=seen)
            QTest.keyClick(dialog.site_id, Qt.Key.Key_Return)  # Enter saves

        when_modal(change_site, kind=SettingsDialog, seen=seen)
        QTest.keyClick(first.window.manual_entry, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(seen) == 2 and QApplication.activeModalWidget() is None)
        assert first.services.restart_requested
    finally:
        first.close()

    # The restarted app: a new process in real life, the same data folder.
    second = LiveStation(qtbot, config).start()
    try:
        assert second.view.packer == "Anna"
        assert second.window.header.packer_label.text() == "Anna"
        assert second.view.last_label_png == label_png
        assert second.window.label_preview.caption.text() == "Order ORD-R, box 1"
        assert not second.window.label_preview.image_label.pixmap().isNull()
        assert not list(config.data_dir.glob("restart-handover*"))  # taken up once
    finally:
        second.close()
    third = LiveStation(qtbot, config).start()  # a later, ordinary start: sign in again
    try:
        assert third.view.packer == ""
    finally:
        third.close()


def test_the_demo_points_to_its_barcode_sheet_and_f1_shows_it(qtbot, qasync_loop, tmp_path, emulator):
    import zxingcpp
    from PIL import Image

    from packstation.gui.demo_sheet_dialog import DemoSheetDialog

    live = LiveStation(qtbot, station_config(tmp_path, emulator), demo=True).start()
    window = live.window
    try:
        assert window.demo_hint.isVisible()
        assert "packstation print-commands --demo" in window.demo_hint.text()
        assert "F1" in window.demo_hint.text()
        assert any(b.text() == "Demo barcodes" for b in window.action_buttons)
        seen: list = []
        shown: dict = {}

        def read_sheet(dialog: DemoSheetDialog) -> None:
            try:
                image = dialog.image.pixmap().toImage()
                path = tmp_path / "sheet.png"
                image.save(str(path))
                shown["codes"] = [r.text for r in zxingcpp.read_barcodes(Image.open(path).convert("L"))]
            except Exception as exc:  # said in the assertion below, after the dialog is closed
                shown["error"] = repr(exc)
            finally:
                dialog.reject()

        when_modal(read_sheet, kind=DemoSheetDialog, seen=seen)
        window.activateWindow()
        window.manual_entry.setFocus()
        live.wait_for(lambda: QApplication.focusWidget() is window.manual_entry)
        QTest.keyClick(window.manual_entry, Qt.Key.Key_F1)  # pressed with the cursor in the code field
        live.wait_for(lambda: seen and QApplication.activeModalWidget() is None)
        assert "error" not in shown, shown
        codes = shown["codes"]
        assert "CMD:CLOSE-BOX" in codes
        assert any(code.startswith(("ACME1", "01HZ")) for code in codes)  # a demo order's pick list
    finally:
        live.close()
