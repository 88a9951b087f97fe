"""Closing the window with an order open asks first and says the order is safe (issue 15, item 12);
the demo leaves no scratch folder behind."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.gui.e2e_support import LiveStation, station_config
from tests.gui.modal_support import when_modal

pytestmark = pytest.mark.gui


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator):
    live = LiveStation(qtbot, station_config(tmp_path, emulator)).start()
    live.window.manual_entry.setFocus()
    yield live
    live.close()


def window_manager_close(station: LiveStation) -> bool:
    """What Alt+F4 or the title bar's X sends the window; True when it closed."""
    event = QCloseEvent()
    QApplication.sendEvent(station.window, event)
    return event.isAccepted()


def test_closing_with_an_open_order_asks_and_esc_keeps_packing(station, emulator, qtbot):
    emulator.seed_shipment("ORD-C", [("SKU-MUG", "Enamel mug", 2)])
    station.wedge("ORD-C")
    station.wedge("SKU-MUG")
    asked: list = []
    words: list[str] = []

    def keep(box: QMessageBox) -> None:
        words.append(box.text())
        QTest.keyClick(box, Qt.Key.Key_Escape)

    when_modal(keep, kind=QMessageBox, seen=asked)
    assert window_manager_close(station) is False
    assert asked and "Order ORD-C is open" in words[0] and "safe in the station's database" in words[0]
    assert station.window.isVisible()

    def close(box: QMessageBox) -> None:
        (button,) = [b for b in box.buttons() if b.text() == "Close packstation"]
        button.click()

    when_modal(close, kind=QMessageBox, seen=asked)
    assert window_manager_close(station) is True
    assert len(asked) == 2


def test_closing_with_no_open_order_does_not_ask(station):
    assert QApplication.activeModalWidget() is None
    assert window_manager_close(station) is True


@pytest.mark.slow
def test_the_demo_removes_its_scratch_folder_at_exit(tmp_path):
    scratch = Path(tempfile.gettempdir())
    before = {p.name for p in scratch.glob("packstation-demo-*")}
    script = tmp_path / "scans.txt"
    script.write_text("", encoding="utf-8")
    command = [sys.executable, "-m", "packstation", "--demo", "--replay", str(script), "--exit-when-idle"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in scratch.glob("packstation-demo-*")} == before
