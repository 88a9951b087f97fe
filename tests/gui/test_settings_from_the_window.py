"""Settings opened from the running window (Ctrl+, with the focus in the code field), as IT does it:
saving writes only what was changed, never this run's environment, and the token field says where this
run's token comes from (issue 15, items 2 and 3)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from packstation.gui.settings_dialog import SettingsDialog
from tests.gui.e2e_support import LiveStation, station_config
from tests.gui.modal_support import when_modal

pytestmark = pytest.mark.gui


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    # This run's API and token come from the environment, as on a bench started by a service unit.
    monkeypatch.setenv("PACKSTATION_API_URL", emulator.base_url)
    monkeypatch.setenv("PACKSTATION_API_TOKEN", "dG9rZW4tZnJvbS1lbnY=")
    live = LiveStation(qtbot, station_config(tmp_path, emulator)).start()
    yield live
    live.close()


def keys(station: LiveStation, widget, text: str) -> None:
    """A person typing: 200 ms between keys on the scanner's clock, so they are no scan."""
    for char in text:
        station.clock.advance(200)
        QTest.keyClick(widget, char)
    station.clock.advance(200)


def test_changing_the_site_id_saves_only_the_site_id_and_the_token_field_names_the_variable(
    station, tmp_path, qtbot
):
    seen: list = []
    placeholder: list[str] = []

    def edit(dialog: SettingsDialog) -> None:
        placeholder.append(dialog.token.placeholderText())
        dialog.site_id.setFocus()
        dialog.site_id.selectAll()
        keys(station, dialog.site_id, "site-77")
        when_modal(lambda box: QTest.keyClick(box, Qt.Key.Key_Escape), kind=QMessageBox, seen=seen)  # Later
        QTest.keyClick(dialog.site_id, Qt.Key.Key_Return)  # Enter saves

    when_modal(edit, kind=SettingsDialog, seen=seen)
    station.window.manual_entry.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is station.window.manual_entry)
    QTest.keyClick(station.window.manual_entry, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(seen) == 2 and QApplication.activeModalWidget() is None)

    assert placeholder[0].startswith("token from PACKSTATION_API_TOKEN")
    saved = json.loads((tmp_path / "config-home" / "packstation" / "config.json").read_text())
    assert saved.get("site_id") == "site-77"
    assert "api_url" not in saved or saved["api_url"] != station.config.api_url  # never this run's env
    assert "dG9rZW4tZnJvbS1lbnY=" not in json.dumps(saved)
    assert not station.services.restart_requested  # "Later"
