"""The catalogue import from the Settings dialog (issue 14, item 1): the running window, Settings opened
with Ctrl+, from the code field, the Catalogue tab, the Import button clicked. Only the file dialog's
choice of path is replaced (the OS's dialog); the import is the station's own (``packstation catalogue
import``'s), into the real store. A bad file is named line by line and changes nothing; a good one
applies at once: the product's EAN packs its SKU as soon as the dialog is closed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from packstation.gui.settings_dialog import SettingsDialog
from tests.gui.e2e_support import LiveStation, station_config
from tests.gui.modal_support import when_modal

pytestmark = pytest.mark.gui

EAN_MUG = "4006381333931"
BAD_FILE = "barcode,sku,name\n4006381333931,SKU-MUG,Enamel mug\n4006381333932,SKU-PLATE,Plate\n"
GOOD_FILE = "barcode,sku,name,units\n4006381333931,SKU-MUG,Enamel mug,1\n"


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    live = LiveStation(qtbot, station_config(tmp_path, emulator)).start()
    live.window.activateWindow()
    live.window.manual_entry.setFocus()
    live.wait_for(lambda: QApplication.focusWidget() is live.window.manual_entry)
    yield live
    live.close()


def import_in_settings(station: LiveStation, monkeypatch, path, *, merge: bool = False) -> dict:
    """Open Settings from the keyboard, import ``path`` on the Catalogue tab, read the tab, Esc."""
    monkeypatch.setattr(SettingsDialog, "choose_catalogue_file", lambda self: str(path))
    seen: list = []
    shown: dict = {}

    def on_catalogue_tab(dialog: SettingsDialog) -> None:
        titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
        dialog.tabs.setCurrentIndex(titles.index("Catalogue"))
        QApplication.processEvents()
        shown["state_before"] = dialog.catalogue_state.text()
        if merge:
            QTest.mouseClick(dialog.catalogue_merge, Qt.MouseButton.LeftButton)
        QTest.mouseClick(dialog.catalogue_import_button, Qt.MouseButton.LeftButton)
        shown["result"] = dialog.catalogue_result.text()
        shown["problems"] = dialog.catalogue_problems.toPlainText()
        shown["problems_visible"] = dialog.catalogue_problems.isVisible()
        QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)  # nothing to save

    when_modal(on_catalogue_tab, kind=SettingsDialog, seen=seen)
    QTest.keyClick(station.window.manual_entry, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)
    return shown


def test_a_bad_catalogue_file_is_named_by_line_in_the_dialog_and_changes_nothing(
    station, monkeypatch, tmp_path
):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    shown = import_in_settings(station, monkeypatch, path)
    assert shown["state_before"].startswith("The catalogue is empty")
    assert shown["result"] == f"{path}: 1 bad row(s), nothing was imported:"
    assert shown["problems_visible"] and shown["problems"].startswith("line 3:")
    assert station.services.store.catalogue.summary().rows == 0  # all or nothing


def test_a_good_catalogue_file_imports_and_applies_at_once(station, monkeypatch, tmp_path, emulator):
    path = tmp_path / "good.csv"
    path.write_text(GOOD_FILE, encoding="utf-8")
    shown = import_in_settings(station, monkeypatch, path, merge=True)
    assert shown["result"].startswith(f"Imported 1 barcode(s) from {path} (merge): 1 new")
    assert not shown["problems_visible"]
    assert station.services.store.catalogue.lookup(EAN_MUG).sku == "SKU-MUG"
    assert not station.services.restart_requested  # an import needs no restart

    emulator.seed_shipment("ORD-CAT", [("SKU-MUG", "Enamel mug", 2)])
    station.window.manual_entry.setFocus()
    station.wedge("ORD-CAT")
    station.wedge(EAN_MUG)
    assert station.shown_line("Enamel mug").packed == "1 / 2"
