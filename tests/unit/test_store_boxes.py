"""Boxes in the station database: closing (box + outbox op in one transaction), slots, voiding,
recording a booking together with its label print job, and the print-job repository."""

from __future__ import annotations

import pytest

from packstation.adapters.store import Store
from packstation.domain.booking import BoxState
from packstation.domain.outbox import OpKind, OpState
from packstation.domain.printing import PrintJobKind, PrintJobState


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "station.sqlite3")
    s.save_session("s1", order_key="ACME1", shipment_id="sh1", state="open", packer="ann", snapshot={})
    s.save_session("s2", order_key="ACME2", shipment_id="sh2", state="open", packer="ann", snapshot={})
    yield s
    s.close()


def close(store, session="s1", shipment="sh1", **kw):
    return store.close_box(
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


def test_close_box_writes_box_snapshot_and_operation_together(store):
    box = close(store, snapshot={"boxes": 1, "open": []})
    assert box.state is BoxState.QUEUED and box.slot == 1 and box.local_tag == f"BOX-{box.id:06d}"
    assert box.items == {"SKU1": 2} and (box.length_mm, box.width_mm, box.height_mm) == (350, 250, 150)
    assert store.load_session("s1")["snapshot"] == {"boxes": 1, "open": []}
    [op] = store.ops()
    assert (op.kind, op.box_id, op.shipment_id, op.state) == (OpKind.BOOK_BOX, box.id, "sh1", OpState.PENDING)
    assert store.outbox_depth() == 1


def test_close_box_for_an_unknown_session_changes_nothing(store):
    with pytest.raises(KeyError):
        close(store, session="ghost")
    assert store.all_boxes() == [] and store.outbox_depth() == 0


def test_slots_count_per_shipment(store):
    a1, a2 = close(store), close(store)
    b1 = close(store, session="s2", shipment="sh2")
    a3 = close(store)
    assert [a1.slot, a2.slot, b1.slot, a3.slot] == [1, 2, 1, 3]


def test_boxes_are_found_by_tag_or_tracking_number(store):
    box = close(store)
    assert store.box_by_tag_or_tracking(box.local_tag).id == box.id
    store.record_box_booked(box.id, "p1", "d1", "TRK1", "http://l/1.svg", printer_uri="preview")
    assert store.box_by_tag_or_tracking("TRK1").id == box.id
    assert store.box_by_tag_or_tracking("nothing") is None


def test_recording_a_booking_queues_exactly_one_label_and_completes_the_op(store):
    box = close(store)
    [op] = store.ops()
    assert store.claim_op(op.id).attempts == 1
    assert store.box(box.id).state is BoxState.BOOKING
    job_id = store.record_box_booked(
        box.id, "p1", "d1", "TRK1", "http://l/1.svg", printer_uri="usb:1:2", op_id=op.id
    )
    again = store.record_box_booked(box.id, "p1", "d1", "TRK1", "http://l/1.svg", printer_uri="usb:1:2")
    assert again == job_id
    job = store.get_print_job(job_id)
    assert (job.kind, job.state, job.source_url, job.tracking_number, job.box_id) == (
        PrintJobKind.LABEL,
        PrintJobState.QUEUED,
        "http://l/1.svg",
        "TRK1",
        box.id,
    )
    booked = store.box(box.id)
    assert booked.state is BoxState.BOOKED and booked.tracking_number == "TRK1" and booked.parcel_id == "p1"
    assert store.get_op(op.id).state is OpState.DONE and store.outbox_depth() == 0
    with pytest.raises(ValueError, match="already has tracking number"):
        store.record_box_booked(box.id, "p2", "d2", "TRK2", None, printer_uri="usb:1:2")
    store.mark_box_printed(box.id)
    assert store.box(box.id).state is BoxState.PRINTED


def test_a_tracking_number_belongs_to_one_box_only(store):
    a, b = close(store), close(store)
    store.record_box_booked(a.id, "p1", "d1", "TRK1", None, printer_uri="preview")
    with pytest.raises(Exception, match="UNIQUE"):
        store.record_box_booked(b.id, "p1", "d1", "TRK1", None, printer_uri="preview")
    assert store.box(b.id).tracking_number is None


def test_voiding_an_unsent_box_cancels_its_op_and_gives_the_slot_back(store):
    a, b, c = close(store), close(store), close(store)
    store.void_box(b.id, snapshot={"voided": b.id})
    assert store.box(b.id).state is BoxState.VOIDED and store.box(b.id).slot is None
    assert [store.box(a.id).slot, store.box(c.id).slot] == [1, 2]
    assert [op.state for op in store.ops()] == [OpState.PENDING, OpState.CANCELLED, OpState.PENDING]
    assert close(store).slot == 3
    assert store.load_session("s1")["snapshot"] == {"boxes": 1}  # close() saved a newer snapshot


def test_voiding_a_booked_box_queues_a_cancel_and_keeps_its_slot(store):
    box = close(store)
    job = store.record_box_booked(
        box.id, "p1", "d1", "TRK1", None, printer_uri="preview", op_id=store.ops()[0].id
    )
    store.void_box(box.id)
    voided = store.box(box.id)
    assert voided.state is BoxState.VOIDED and voided.slot == 1 and voided.tracking_number == "TRK1"
    cancel = store.ops()[-1]
    assert (cancel.kind, cancel.payload, cancel.state) == (
        OpKind.CANCEL_DELIVERY,
        {"tracking_number": "TRK1"},
        OpState.PENDING,
    )
    assert store.get_print_job(job).state is PrintJobState.DONE  # its label will not print
    assert close(store).slot == 2
    store.void_box(box.id)  # voiding twice is harmless
    assert len(store.ops()) == 3


def test_voiding_a_box_whose_booking_is_in_doubt_leaves_it_to_the_worker(store):
    box = close(store)
    op = store.claim_op(store.ops()[0].id)
    store.void_box(box.id)
    assert store.box(box.id).state is BoxState.VOIDED and store.box(box.id).slot == 1
    assert store.get_op(op.id).state is OpState.IN_FLIGHT
    store.settle_voided_box(op.id, box.id)  # the server had no parcel for it
    assert store.box(box.id).slot is None and store.get_op(op.id).state is OpState.CANCELLED


def test_cancel_session_voids_every_box(store):
    a, b = close(store), close(store)
    store.record_box_booked(a.id, "p1", "d1", "TRK1", None, printer_uri="preview", op_id=store.ops()[0].id)
    voided = store.cancel_session("s1")
    assert sorted(voided) == sorted([a.id, b.id])
    assert store.load_session("s1")["state"] == "cancelled"
    assert {bx.state for bx in store.boxes_for_session("s1")} == {BoxState.VOIDED}
    kinds = [(op.kind, op.state) for op in store.ops()]
    assert (OpKind.CANCEL_DELIVERY, OpState.PENDING) in kinds


def test_print_job_repository_lifecycle(store):
    first = store.add_print_job(kind=PrintJobKind.TEST, printer_uri="preview", payload=b"\x1b@")
    second = store.add_print_job(
        kind=PrintJobKind.BOX_TAG, printer_uri="preview", payload=b"tag", box_id=None
    )
    claimed = store.claim_print_job()
    assert claimed.id == first and claimed.state is PrintJobState.PREPARING and claimed.attempts == 1
    assert claimed.payload == b"\x1b@"
    store.fail_print_job(first, "printer offline")
    assert store.get_print_job(first).error == "printer offline"
    assert store.retry_failed_print_jobs() == 1
    assert store.claim_print_job().id == first
    store.finish_print_job(first)
    assert store.claim_print_job().id == second
    store.mark_print_job_sending(second)
    assert store.recover_interrupted_print_jobs() == 1  # as after a crash mid-print
    recovered = store.get_print_job(second)
    assert recovered.state is PrintJobState.UNCERTAIN and "reprint" in recovered.error
    assert [j.id for j in store.list_print_jobs(states=(PrintJobState.UNCERTAIN,))] == [second]
    assert store.claim_print_job() is None
    assert store.get_print_job(999) is None


def test_outbox_heads_block_later_ops_of_the_same_shipment(store):
    a1, a2 = close(store), close(store)
    b1 = close(store, session="s2", shipment="sh2")
    heads = store.due_ops(now=10**10, limit=10)
    assert [op.box_id for op in heads] == [a1.id, b1.id]
    op = store.claim_op(heads[0].id)
    assert store.claim_op(heads[0].id) is None  # already claimed
    assert [o.box_id for o in store.due_ops(now=10**10, limit=10)] == [b1.id]
    store.reschedule_op(op.id, error="HTTP 503", next_attempt_at=500.0, unknown=False)
    assert [o.box_id for o in store.due_ops(now=100.0, limit=10)] == [b1.id]
    assert store.next_due_at() == 0
    store.op_needs_attention(op.id, "ignored: only an operation in flight can be refused")
    assert store.get_op(op.id).state is OpState.PENDING
    store.claim_op(op.id)
    store.op_needs_attention(op.id, "HTTP 400 | bad weight")
    assert store.box(a1.id).state is BoxState.FAILED and store.box(a1.id).error == "HTTP 400 | bad weight"
    assert [o.box_id for o in store.due_ops(now=10**10, limit=10)] == [b1.id]  # a2 still blocked
    assert [o.id for o in store.needs_attention()] == [op.id]
    assert store.retry_op(op.id) and store.box(a1.id).state is BoxState.QUEUED
    assert store.box(a2.id).state is BoxState.QUEUED


def test_operations_in_flight_at_a_crash_become_outcome_unknown(tmp_path):
    path = tmp_path / "station.sqlite3"
    s = Store.open(path)
    s.save_session("s1", order_key="A", shipment_id="sh1", state="open", packer="", snapshot={})
    box = close(s)
    s.claim_op(s.ops()[0].id)
    s.close()  # as if killed: nothing settled the op
    s2 = Store.open(path)
    [op] = s2.ops()
    assert op.state is OpState.PENDING and op.outcome_unknown and op.attempts == 1
    assert s2.box(box.id).state is BoxState.QUEUED
    s2.close()


def test_packed_events_are_queued_once_when_the_order_is_complete_and_booked(store):
    a, b = close(store), close(store)
    [op_a, op_b] = store.ops()
    store.record_box_booked(a.id, "p1", "d1", "TRK1", None, printer_uri="preview", op_id=op_a.id)
    assert store.queue_packed_events("s1", "packed") == 0  # the order is still open
    store.save_session(
        "s1", order_key="ACME1", shipment_id="sh1", state="completed", packer="ann", snapshot={}
    )
    assert store.queue_packed_events("s1", "packed") == 0  # box b has no tracking number yet
    store.record_box_booked(b.id, "p2", "d2", "TRK2", None, printer_uri="preview", op_id=op_b.id)
    assert store.queue_packed_events("s1", "packed") == 2
    assert store.queue_packed_events("s1", "packed") == 0  # never twice
    events = store.ops(states=("pending",))
    assert {(e.kind, e.payload["tracking_number"], e.payload["custom_event_type_id"]) for e in events} == {
        (OpKind.PUBLISH_TRACKING_EVENT, "TRK1", "packed"),
        (OpKind.PUBLISH_TRACKING_EVENT, "TRK2", "packed"),
    }


def test_a_boxs_label_jobs_are_found_however_many_jobs_came_after(store):
    """CMD:REPRINT of yesterday's box: its label job is found by box, not among the latest jobs only."""
    box = close(store)
    other = close(store, session="s2", shipment="sh2")
    first = store.record_box_booked(box.id, "p1", "d1", "TN1", "https://x/l1.svg", printer_uri="file:a")
    store.add_print_job(kind=PrintJobKind.BOX_TAG, printer_uri="file:a", payload=b"tag", box_id=box.id)
    for _ in range(600):
        store.add_print_job(kind=PrintJobKind.LABEL, printer_uri="file:a", payload=b"x", box_id=other.id)
    assert [j.id for j in store.label_jobs_for_box(box.id)] == [first]
    assert len(store.label_jobs_for_box(other.id)) == 600
