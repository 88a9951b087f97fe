"""Sizes a packer in gloves, a metre from the screen, needs (issue 15, item 13): header buttons at least
44 px tall, the status bar's chips and "Last scan" at least 14 pt, every stats header whole. The real
window with its stylesheet, at 1920x1080 and 1366x768."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.gui.e2e_support import LiveStation, station_config

pytestmark = pytest.mark.gui


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator):
    live = LiveStation(qtbot, station_config(tmp_path, emulator)).start()
    live.window.manual_entry.setFocus()
    yield live
    live.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_buttons_and_texts_are_big_enough_for_gloves_at_a_metre(station, emulator, size, screenshot_dir):
    emulator.seed_shipment("ORD-G", [("SKU-MUG", "Enamel mug", 2)])
    station.wedge("ORD-G")
    station.wedge("SKU-MUG")
    station.wedge("CMD:CLOSE-BOX")
    station.window.resize(*size)
    station.settle()
    QApplication.processEvents()
    window = station.window
    buttons = [*window.action_buttons, window.header.settings_button]
    assert [b.text() for b in window.action_buttons] == ["End of day", "Packer stats", "Outbox"]
    assert min(b.height() for b in buttons) >= 44, [(b.text(), b.height()) for b in buttons]
    small = [
        (name, widget.font().pointSizeF())
        for name, widget in [
            ("last scan", window.last_scan_label),
            *((f"status {n}", getattr(window.status, n).text) for n in ("connection", "outbox", "printer")),
        ]
        if widget.font().pointSizeF() < 14
    ]
    assert window.boxes.cards and small == []
    window.grab().save(str(screenshot_dir / f"glove-sizes-{size[0]}x{size[1]}.png"))


def test_every_stats_header_is_whole(qtbot):
    from datetime import date

    from packstation.domain.stats import DayStats
    from packstation.gui.stats_dialog import StatsDialog

    dialog = StatsDialog(lambda: DayStats(date(2026, 12, 1), ()), save_csv=None)
    qtbot.addWidget(dialog)
    dialog.resize(900, 600)
    dialog.show()
    qtbot.waitExposed(dialog)
    header = dialog.table.horizontalHeader()
    metrics = header.fontMetrics()
    for column in range(dialog.table.columnCount()):
        text = dialog.table.horizontalHeaderItem(column).text()
        assert header.sectionSize(column) >= metrics.horizontalAdvance(text), text
