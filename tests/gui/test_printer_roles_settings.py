"""Printer roles in Settings: the label, receipt and document printers each have a URI field and their own
test print button (clicked or keyed); from the running window, each button prints on its own printer
through the print queue: the receipt printer's test label as ESC/POS, the document printer's test page
as a PDF through a real CUPS raw queue to a loopback listener."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from packstation.domain.settings import PrinterRole
from packstation.gui.settings_dialog import SettingsDialog
from tests.gui.e2e_support import LiveStation, station_config
from tests.gui.modal_support import when_modal
from tests.gui.test_settings_dialog import SNAPSHOT, Calls, make_dialog
from tests.support.cups_server import CupsServer, cups_available
from tests.support.escpos_decode import decode_escpos, read_barcodes
from tests.support.printing import TcpPrinterServer

pytestmark = pytest.mark.gui


def test_each_printer_role_has_its_own_test_print_button_clicked_or_keyed(qtbot):
    dialog, calls = make_dialog(qtbot, calls=Calls(test_print_result="Sent."))
    assert dialog.document_printer.text() == "cups:Office_A4"
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.test_buttons[PrinterRole.RECEIPT], Qt.MouseButton.LeftButton)
    dialog.document_printer.setText("cups:Office_Letter?paper=letter")  # tested as typed, not yet saved
    button = dialog.test_buttons[PrinterRole.DOCUMENT]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)  # a keyboard-only user: Tab to the button, Space
    assert calls.roles_tested == [
        (PrinterRole.RECEIPT, "usb:04b8:0202"),
        (PrinterRole.DOCUMENT, "cups:Office_Letter?paper=letter"),
    ]
    assert dialog.test_results[PrinterRole.RECEIPT].text() == "Sent."
    assert dialog.test_results[PrinterRole.DOCUMENT].property("state") == "ok"
    assert dialog.test_print_result.text() == ""  # the label printer's result is its own
    assert calls.saved == []  # Space on a test button does not save
    dialog.show_test_print_result(False, "The CUPS queue Office_Letter is paused.", PrinterRole.DOCUMENT)
    assert dialog.test_results[PrinterRole.DOCUMENT].property("state") == "bad"
    assert dialog.test_results[PrinterRole.RECEIPT].property("state") == "ok"


def test_an_empty_role_says_so_and_the_document_printer_is_saved(qtbot):
    dialog, calls = make_dialog(qtbot, snapshot={**SNAPSHOT, "document_printer": ""})
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.test_buttons[PrinterRole.DOCUMENT], Qt.MouseButton.LeftButton)
    assert calls.roles_tested == []
    assert dialog.test_results[PrinterRole.DOCUMENT].text() == "Enter or choose a printer first."
    dialog.document_printer.setText(" win32:HP LaserJet M404 ")
    qtbot.keyClick(dialog.document_printer, Qt.Key.Key_Return)  # Enter saves
    values, _ = calls.saved[-1]
    assert values["document_printer"] == "win32:HP LaserJet M404"


@pytest.mark.skipif(not cups_available(), reason="CUPS is not installed (./dev.sh installs it)")
def test_from_the_window_each_role_test_prints_on_its_own_printer(
    qtbot, qasync_loop, tmp_path, emulator, monkeypatch
):
    from packstation.domain.labelgen import TEST_TRACKING_NUMBER

    root = Path(tempfile.mkdtemp(prefix="pcups", dir="/tmp"))  # short: Unix socket paths are limited
    cups = CupsServer(root)
    office = TcpPrinterServer()
    receipt = tmp_path / "receipt.bin"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("CUPS_SERVER", str(cups.socket))
    cups.add_raw_queue("Office_A4", office.port)
    config = station_config(
        tmp_path, emulator, receipt_printer=f"file:{receipt}", document_printer="cups:Office_A4"
    )
    live = LiveStation(qtbot, config).start()
    results: dict[PrinterRole, str] = {}
    seen: list = []
    try:

        def use(dialog: SettingsDialog) -> None:
            qtbot.mouseClick(dialog.test_buttons[PrinterRole.RECEIPT], Qt.MouseButton.LeftButton)
            button = dialog.test_buttons[PrinterRole.DOCUMENT]
            button.setFocus()
            live.clock.advance(200)  # a person's key, not a scanner's burst (the wedge filter times keys)
            QTest.keyClick(button, Qt.Key.Key_Space)  # Tab to the button, Space
            live.clock.advance(200)
            document = dialog.test_results[PrinterRole.DOCUMENT]

            def close_once_sent() -> None:  # the key reaches the (inactive, offscreen) dialog later
                if document.property("state") != "ok":
                    QTimer.singleShot(20, close_once_sent)
                    return
                results.update({role: dialog.test_results[role].text() for role in PrinterRole})
                live.clock.advance(200)
                QTest.keyClick(dialog, Qt.Key.Key_Escape)  # nothing to save

            QTimer.singleShot(20, close_once_sent)

        when_modal(use, kind=SettingsDialog, seen=seen)
        live.window.manual_entry.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is live.window.manual_entry)
        QTest.keyClick(live.window.manual_entry, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(seen) == 1 and QApplication.activeModalWidget() is None, timeout=20_000)
        qtbot.waitUntil(lambda: b"%%EOF" in office.received, timeout=30_000)
        qtbot.waitUntil(lambda: receipt.exists() and receipt.stat().st_size > 1000, timeout=30_000)
        jobs = live.services.store.print_jobs
        qtbot.waitUntil(lambda: {j.state.value for j in jobs.recent()} == {"done"}, timeout=30_000)
        time.sleep(0.2)  # nothing more arrives: each button printed once
        page, printed = office.received, receipt.read_bytes()
    finally:
        live.close()
        office.close()
        cups.close()
        shutil.rmtree(root, ignore_errors=True)
    assert results[PrinterRole.RECEIPT] == "Test label sent to the printer queue; it prints in a moment."
    assert results[PrinterRole.DOCUMENT] == "Test page sent to the document printer; it prints in a moment."
    assert results[PrinterRole.LABEL] == ""  # the label printer was not tested
    assert not (tmp_path / "printer.bin").exists()  # nor printed on
    assert [code for p in decode_escpos(printed).pages for code in read_barcodes(p)] == [TEST_TRACKING_NUMBER]
    assert page.count(b"%PDF-") == 1
    pdf = pypdfium2.PdfDocument(page)
    try:
        assert "PACKSTATION TEST PAGE" in pdf[0].get_textpage().get_text_range()
        assert "Station: e2e-1" in pdf[0].get_textpage().get_text_range()
        image = pdf[0].render(scale=200 / 72).to_pil().convert("L")
    finally:
        pdf.close()
    assert sorted(r.text for r in zxingcpp.read_barcodes(image)) == ["PACKSTATION-TEST"] * 2


def test_paper_out_mid_label_is_told_on_screen_and_the_label_prints_once_when_refilled(
    qtbot, qasync_loop, tmp_path, emulator
):
    """The packer's side of printer status: the label printer (a TCP ESC/POS head answering DLE EOT) runs
    out of paper halfway through the label; the status bar says so in words, and once paper is loaded the
    label comes out (once) and the status bar says the printer is ready."""
    from packstation.services.queue_report import queue_items
    from tests.support.status_printer import StatusPrinter

    head = StatusPrinter("escpos", paper_out_after=20_000)
    emulator.seed_shipment("ORD-P", [("SKU-MUG", "Enamel mug", 1)])
    live = LiveStation(qtbot, station_config(tmp_path, emulator, printer=head.uri)).start()
    try:
        live.scans("ORD-P", "SKU-MUG")
        live.wait_for(lambda: "paper out" in live.status_texts().get("printer", ""))
        held = live.status_texts()["printer"]
        queued = [item.detail for item in queue_items(live.services.store)]  # the Outbox view's rows
        head.refill()  # the packer loads a new roll
        live.wait_for(lambda: live.status_texts().get("printer") == "Printer ready")
        live.wait_idle()
        (job,) = live.label_jobs()
        tracking = live.view.boxes[0].tracking_number
    finally:
        live.close()
        head.close()
    assert "reports paper out: load a new roll" in held and "do not reprint" in held
    assert any("reports paper out: load a new roll" in detail for detail in queued)  # the job's detail
    assert job.state.value == "done"
    label = head.received.split(b"\x10\x04\x01")[1]  # between the status queries before and after it
    assert [c for p in decode_escpos(label).pages for c in read_barcodes(p)] == [tracking]
    assert head.received.count(label) == 1
