"""Boxes in the station database: closing (box + outbox op in one transaction), slots, voiding,
recording a booking together with its label print job, and the print-job repository."""

from __future__ import annotations

import pytest

from packstation.adapters.store import Store
from packstation.domain.booking import Booked, BoxState
from packstation.domain.outbox import OpKind, OpState
from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "station.sqlite3")
    s.sessions.save("s1", order_key="ACME1", shipment_id="sh1", state="packing", packer="ann", snapshot={})
    s.sessions.save("s2", order_key="ACME2", shipment_id="sh2", state="packing", packer="ann", snapshot={})
    yield s
    s.close()


def close(store, session="s1", shipment="sh1", **kw):
    return store.boxes.close(
        session_id=session,
        snapshot=kw.get("snapshot", {"boxes": 1}),
        shipment_id=shipment,
        box_type="M",
        dims_mm=(350, 250, 150),
        weight_g=1200,
        items={"SKU1": 2},
        packer="ann",
        station="bench-1",
    )


def book(store, box_id, parcel_id, delivery_id, tracking_number, label_url, *, printer_uri, op_id=None):
    """The outbox's real booking result for ``box_id`` (its own book_box operation unless given)."""
    if op_id is None:
        op_id = next(op.id for op in store.outbox.ops() if op.box_id == box_id and op.kind is OpKind.BOOK_BOX)
    booked = Booked(op_id, box_id, parcel_id, delivery_id, tracking_number, label_url)
    return store.boxes.settle_booking(booked, printer_uri=printer_uri)


def test_close_box_writes_box_snapshot_and_operation_together(store):
    box = close(store, snapshot={"boxes": 1, "open": []})
    assert box.state is BoxState.QUEUED and box.slot == 1 and box.local_tag == f"BOX-{box.id:06d}"
    assert box.items == {"SKU1": 2} and (box.length_mm, box.width_mm, box.height_mm) == (350, 250, 150)
    assert store.sessions.get("s1")["snapshot"] == {"boxes": 1, "open": []}
    [op] = store.outbox.ops()
    assert (op.kind, op.box_id, op.shipment_id, op.state) == (OpKind.BOOK_BOX, box.id, "sh1", OpState.PENDING)
    assert store.outbox.depth() == 1


def test_close_box_for_an_unknown_session_changes_nothing(store):
    with pytest.raises(KeyError):
        close(store, session="ghost")
    assert store.boxes.all() == [] and store.outbox.depth() == 0


def test_a_box_and_its_operation_are_inserted_in_one_transaction(store):
    """The box row (inserted in plain SQL, ``insert_row``) is rolled back with our BEGIN IMMEDIATE when its
    outbox operation cannot be written: no box without its booking operation."""
    with store.db.write() as conn:
        conn.execute(
            "CREATE TRIGGER no_ops BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    with pytest.raises(Exception, match="disk full"):
        close(store)
    assert store.boxes.all() == [] and store.outbox.ops() == []
    assert store.sessions.get("s1")["snapshot"] == {}  # the snapshot saved with it is rolled back too


def test_slots_count_per_shipment(store):
    a1, a2 = close(store), close(store)
    b1 = close(store, session="s2", shipment="sh2")
    a3 = close(store)
    assert [a1.slot, a2.slot, b1.slot, a3.slot] == [1, 2, 1, 3]


def test_boxes_are_found_by_tag_or_tracking_number(store):
    box = close(store)
    assert store.boxes.by_tag_or_tracking(box.local_tag).id == box.id
    book(store, box.id, "p1", "d1", "TRK1", "http://l/1.svg", printer_uri="preview")
    assert store.boxes.by_tag_or_tracking("TRK1").id == box.id
    assert store.boxes.by_tag_or_tracking("nothing") is None


def test_recording_a_booking_queues_exactly_one_label_and_completes_the_op(store):
    box = close(store)
    [op] = store.outbox.ops()
    assert store.outbox.claim(op.id).attempts == 1
    assert store.boxes.get(box.id).state is BoxState.BOOKING
    job_id = book(store, box.id, "p1", "d1", "TRK1", "http://l/1.svg", printer_uri="usb:1:2", op_id=op.id)
    again = book(store, box.id, "p1", "d1", "TRK1", "http://l/1.svg", printer_uri="usb:1:2")
    assert again == job_id
    job = store.print_jobs.get(job_id)
    assert (job.kind, job.state, job.source_url, job.tracking_number, job.box_id) == (
        PrintJobKind.LABEL,
        PrintJobState.QUEUED,
        "http://l/1.svg",
        "TRK1",
        box.id,
    )
    booked = store.boxes.get(box.id)
    assert booked.state is BoxState.BOOKED and booked.tracking_number == "TRK1" and booked.parcel_id == "p1"
    assert store.outbox.get(op.id).state is OpState.DONE and store.outbox.depth() == 0
    with pytest.raises(ValueError, match="already has tracking number"):
        book(store, box.id, "p2", "d2", "TRK2", None, printer_uri="usb:1:2")
    assert store.print_jobs.claim().id == job_id
    store.print_jobs.finish(job_id)
    assert store.boxes.get(box.id).state is BoxState.PRINTED


def test_a_label_job_and_its_box_are_printed_in_one_transaction(store):
    """Finishing a box's LABEL job marks the box printed in the same transaction: when the box's
    update fails, the job is not done either (a crash can never leave one without the other)."""
    box, other = close(store), close(store)
    job_id = book(store, box.id, "p1", "d1", "TRK1", None, printer_uri="preview")
    tag = store.print_jobs.add(
        NewPrintJob(kind=PrintJobKind.BOX_TAG, printer_uri="preview", payload=b"t", box_id=other.id)
    )
    book(store, other.id, "p2", "d2", "TRK2", None, printer_uri="preview")
    store.print_jobs.finish(tag)  # a box tag is not the label: its box is not printed by it
    assert store.boxes.get(other.id).state is BoxState.BOOKED
    with store.db.write() as conn:
        conn.execute(
            "CREATE TRIGGER no_print BEFORE UPDATE OF state ON boxes WHEN NEW.state = 'printed'"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    assert store.print_jobs.claim().id == job_id
    store.print_jobs.mark_sending(job_id)  # as the queue does just before the device write
    with pytest.raises(Exception, match="disk full"):
        store.print_jobs.finish(job_id)
    assert store.print_jobs.get(job_id).state is PrintJobState.SENDING
    with store.db.write() as conn:
        conn.execute("DROP TRIGGER no_print")
    store.print_jobs.finish(job_id)
    assert store.print_jobs.get(job_id).state is PrintJobState.DONE
    assert store.boxes.get(box.id).state is BoxState.PRINTED and store.boxes.get(box.id).printed_at


def test_a_tracking_number_belongs_to_one_box_only(store):
    a, b = close(store), close(store)
    book(store, a.id, "p1", "d1", "TRK1", None, printer_uri="preview")
    with pytest.raises(Exception, match="UNIQUE"):
        book(store, b.id, "p1", "d1", "TRK1", None, printer_uri="preview")
    assert store.boxes.get(b.id).tracking_number is None


def test_voiding_an_unsent_box_cancels_its_op_and_gives_the_slot_back(store):
    a, b, c = close(store), close(store), close(store)
    store.boxes.void(b.id, snapshot={"voided": b.id})
    assert store.boxes.get(b.id).state is BoxState.VOIDED and store.boxes.get(b.id).slot is None
    assert [store.boxes.get(a.id).slot, store.boxes.get(c.id).slot] == [1, 2]
    assert [op.state for op in store.outbox.ops()] == [OpState.PENDING, OpState.CANCELLED, OpState.PENDING]
    assert close(store).slot == 3
    assert store.sessions.get("s1")["snapshot"] == {"boxes": 1}  # close() saved a newer snapshot


def test_voiding_a_booked_box_queues_a_cancel_and_keeps_its_slot(store):
    box = close(store)
    job = book(store, box.id, "p1", "d1", "TRK1", None, printer_uri="preview", op_id=store.outbox.ops()[0].id)
    store.boxes.void(box.id)
    voided = store.boxes.get(box.id)
    assert voided.state is BoxState.VOIDED and voided.slot == 1 and voided.tracking_number == "TRK1"
    cancel = store.outbox.ops()[-1]
    assert (cancel.kind, cancel.payload, cancel.state) == (
        OpKind.CANCEL_DELIVERY,
        {"tracking_number": "TRK1"},
        OpState.PENDING,
    )
    assert store.print_jobs.get(job).state is PrintJobState.DONE  # its label will not print
    assert close(store).slot == 2
    store.boxes.void(box.id)  # voiding twice is harmless
    assert len(store.outbox.ops()) == 3


def test_voiding_a_box_whose_booking_is_in_doubt_leaves_it_to_the_worker(store):
    box = close(store)
    op = store.outbox.claim(store.outbox.ops()[0].id)
    store.boxes.void(box.id)
    assert store.boxes.get(box.id).state is BoxState.VOIDED and store.boxes.get(box.id).slot == 1
    assert store.outbox.get(op.id).state is OpState.IN_FLIGHT
    store.boxes.settle_voided(op.id, box.id)  # the server had no parcel for it
    assert store.boxes.get(box.id).slot is None and store.outbox.get(op.id).state is OpState.CANCELLED


def test_cancel_session_voids_every_box(store):
    a, b = close(store), close(store)
    book(store, a.id, "p1", "d1", "TRK1", None, printer_uri="preview", op_id=store.outbox.ops()[0].id)
    voided = store.sessions.cancel("s1")
    assert sorted(voided) == sorted([a.id, b.id])
    assert store.sessions.get("s1")["state"] == "cancelled"
    assert {bx.state for bx in store.boxes.for_session("s1")} == {BoxState.VOIDED}
    kinds = [(op.kind, op.state) for op in store.outbox.ops()]
    assert (OpKind.CANCEL_DELIVERY, OpState.PENDING) in kinds


def test_print_job_repository_lifecycle(store):
    first = store.print_jobs.add(NewPrintJob(kind=PrintJobKind.TEST, printer_uri="preview", payload=b"\x1b@"))
    second = store.print_jobs.add(
        NewPrintJob(kind=PrintJobKind.BOX_TAG, printer_uri="preview", payload=b"tag", box_id=None)
    )
    claimed = store.print_jobs.claim()
    assert claimed.id == first and claimed.state is PrintJobState.PREPARING and claimed.attempts == 1
    assert claimed.payload == b"\x1b@"
    store.print_jobs.fail(first, "printer offline")
    assert store.print_jobs.get(first).error == "printer offline"
    assert store.print_jobs.retry_failed() == 1
    assert store.print_jobs.claim().id == first
    store.print_jobs.finish(first)
    assert store.print_jobs.claim().id == second
    store.print_jobs.mark_sending(second)
    assert store.print_jobs.recover_interrupted() == 1  # as after a crash mid-print
    recovered = store.print_jobs.get(second)
    assert recovered.state is PrintJobState.UNCERTAIN and "reprint" in recovered.error
    assert [j.id for j in store.print_jobs.recent(states=(PrintJobState.UNCERTAIN,))] == [second]
    assert store.print_jobs.claim() is None
    assert store.print_jobs.get(999) is None


def test_outbox_heads_block_later_ops_of_the_same_shipment(store):
    a1, a2 = close(store), close(store)
    b1 = close(store, session="s2", shipment="sh2")
    heads = store.outbox.due(now=10**10, limit=10)
    assert [op.box_id for op in heads] == [a1.id, b1.id]
    op = store.outbox.claim(heads[0].id)
    assert store.outbox.claim(heads[0].id) is None  # already claimed
    assert [o.box_id for o in store.outbox.due(now=10**10, limit=10)] == [b1.id]
    store.outbox.reschedule(op.id, error="HTTP 503", next_attempt_at=500.0, unknown=False)
    assert [o.box_id for o in store.outbox.due(now=100.0, limit=10)] == [b1.id]
    assert store.outbox.next_due_at() == 0
    store.outbox.park(op.id, "ignored: only an operation in flight can be refused")
    assert store.outbox.get(op.id).state is OpState.PENDING
    store.outbox.claim(op.id)
    store.outbox.park(op.id, "HTTP 400 | bad weight")
    assert (
        store.boxes.get(a1.id).state is BoxState.FAILED
        and store.boxes.get(a1.id).error == "HTTP 400 | bad weight"
    )
    assert [o.box_id for o in store.outbox.due(now=10**10, limit=10)] == [b1.id]  # a2 still blocked
    assert [o.id for o in store.outbox.needs_attention()] == [op.id]
    assert store.outbox.retry(op.id) and store.boxes.get(a1.id).state is BoxState.QUEUED
    assert store.boxes.get(a2.id).state is BoxState.QUEUED


def test_operations_in_flight_at_a_crash_become_outcome_unknown(tmp_path):
    path = tmp_path / "station.sqlite3"
    s = Store.open(path)
    s.sessions.save("s1", order_key="A", shipment_id="sh1", state="packing", packer="", snapshot={})
    box = close(s)
    s.outbox.claim(s.outbox.ops()[0].id)
    s.close()  # as if killed: nothing settled the op
    s2 = Store.open(path)
    [op] = s2.outbox.ops()
    assert op.state is OpState.PENDING and op.outcome_unknown and op.attempts == 1
    assert s2.boxes.get(box.id).state is BoxState.QUEUED
    s2.close()


def test_packed_events_are_queued_once_when_the_order_is_complete_and_booked(store):
    a, b = close(store), close(store)
    [op_a, op_b] = store.outbox.ops()
    book(store, a.id, "p1", "d1", "TRK1", None, printer_uri="preview", op_id=op_a.id)
    assert store.outbox.queue_packed_events("s1", "packed") == 0  # the order is still open
    store.sessions.save(
        "s1", order_key="ACME1", shipment_id="sh1", state="complete", packer="ann", snapshot={}
    )
    assert store.outbox.queue_packed_events("s1", "packed") == 0  # box b has no tracking number yet
    book(store, b.id, "p2", "d2", "TRK2", None, printer_uri="preview", op_id=op_b.id)
    assert store.outbox.queue_packed_events("s1", "packed") == 2
    assert store.outbox.queue_packed_events("s1", "packed") == 0  # never twice
    events = [e for e in store.outbox.ops(states=("pending",)) if e.kind is not OpKind.SETTLE_ORDER]
    assert {(e.kind, e.payload["tracking_number"], e.payload["custom_event_type_id"]) for e in events} == {
        (OpKind.PUBLISH_TRACKING_EVENT, "TRK1", "packed"),
        (OpKind.PUBLISH_TRACKING_EVENT, "TRK2", "packed"),
    }


def test_a_boxs_label_jobs_are_found_however_many_jobs_came_after(store):
    """CMD:REPRINT of yesterday's box: its label job is found by box, not among the latest jobs only."""
    box = close(store)
    other = close(store, session="s2", shipment="sh2")
    first = book(store, box.id, "p1", "d1", "TN1", "https://x/l1.svg", printer_uri="file:a")
    store.print_jobs.add(
        NewPrintJob(kind=PrintJobKind.BOX_TAG, printer_uri="file:a", payload=b"tag", box_id=box.id)
    )
    for _ in range(600):
        store.print_jobs.add(
            NewPrintJob(kind=PrintJobKind.LABEL, printer_uri="file:a", payload=b"x", box_id=other.id)
        )
    assert [j.id for j in store.print_jobs.labels_for_box(box.id)] == [first]
    assert len(store.print_jobs.labels_for_box(other.id)) == 600
