"""What the screen says about offline work is true, and agrees with ``packstation outbox`` (issue 15,
items 5 and 6). The real window, scans typed by a wedge scanner into the focused field."""

from __future__ import annotations

import pytest

from packstation.commands import outbox as outbox_command
from packstation.domain.outbox import BackoffPolicy
from packstation.domain.view import BoxState, Connectivity
from packstation.emulator.faults import Fault
from tests.gui.e2e_support import LiveStation, station_config

pytestmark = pytest.mark.gui

MUG, PLATE = ("SKU-MUG", "Enamel mug", 1), ("SKU-PLATE", "Dinner plate", 1)


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator):
    live = LiveStation(qtbot, station_config(tmp_path, emulator)).start()
    live.window.manual_entry.setFocus()
    yield live
    live.close()


def screenshots(station: LiveStation, folder, name: str) -> None:
    for width, height in ((1920, 1080), (1366, 768)):
        station.window.resize(width, height)
        station.settle()
        station.window.grab().save(str(folder / f"{name}-{width}x{height}.png"))


def test_an_order_completed_offline_says_in_amber_which_boxes_carry_only_box_tags(
    station, emulator, screenshot_dir
):
    emulator.seed_shipment("ORD-OFF", [MUG, PLATE])
    station.wedge("ORD-OFF")  # loaded online: now in the station's cache
    emulator.stop()
    station.wedge("SKU-MUG")
    station.wedge("CMD:CLOSE-BOX")
    station.wait_for(lambda: station.view.status.connectivity is Connectivity.OFFLINE)
    station.wedge("SKU-PLATE")  # the last unit closes box 2 and completes the order
    station.wait_for(lambda: all(b.local_tag for b in station.view.boxes))

    tone, message = station.banner
    assert tone == "warning"
    assert "Order ORD-OFF complete (2 boxes). 2 boxes have box tags, not shipping labels" in message
    assert "real labels print when the connection is back" in message
    assert "Stick the labels on" not in message
    screenshots(station, screenshot_dir, "offline-complete")


def test_an_order_completed_online_stays_green(station, emulator):
    emulator.seed_shipment("ORD-ON", [MUG])
    station.wedge("ORD-ON")
    station.wedge("SKU-MUG")
    tone, message = station.banner
    assert tone == "good" and "Stick the labels on" in message


def test_a_successful_look_up_ends_offline_at_once(station, emulator):
    emulator.seed_shipment("ORD-A", [MUG])
    emulator.seed_shipment("ORD-B", [PLATE])
    station.wedge("ORD-A")
    # The outbox's next try is 2.5-5 s after a failure: longer than the look-up below takes.
    station.services.outbox.backoff = BackoffPolicy(base_s=5.0, cap_s=5.0)
    emulator.stop()
    station.wedge("SKU-MUG")  # box 1 closes: the outbox cannot reach Ingrid
    station.wait_for(lambda: station.view.status.connectivity is Connectivity.OFFLINE)
    emulator.start()
    # The outbox waits out its back-off; the next order's look-up is answered now, and says so.
    station.wedge("ORD-B")
    assert station.header == "Order ORD-B"
    station.wait_for(lambda: station.view.status.connectivity is Connectivity.ONLINE, timeout_ms=1500)
    assert not station.status_texts()["connection"].startswith("OFFLINE")
    station.wait_idle()


def test_a_box_the_outbox_gave_up_on_says_needs_attention_as_the_cli_does(
    station, emulator, capsys, expected_log
):
    expected_log.allow("needs attention: shipments.bookParcels")
    emulator.seed_shipment("ORD-OK", [MUG, PLATE])
    station.wedge("ORD-OK")
    station.wedge("SKU-MUG")
    station.wedge("CMD:CLOSE-BOX")
    station.wedge("SKU-PLATE")  # two boxes in the database before the next order's first
    station.wait_idle()
    emulator.add_fault(Fault("shipments.bookParcels", "status", status=400))
    emulator.seed_shipment("ORD-BAD", [MUG])
    station.wedge("ORD-BAD")
    station.wedge("SKU-MUG")
    station.wait_for(lambda: station.view.boxes and station.view.boxes[0].state is BoxState.FAILED)
    station.settle()
    (card,) = station.shown_boxes()
    assert card.chip != "WAITING TO SEND"
    assert card.problem.startswith("Needs attention:")
    capsys.readouterr()
    _depth, attention = outbox_command.describe(station.services.store)
    cli = capsys.readouterr().out
    # The box number the packer sees (database id 3), with the order and the tag on the box.
    assert attention == 1 and "order ORD-BAD box 1 (tag BOX-" in cli and "box 3" not in cli
    assert card.title == "Box 1"
    station.wait_idle()


def park_one_box(station: LiveStation, emulator) -> None:
    emulator.add_fault(Fault("shipments.bookParcels", "status", status=400))
    emulator.seed_shipment("ORD-BAD", [MUG])
    station.wedge("ORD-BAD")
    station.wedge("SKU-MUG")
    station.wait_for(lambda: station.view.boxes and station.view.boxes[0].state is BoxState.FAILED)
    station.settle()


def test_the_outbox_view_opens_from_the_keyboard_lists_what_the_cli_lists_and_retries(
    station, emulator, capsys, expected_log, screenshot_dir
):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from packstation.gui.outbox_dialog import OutboxDialog
    from packstation.services.queue_report import queue_items, report_lines
    from tests.gui.modal_support import when_modal

    expected_log.allow("needs attention: shipments.bookParcels")
    park_one_box(station, emulator)
    seen: list = []
    shown: dict = {}

    def in_the_view(dialog: OutboxDialog) -> None:
        shown["rows"] = [
            tuple(dialog.table.item(r, c).text() for c in range(3)) for r in range(dialog.table.rowCount())
        ]
        shown["retry_enabled"] = dialog.retry_button.isEnabled()
        for width, height in ((1920, 1080), (1366, 768)):
            dialog.resize(min(1000, width - 40), min(480, height - 60))
            QApplication.processEvents()
            dialog.grab().save(str(screenshot_dir / f"outbox-view-{width}x{height}.png"))
        capsys.readouterr()
        outbox_command.describe(station.services.store)  # what `packstation outbox` prints now
        shown["cli"] = capsys.readouterr().out
        emulator.clear_faults()  # the cause is fixed; the packer retries
        QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)  # Enter: retry the row
        shown["result"] = dialog.result_label.text()
        QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)

    when_modal(in_the_view, kind=OutboxDialog, seen=seen)
    QTest.keyClick(
        station.window.manual_entry,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)

    # The order's completion waits behind its box, named by its order too.
    row, finish = shown["rows"]
    assert finish[:2] == ("WAITING TO SEND", "Finish (spare parcels, being-packed mark) of order ORD-BAD")
    assert row[0] == "NEEDS ATTENTION"
    assert row[1].startswith("Book order ORD-BAD box 1 (tag BOX-")
    assert "HTTP 400" in row[2]
    assert shown["retry_enabled"]
    assert shown["result"].endswith("is queued again; it is sent in a moment.")
    assert station.services.store.outbox.needs_attention() == []
    assert f"NEEDS ATTENTION: {row[1]}: {row[2]}" in shown["cli"]  # the CLI says the same words
    assert [line.strip() for line in report_lines(queue_items(station.services.store))] != []
    station.wait_idle()
    assert station.shown_boxes()[0].chip == "LABEL PRINTED"


def test_scanning_cmd_outbox_opens_the_view(station, emulator, expected_log):
    from PySide6.QtWidgets import QApplication

    from packstation.gui.outbox_dialog import OutboxDialog
    from tests.gui.modal_support import when_modal

    expected_log.allow("needs attention: shipments.bookParcels")
    park_one_box(station, emulator)
    seen: list = []
    words: list[str] = []

    def read_and_close(dialog: OutboxDialog) -> None:
        words.extend(dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount()))
        dialog.reject()

    when_modal(read_and_close, kind=OutboxDialog, seen=seen)
    station.wedge("CMD:OUTBOX")
    station.wait_for(lambda: seen and QApplication.activeModalWidget() is None)
    assert words and words[0].startswith("Book order ORD-BAD box 1")
    assert "CMD:OUTBOX" not in [s["raw"] for s in station.services.store.scans.recent()]  # not a packing scan
