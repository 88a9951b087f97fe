"""Station files written by an earlier release migrate forward with their data: the v3 -> v4 step
renames the stored session states to the domain's vocabulary (``SessionState``) in a table rebuild
that keeps every row, index and foreign key. ``tests/fixtures/store/station-v3.sqlite3`` was written
by the v3 release's own code (sessions open/parked/completed/cancelled, boxes, jobs, a pickup op).

The v4 -> v5 step rebuilds print_jobs so its CHECK admits 'preparing' and 'uncertain'.
``tests/fixtures/store/station-v4.sqlite3`` was written by the v4 release's own code (its store API:
two booked boxes, a label printed, a test job failed, a packing slip printed, a label claimed and left
'sending' as by a kill mid-write, a reprint of the first label queued)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from packstation.adapters.store import SCHEMA_VERSION, Store
from packstation.domain.booking import BoxState
from packstation.domain.outbox import OpKind
from packstation.domain.packing import SessionState
from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState

V3_FILE = Path(__file__).parent.parent / "fixtures" / "store" / "station-v3.sqlite3"
V4_FILE = Path(__file__).parent.parent / "fixtures" / "store" / "station-v4.sqlite3"


@pytest.fixture
def v3_path(tmp_path):
    path = tmp_path / "station.sqlite3"
    shutil.copy(V3_FILE, path)
    return path


def test_the_fixture_is_a_version_3_file_with_the_old_state_names(v3_path):
    conn = sqlite3.connect(v3_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        states = {r[0] for r in conn.execute("SELECT state FROM packing_sessions")}
    finally:
        conn.close()
    assert states == {"open", "parked", "completed", "cancelled"}


def test_a_version_3_file_migrates_to_the_domains_session_states(v3_path):
    store = Store.open(v3_path)
    try:
        assert store.db.scalar("PRAGMA user_version") == SCHEMA_VERSION == 9
        states = {s["id"]: s["state"] for s in store.sessions.in_states(tuple(SessionState))}
        assert states == {
            "s-open": SessionState.PACKING,
            "s-parked": SessionState.PARKED,
            "s-done": SessionState.COMPLETE,
            "s-cancel": SessionState.CANCELLED,
        }
        assert sorted(s["id"] for s in store.sessions.in_states()) == ["s-open", "s-parked"]
        done = store.sessions.get("s-done")
        assert done["snapshot"] == {"k": 2} and done["slip"] == "queued" and done["packer"] == "bob"
        # Rows pointing at the rebuilt table still find it; the constraints and indexes came back.
        assert store.db.query("PRAGMA foreign_key_check") == []
        assert store.integrity_check() == "ok"
        indexes = {r["name"] for r in store.db.query("PRAGMA index_list(packing_sessions)")}
        assert {"packing_sessions_state", "packing_sessions_slip"} <= indexes
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"), store.db.write() as conn:
            conn.execute("UPDATE packing_sessions SET state = 'open' WHERE id = 's-open'")
        [booked] = [b for b in store.boxes.all() if b.tracking_number]
        assert booked.session_id == "s-done" and booked.state is BoxState.BOOKED
        assert {b.state for b in store.boxes.for_session("s-cancel")} == {BoxState.VOIDED}
        assert [j.box_id for j in store.print_jobs.labels_for_box(booked.id)] == [booked.id]
        assert any(op.kind is OpKind.BOOK_PICKUP for op in store.outbox.ops())
        assert store.scans.count() == 1
        # A completed order of the old file counts as complete for the once-only packed events.
        assert store.outbox.queue_packed_events("s-done", "packed") == 1
    finally:
        store.close()


def test_a_migrated_file_takes_new_sessions_and_reopens_unchanged(v3_path):
    store = Store.open(v3_path)
    store.sessions.save(
        "s-new", order_key="ORD-9", shipment_id=None, state="complete", packer="", snapshot={}
    )
    store.close()
    again = Store.open(v3_path)
    try:
        assert again.sessions.get("s-new")["state"] == SessionState.COMPLETE
        assert len(again.sessions.in_states(tuple(SessionState))) == 5
    finally:
        again.close()


@pytest.fixture
def v4_path(tmp_path):
    path = tmp_path / "station.sqlite3"
    shutil.copy(V4_FILE, path)
    return path


def test_the_fixture_is_a_version_4_file_with_a_job_left_sending(v4_path):
    conn = sqlite3.connect(v4_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        states = [r[0] for r in conn.execute("SELECT state FROM print_jobs ORDER BY id")]
    finally:
        conn.close()
    assert states == ["done", "failed", "done", "sending", "queued"]


def test_a_version_4_file_migrates_its_print_jobs_to_the_uncertain_state(v4_path):
    store = Store.open(v4_path)  # migration, then start-up recovery
    try:
        assert store.db.scalar("PRAGMA user_version") == SCHEMA_VERSION == 9
        jobs = {j.id: j for j in store.print_jobs.recent()}
        assert {i: j.state for i, j in jobs.items()} == {
            1: PrintJobState.DONE,
            2: PrintJobState.FAILED,
            3: PrintJobState.DONE,
            4: PrintJobState.UNCERTAIN,  # left 'sending' by the v4 app: the label may be out
            5: PrintJobState.QUEUED,
        }
        assert "check whether the label came out" in jobs[4].error
        assert jobs[2].error == "the printer at 10.0.0.9 did not answer"
        assert (jobs[5].reprint_of, jobs[5].box_id, jobs[5].tracking_number) == (1, 1, "TRK-V4-1")
        assert jobs[3].payload == b"slip" and jobs[1].attempts == 1
        assert [j.id for j in store.print_jobs.labels_for_box(1)] == [1, 5]
        assert store.boxes.get(1).state is BoxState.PRINTED and store.boxes.get(2).state is BoxState.BOOKED
        assert store.sessions.get("s-done")["slip"] == "queued"
        # References into and out of the rebuilt table hold; its constraint and indexes came back.
        assert store.db.query("PRAGMA foreign_key_check") == []
        assert store.integrity_check() == "ok"
        indexes = {r["name"] for r in store.db.query("PRAGMA index_list(print_jobs)")}
        assert {"print_jobs_state", "print_jobs_box"} <= indexes
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"), store.db.write() as conn:
            conn.execute("UPDATE print_jobs SET state = 'lost' WHERE id = 1")
        # The uncertain job is never resent by a retry; the queued reprint is claimed as 'preparing'.
        assert store.print_jobs.retry_failed() == 1  # the failed test job only
        claimed = store.print_jobs.claim()
        assert claimed.id == 2 and claimed.state is PrintJobState.PREPARING
        assert store.print_jobs.claim().id == 5
        assert store.print_jobs.claim() is None
        assert store.print_jobs.get(4).state is PrintJobState.UNCERTAIN
    finally:
        store.close()


def test_a_migrated_version_4_file_takes_new_jobs_after_its_old_ones(v4_path):
    store = Store.open(v4_path)
    new = store.print_jobs.add(NewPrintJob(kind=PrintJobKind.TEST, printer_uri="file:x", payload=b"t"))
    store.close()
    again = Store.open(v4_path)
    try:
        assert new == 6
        assert again.print_jobs.get(new).state is PrintJobState.QUEUED
        assert len(again.print_jobs.recent()) == 6
    finally:
        again.close()


def test_the_catalogue_step_adds_an_empty_catalogue_to_an_existing_file(v3_path):
    store = Store.open(v3_path)
    try:
        assert store.catalogue.summary().rows == 0
        store.catalogue.learn("4006381333931", "SKU-A", packer="Sam")
        assert store.catalogue.lookup("04006381333931").sku == "SKU-A"
    finally:
        store.close()


# ------------------------------------------------ v5 -> v7 (the catalogue step, v6, came in between)
# ``tests/fixtures/store/station-v5.sqlite3`` was written by the v5 code (its store API): one packing
# session, two boxes of shipment "ship-v5" at bench-1, the first booked as TRK-V5-1 with its label job.
V5_FILE = Path(__file__).parent.parent / "fixtures" / "store" / "station-v5.sqlite3"


def test_a_version_5_file_gains_box_uuids_open_records_and_writes_in_doubt(tmp_path):
    from datetime import UTC, datetime

    from packstation.domain.parcel_claims import BoxKey, ForeignChoice, SentWrite

    path = tmp_path / "station.sqlite3"
    shutil.copy(V5_FILE, path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
        assert "box_uuid" not in {r[1] for r in conn.execute("PRAGMA table_info(boxes)")}
    finally:
        conn.close()
    store = Store.open(path)
    try:
        assert store.db.scalar("PRAGMA user_version") == SCHEMA_VERSION == 9
        one, two = store.boxes.for_shipment("ship-v5")
        # Every old box got a uuid of its own; what it had recorded is kept.
        assert len(one.box_uuid) == 32 and len(two.box_uuid) == 32 and one.box_uuid != two.box_uuid
        assert (one.parcel_id, one.tracking_number, one.state) == ("parcel-v5-1", "TRK-V5-1", BoxState.BOOKED)
        assert two.parcel_id is None and two.state is BoxState.QUEUED
        # An old session was never assessed: the outbox assesses it before its first write.
        assert store.claims.open_record("s-v5") is None
        store.claims.set_open("s-v5", foreign_ids={"x"}, placeholder_ids=(), choice=ForeignChoice.PACK_EXTRA)
        record = store.claims.open_record("s-v5")
        assert record.foreign_ids == {"x"} and record.choice is ForeignChoice.PACK_EXTRA
        write = SentWrite(BoxKey("bench-1", two.box_uuid), datetime(2026, 1, 1, tzinfo=UTC), frozenset({"a"}))
        store.claims.add_sent_write("ship-v5", two.id, write)
        assert store.claims.sent_writes("ship-v5") == [write]
        store.claims.resolve_writes("ship-v5", [write])
        assert store.claims.sent_writes("ship-v5") == []
        # New boxes get uuids at close; the uuid is unique.
        new = store.boxes.close(
            session_id="s-v5", snapshot={}, shipment_id="ship-v5", box_type="S", dims_mm=None,
            weight_g=None, items={}, packer="ana", station="bench-1",
        )  # fmt: skip
        assert len(new.box_uuid) == 32 and new.box_uuid not in {one.box_uuid, two.box_uuid}
        with pytest.raises(sqlite3.IntegrityError), store.db.write() as conn:
            conn.execute("UPDATE boxes SET box_uuid = ? WHERE id = ?", (one.box_uuid, new.id))
        assert store.db.query("PRAGMA foreign_key_check") == []
        assert store.integrity_check() == "ok"
    finally:
        store.close()
