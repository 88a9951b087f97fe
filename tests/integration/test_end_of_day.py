"""End of day against the emulator over loopback HTTP and a real SQLite file: every booked, not voided,
not yet handed-over delivery ends in "pickup" on the server, the manifest lists each exactly once, also
with lost answers, 503 bursts and the emulator stopped and started again mid-run; and the command line.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from collections import Counter
from datetime import date

from packstation.adapters.outbox import Outbox
from packstation.adapters.som.client import SomClient
from packstation.domain.manifest import manifest_csv
from packstation.emulator import DEMO_TOKEN, Fault
from packstation.emulator.model import PICKUP
from packstation.services.end_of_day import EndOfDay, book_pickups
from tests.support.escpos_receipt_decode import decode_receipt
from tests.support.station_driver import (
    FAST_BACKOFF,
    FAST_CLAIM_SETTLE,
    FAST_SETTLE,
    close_boxes,
    seed_orders,
)


def booked_station(emu, store, plan_counts=(2, 1, 1)):
    """Orders packed and booked on this station (boxes with tracking numbers)."""
    shipments = seed_orders(emu, len(plan_counts))
    close_boxes(store, dict(zip(shipments, plan_counts, strict=True)))
    end_of_day_run(emu, store, None, timeout=20)  # drain only: books the boxes
    return shipments


def end_of_day_run(emu, store, end_of_day, *, timeout=20.0, during=None):
    """Run ``book_pickups`` (or just drain the outbox when ``end_of_day`` is None)."""

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id, timeout=2.0) as client:
            outbox = Outbox(
                store,
                client,
                printer_uri="preview",
                backoff=FAST_BACKOFF,
                settle=FAST_SETTLE,
                claim_settle=FAST_CLAIM_SETTLE,
            )
            try:
                if end_of_day is None:
                    return await outbox.drain(timeout)
                job = book_pickups(end_of_day, outbox, timeout=timeout, poll_s=0.05)
                if during is None:
                    return await job
                result, _ = await asyncio.gather(job, during())
                return result
            finally:
                outbox.close()

    return asyncio.run(main())


def server_statuses(emu):
    return Counter(d.status for s in emu.shipments.values() for d in s.deliveries())


def tracking_numbers(store):
    return sorted(b.tracking_number for b in store.boxes.all() if b.tracking_number and b.state != "voided")


def assert_exactly_once(emu, store, manifest, expected):
    pickups = {
        d.tracking_number: d.status
        for s in emu.shipments.values()
        for d in s.deliveries()
        if d.tracking_number
    }
    assert {t: pickups[t] for t in expected} == dict.fromkeys(expected, PICKUP)
    listed = [e.tracking_number for e in manifest.entries]
    assert sorted(listed) == sorted(expected)  # each exactly once
    assert store.outbox.depth() == 0 and store.outbox.needs_attention() == []


def test_books_every_pickup_once_and_lists_it_once(emu, store):
    booked_station(emu, store)
    expected = tracking_numbers(store)
    assert len(expected) == 4
    eod = EndOfDay(store, station="Bench 1", printer_uri="preview")
    seen = []

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = Outbox(
                store,
                client,
                printer_uri="preview",
                backoff=FAST_BACKOFF,
                settle=FAST_SETTLE,
                claim_settle=FAST_CLAIM_SETTLE,
            )
            try:
                return await book_pickups(eod, outbox, timeout=20, on_progress=seen.append, poll_s=0.01)
            finally:
                outbox.close()

    progress = asyncio.run(main())
    assert progress.complete and (progress.total, progress.handed_over) == (4, 4)
    assert seen[0].total == 4 and seen[-1] == progress
    assert len(emu.requests_for("deliveries.bookPickup")) == 4
    manifest = eod.manifest()
    assert_exactly_once(emu, store, manifest, expected)
    assert store.db.scalar("SELECT COUNT(*) FROM boxes WHERE handed_over_at IS NULL") == 0
    # A second end of day the same evening finds nothing new and books nothing again.
    eod.finish()
    again = EndOfDay(store, station="Bench 1", printer_uri="preview")
    progress = end_of_day_run(emu, store, again)
    assert (progress.total, progress.complete) == (0, True)
    assert len(emu.requests_for("deliveries.bookPickup")) == 4
    assert again.manifest().parcel_count == 0


def test_lost_answers_and_503_bursts_still_book_each_pickup_once(emu, store):
    booked_station(emu, store, (3, 2))
    expected = tracking_numbers(store)
    emu.add_fault(Fault("deliveries.bookPickup", "commit-then-drop", calls={1, 3}))
    emu.add_fault(Fault("deliveries.bookPickup", "status", calls={4, 5, 6}, status=503))
    emu.add_fault(Fault("*", "status", calls={2}, status=503))
    eod = EndOfDay(store, station="Bench 1", printer_uri="preview")
    progress = end_of_day_run(emu, store, eod, timeout=30)
    assert progress.complete and progress.total == len(expected) == 5
    assert_exactly_once(emu, store, eod.manifest(), expected)
    # Commit-then-drop: applied, answer lost; the reconcile sees "pickup" and sends nothing more.
    assert len(emu.requests_for("deliveries.bookPickup")) >= 5
    unknown = store.db.scalar(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'book_pickup' AND outcome_unknown = 1"
    )
    assert unknown >= 1
    # Each lost answer was reconciled with deliveries.get before anything was sent again.
    assert len(emu.requests_for("deliveries.get")) >= 1
    notes = store.db.query("SELECT last_error FROM outbox WHERE kind = 'book_pickup' AND outcome_unknown = 1")
    assert any(r["last_error"] == "pickup was already booked" for r in notes)


def test_emulator_stopped_then_restarted_mid_run(emu, store):
    booked_station(emu, store, (2, 2, 1))
    expected = tracking_numbers(store)
    emu.add_fault(Fault("deliveries.bookPickup", "latency", delay_ms=150))
    eod = EndOfDay(store, station="Bench 1", printer_uri="preview")

    async def outage():
        # Let a pickup or two through, then the server goes away for a while and comes back.
        while eod.progress().handed_over < 1:
            await asyncio.sleep(0.01)
        emu.stop()
        await asyncio.sleep(1.0)
        emu.start()

    progress = end_of_day_run(emu, store, eod, timeout=40, during=outage)
    assert progress.complete and progress.total == 5
    assert_exactly_once(emu, store, eod.manifest(), expected)


def test_offline_run_is_finished_by_the_next_one(emu, store):
    booked_station(emu, store, (1, 1))
    expected = tracking_numbers(store)
    emu.stop()
    eod = EndOfDay(store, station="Bench 1", printer_uri="preview")
    first = end_of_day_run(emu, store, eod, timeout=1.5)
    assert (first.total, first.handed_over, first.complete) == (2, 0, False)
    emu.start()
    later = EndOfDay(store, station="Bench 1", printer_uri="preview")
    assert later.run_id == eod.run_id  # the same end of day continues
    progress = end_of_day_run(emu, store, later)
    assert progress.complete and progress.run_id == eod.run_id
    assert_exactly_once(emu, store, later.manifest(), expected)
    assert store.db.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'book_pickup'") == 2


def test_voided_boxes_are_left_out_and_late_boxes_get_booked_first(emu, store):
    a, b = booked_station(emu, store, (2, 1))
    voided = store.boxes.for_shipment(a)[1]
    store.boxes.void(voided.id)
    (late,) = close_boxes(store, {b: 1})  # closed just now: not booked yet
    assert late.tracking_number is None
    eod = EndOfDay(store, station="Bench 1", printer_uri="preview")
    progress = end_of_day_run(emu, store, eod)
    listed = {e.tracking_number for e in eod.manifest().entries}
    assert progress.complete and progress.total == 3
    assert voided.tracking_number not in listed
    assert store.boxes.get(late.id).tracking_number in listed  # booked before the run started
    cancelled = [d for s in emu.shipments.values() for d in s.deliveries() if d.status == "cancelled"]
    assert [d.tracking_number for d in cancelled] == [voided.tracking_number]


def test_manifest_content(emu, store):
    booked_station(emu, store, (2, 1))
    expected = tracking_numbers(store)
    eod = EndOfDay(store, station="Bench 1", printer_uri="preview")
    end_of_day_run(emu, store, eod)
    manifest = eod.manifest()
    assert manifest.station == "Bench 1" and manifest.day == date.today()
    assert manifest.parcel_count == 3
    boxes = {b.tracking_number: b for b in store.boxes.all()}
    assert manifest.total_weight_g == sum(boxes[t].weight_g for t in expected)
    for entry in manifest.entries:
        box = boxes[entry.tracking_number]
        assert entry.weight_g == box.weight_g and entry.dimensions == (350, 250, 150)
        assert entry.order_id in ("ORD0000", "ORD0001") and entry.shipping_method
    receipt = decode_receipt(eod.manifest_bytes("file:/dev/null"))
    text = "\n".join(receipt.texts)
    assert "PICKUP MANIFEST" in text and "Station: Bench 1" in text
    assert f"Date: {date.today().isoformat()}" in text
    assert "TOTAL 3 parcels" in text and receipt.cuts == 1
    for tracking in expected:
        assert sum(line.startswith(tracking) for line in receipt.texts) == 1
    assert "Order ORD0000" in text and "350x250x150 mm" in text
    rows = list(csv.DictReader(io.StringIO(manifest_csv(manifest))))
    assert sorted(r["tracking_number"] for r in rows) == expected
    assert {r["station"] for r in rows} == {"Bench 1"}


# ---------------------------------------------------------------------------------- command line


def run_cli(tmp_path, emu, *args, timeout=60):
    env = {**os.environ, "PACKSTATION_API_TOKEN": DEMO_TOKEN}
    command = [
        sys.executable,
        "-m",
        "packstation.cli",
        "--api-url",
        emu.base_url,
        "--site-id",
        emu.site_id,
        "--data-dir",
        str(tmp_path),
        "end-of-day",
        *args,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def test_cli_books_pickups_prints_and_exports(tmp_path, emu, store):
    booked_station(emu, store, (2, 1))
    expected = tracking_numbers(store)
    store.close()
    # Offline first: the pickups stay queued and the command says so.
    emu.stop()
    printed = tmp_path / "manifest.bin"
    result = run_cli(tmp_path, emu, "--timeout", "1", "--printer", f"file:{printed}")
    assert result.returncode == 1, result.stderr
    assert "3 of 3 pickups are not booked yet" in result.stderr and "Traceback" not in result.stderr
    assert not printed.exists()
    emu.start()
    csv_path, pdf_path = tmp_path / "out" / "manifest.csv", tmp_path / "out" / "manifest.pdf"
    result = run_cli(
        tmp_path, emu, "--printer", f"file:{printed}", "--csv", str(csv_path), "--pdf", str(pdf_path)
    )
    assert result.returncode == 0, result.stderr
    assert "End of day done: 3 parcels handed over" in result.stdout
    assert "Pickups booked: 3 of 3" in result.stderr
    receipt = decode_receipt(printed.read_bytes())
    assert [t for t in expected if any(line.startswith(t) for line in receipt.texts)] == expected
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert sorted(r["tracking_number"] for r in rows) == expected
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert server_statuses(emu)[PICKUP] == 3
    # Done: running it again hands over nothing and books nothing.
    result = run_cli(tmp_path, emu, "--no-print")
    assert result.returncode == 0 and "0 parcels handed over" in result.stdout
    assert len(emu.requests_for("deliveries.bookPickup")) == 3


def test_cli_without_a_database_says_so(tmp_path, emu):
    result = run_cli(tmp_path / "empty", emu)
    assert result.returncode == 1
    assert "no station database" in result.stderr and "Traceback" not in result.stderr


def test_print_queue_sends_document_bytes_as_they_are(tmp_path, emu, store):
    from packstation.adapters.labels.pipeline import LabelPipeline
    from packstation.adapters.printers.devices import make_printer
    from packstation.adapters.printers.queue import PrintQueue
    from packstation.domain.printing import PrintJobKind, PrintJobState

    booked_station(emu, store, (1,))
    uri = f"file:{tmp_path / 'receipt.bin'}"
    eod = EndOfDay(store, station="Bench 1", printer_uri=uri, clock=lambda: 1_790_000_000.0)
    end_of_day_run(emu, store, eod)

    async def main():
        queue = PrintQueue(store.print_jobs, make_printer, None, LabelPipeline(None))
        eod.enqueue_print = queue.enqueue
        message = eod.print_manifest()
        await queue.drain()
        queue.close()
        return message

    assert asyncio.run(main()) == "Manifest (1 parcel) sent to the printer."
    sent = (tmp_path / "receipt.bin").read_bytes()
    assert sent == eod.manifest_bytes()  # no rendering, no re-encoding
    (job,) = [j for j in store.print_jobs.recent() if j.kind is PrintJobKind.DOCUMENT]
    assert job.state is PrintJobState.DONE
    assert "PICKUP MANIFEST" in decode_receipt(sent).texts[0]
