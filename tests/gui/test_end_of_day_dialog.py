"""The end-of-day dialog over the real service: emulator on loopback, real SQLite store, the outbox running
on the qasync loop. Book pickups, watch the progress bar reach the total, export the manifest, print it.
Writes docs/screenshots/end-of-day.png."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from packstation.adapters.outbox import Outbox
from packstation.adapters.som.client import SomClient
from packstation.adapters.store import Store
from packstation.domain.printing import PrintJobKind
from packstation.emulator import DEMO_TOKEN, Fault
from packstation.gui.bridge import StationBridge
from packstation.gui.end_of_day_dialog import EndOfDayDialog
from packstation.gui.feedback import NullSoundPlayer
from packstation.gui.main_window import MainWindow
from packstation.services.end_of_day import EndOfDay
from tests.support.station_driver import (
    FAST_BACKOFF,
    FAST_CLAIM_SETTLE,
    FAST_SETTLE,
    close_boxes,
    seed_orders,
)

pytestmark = pytest.mark.gui


def run_on_loop(qtbot, coroutine, timeout=20000):
    """Await ``coroutine`` on the already-running qasync loop, spinning Qt until it is done."""
    task = asyncio.ensure_future(coroutine)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@pytest.fixture
def station(tmp_path, emu, qasync_loop, qtbot):
    """A store with booked boxes and an outbox worker running on the qasync loop."""
    store = Store.open(tmp_path / "station.sqlite3")
    shipments = seed_orders(emu, 3)
    close_boxes(store, dict(zip(shipments, (3, 2, 1), strict=True)))
    client = SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id)
    outbox = Outbox(
        store,
        client,
        printer_uri="preview",
        backoff=FAST_BACKOFF,
        settle=FAST_SETTLE,
        claim_settle=FAST_CLAIM_SETTLE,
    )
    run_on_loop(qtbot, outbox.drain(20))
    printed: list[dict] = []
    service = EndOfDay(
        store,
        station="Bench 1",
        printer_uri="file:/dev/null",
        kick=outbox.kick,
        enqueue_print=lambda **job: printed.append(job) or len(printed),
    )
    worker = asyncio.ensure_future(outbox.run())
    yield store, service, printed
    worker.cancel()
    qtbot.waitUntil(worker.done)
    outbox.close()
    run_on_loop(qtbot, client.aclose())
    store.close()


def test_book_pickups_progress_and_manifest(qtbot, station, emu, tmp_path, screenshot_dir):
    store, service, printed = station
    emu.add_fault(Fault("deliveries.bookPickup", "latency", delay_ms=80))
    saved = {}
    dialog = EndOfDayDialog(
        service,
        choose_path=lambda title, name, flt: saved.setdefault(name[-3:], str(tmp_path / name)),
        poll_ms=20,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.candidates_label.text() == "6 parcel(s) not handed over yet."
    assert not dialog.print_button.isEnabled() and dialog.start_button.isEnabled()

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.progress_bar.maximum() == 6
    values = set()
    qtbot.waitUntil(
        lambda: values.add(dialog.progress_bar.value()) or dialog.print_button.isEnabled(), timeout=20000
    )
    assert dialog.progress_bar.value() == 6 and dialog.progress_bar.text() == "6 of 6 pickups booked"
    assert len(values) > 2  # it moved in steps, not from nothing to done
    assert "All pickups are booked" in dialog.status_label.text()
    assert not dialog.start_button.isEnabled()
    assert dialog.grab().save(str(screenshot_dir / "end-of-day.png"))

    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    (job,) = printed
    assert job["kind"] is PrintJobKind.DOCUMENT and job["printer_uri"] == "file:/dev/null"
    assert b"PICKUP MANIFEST" in job["payload"]
    assert dialog.result_label.text() == "Manifest (6 parcels) sent to the printer."
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    rows = list(csv.DictReader(io.StringIO(Path(saved["csv"]).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 6 and len({r["tracking_number"] for r in rows}) == 6
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    assert Path(saved["pdf"]).read_bytes().startswith(b"%PDF")
    run_id = service.run_id
    dialog.accept()
    assert store.pickups.open_run() is None and run_id is not None  # finished: tomorrow is a new run


def test_nothing_to_hand_over_and_a_failed_export_is_words(qtbot, tmp_path):
    store = Store.open(tmp_path / "station.sqlite3")
    service = EndOfDay(store, station="Bench 1", printer_uri="preview")
    (tmp_path / "a-file").write_text("not a folder")
    dialog = EndOfDayDialog(service, choose_path=lambda *a: str(tmp_path / "a-file" / "manifest.csv"))
    qtbot.addWidget(dialog)
    assert dialog.candidates_label.text() == "No parcels are waiting for a pickup."
    dialog.start()
    assert dialog.progress.complete and dialog.print_button.isEnabled()
    assert dialog.progress_bar.text() == "0 of 0 pickups booked"
    dialog._export("csv")
    assert dialog.result_label.text().startswith("Could not save the manifest: ")
    store.close()


def test_main_window_has_an_end_of_day_button(qtbot, controller):
    opened = []
    window = MainWindow(
        controller,
        StationBridge(),
        sounds=NullSoundPlayer(),
        actions=[("End of day", "Ctrl+E", lambda: opened.append(True))],
        apply_stylesheet=False,
    )
    qtbot.addWidget(window)
    (button,) = window.action_buttons
    assert button.text() == "End of day" and "Ctrl+E" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == [True]
