"""The station database on real SQLite files: schema, migrations, scans, cache and sessions."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from packstation.adapters.store import SCHEMA_VERSION, SchemaTooNewError, Store
from packstation.domain.models import Shipment

FIXTURES = Path(__file__).parent.parent / "fixtures" / "som"


def shipment_doc(name: str = "shipments.create") -> Shipment:
    return Shipment.from_api(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["shipment"])


def test_new_file_is_wal_at_current_schema_and_intact(store):
    assert store.db.scalar("PRAGMA journal_mode") == "wal"
    assert store.db.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert store.integrity_check() == "ok"


def test_reopening_keeps_data_and_does_not_remigrate(tmp_path):
    path = tmp_path / "station.sqlite3"
    s = Store.open(path)
    s.scans.log(raw="A", kind="item", outcome="ok")
    s.close()
    s2 = Store.open(path)
    assert s2.scans.count() == 1
    s2.close()


def test_file_from_a_newer_app_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "station.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 3}")
    conn.close()
    with pytest.raises(SchemaTooNewError) as err:
        Store.open(path)
    assert f"newer packstation (schema {SCHEMA_VERSION + 3}); update the app" in str(err.value)


def test_scan_log_is_append_only(store):
    scan_id = store.scans.log(
        raw="7310000000001",
        kind="item",
        outcome="accepted",
        session_id="s1",
        order_key="ACME1",
        packer="ann",
        station="bench-1",
    )
    rows = store.scans.recent()
    assert [r["id"] for r in rows] == [scan_id]
    assert (
        rows[0]["raw"] == "7310000000001" and rows[0]["packer"] == "ann" and rows[0]["outcome"] == "accepted"
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), store.db.write() as conn:
        conn.execute("UPDATE scans SET outcome = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), store.db.write() as conn:
        conn.execute("DELETE FROM scans")
    assert store.scans.count() == 1
    assert not {"delete", "update", "delete_scan", "update_scan"} & set(dir(store.scans))


def test_shipment_cache_matches_id_external_id_and_tos_id(store):
    shipment = shipment_doc()
    store.shipments.put(shipment)
    for key in (shipment.id, shipment.external_id, shipment.tos_id):
        assert store.shipments.find(key) == shipment
    assert store.shipments.find("nope") is None
    booked = shipment_doc("shipments.bookParcels")
    store.shipments.put(booked)  # another shipment, same external id: the newest answer wins
    assert store.shipments.find("ACME12345").id == booked.id


def test_sessions_round_trip_and_filter_by_state(store):
    store.sessions.save(
        "s1", order_key="ACME1", shipment_id="sh1", state="packing", packer="ann", snapshot={"a": 1}
    )
    store.sessions.save("s2", order_key="ACME2", shipment_id=None, state="parked", packer="bob", snapshot={})
    store.sessions.save(
        "s3", order_key="ACME3", shipment_id="sh3", state="complete", packer="bob", snapshot={}
    )
    loaded = store.sessions.get("s1")
    assert loaded["snapshot"] == {"a": 1} and loaded["order_key"] == "ACME1" and loaded["state"] == "packing"
    assert [s["id"] for s in store.sessions.in_states()] == ["s1", "s2"]
    assert [s["id"] for s in store.sessions.in_states(states=("complete",))] == ["s3"]
    assert store.sessions.get("missing") is None
    with pytest.raises(ValueError, match="unknown session state"):
        store.sessions.save("s4", order_key="x", shipment_id=None, state="weird", packer="", snapshot={})


def test_a_failed_write_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.db.write() as conn:
        conn.execute("INSERT INTO scans (ts, raw, kind, outcome) VALUES (1, 'x', 'item', 'ok')")
        raise RuntimeError("boom")
    assert store.scans.count() == 0


def test_threads_each_get_their_own_connection_and_lose_no_write(store):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(200):
                store.scans.log(raw=f"{n}-{i}", kind="item", outcome="ok")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.scans.count() == 800
    assert len({r["raw"] for r in store.scans.recent(limit=10_000)}) == 800


def test_forward_migration_upgrades_an_older_file_and_keeps_its_data(tmp_path, monkeypatch):
    from packstation.adapters.store import schema

    path = tmp_path / "station.sqlite3"
    old = Store.open(path)
    old.scans.log(raw="kept", kind="item", outcome="ok")
    old.close()
    v2 = "ALTER TABLE scans ADD COLUMN weight_g INTEGER;\nCREATE INDEX scans_kind ON scans(kind);"
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, v2))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    new = Store.open(path)
    assert new.db.scalar("PRAGMA user_version") == SCHEMA_VERSION + 1
    assert new.scans.recent()[0]["raw"] == "kept" and "weight_g" in new.scans.recent()[0]
    new.close()


def test_a_version_2_station_file_is_upgraded_with_its_sessions_and_jobs(tmp_path):
    """The real v2 -> v3 step: packing slips owed per session, print jobs found by box."""
    from packstation.adapters.store import schema
    from packstation.domain.printing import NewPrintJob, PrintJobKind

    path = tmp_path / "station.sqlite3"
    conn = sqlite3.connect(path)
    for script in schema.MIGRATIONS[:2]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO packing_sessions (id, order_key, state, created_at, updated_at)"
        " VALUES ('s1', 'ORD-1', 'completed', 1, 1)"  # the store's old name, renamed by v4
    )
    conn.execute(
        "INSERT INTO print_jobs (kind, state, printer_uri, created_at, updated_at)"
        " VALUES ('document', 'done', 'file:x', 1, 1)"
    )
    conn.commit()
    conn.close()

    store = Store.open(path)
    try:
        assert store.db.scalar("PRAGMA user_version") == SCHEMA_VERSION == 9
        (session,) = store.sessions.in_states(("complete",))
        assert session["order_key"] == "ORD-1" and session["slip"] is None  # old orders owe no slip
        assert store.sessions.owed_a_slip() == []
        assert [j.id for j in store.print_jobs.recent()] == [1]
        assert store.print_jobs.labels_for_box(1) == []
        store.print_jobs.add(
            NewPrintJob(kind=PrintJobKind.DOCUMENT, printer_uri="file:x", payload=b"s", session_id="s1")
        )
        assert store.sessions.get("s1")["slip"] == "queued"
        assert store.integrity_check() == "ok"
    finally:
        store.close()


def test_a_version_4_file_gains_the_uncertain_print_state_and_keeps_its_jobs(tmp_path):
    """The real v4 -> v5 step: the print_jobs table is rebuilt for 'preparing' and 'uncertain'; its rows,
    reprint links and indexes survive, and a job a v4 app left 'sending' becomes uncertain."""
    from packstation.adapters.store import schema
    from packstation.domain.printing import PrintJobState

    path = tmp_path / "station.sqlite3"
    conn = sqlite3.connect(path)
    for script in schema.MIGRATIONS[:4]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 4")
    conn.execute(
        "INSERT INTO print_jobs (kind, state, printer_uri, created_at, updated_at)"
        " VALUES ('label', 'done', 'file:x', 1, 1)"
    )
    conn.execute(
        "INSERT INTO print_jobs (kind, state, printer_uri, reprint_of, created_at, updated_at)"
        " VALUES ('label', 'sending', 'file:x', 1, 2, 2)"
    )
    conn.commit()
    conn.close()

    store = Store.open(path)
    try:
        assert store.db.scalar("PRAGMA user_version") == SCHEMA_VERSION == 9
        second, first = store.print_jobs.recent()
        assert (first.state, second.state) == (PrintJobState.DONE, PrintJobState.UNCERTAIN)
        assert second.reprint_of == first.id
        indexes = {r[0] for r in store.db.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"print_jobs_state", "print_jobs_box"} <= indexes
        assert store.db.query("PRAGMA foreign_key_check") == []
        assert store.integrity_check() == "ok"
    finally:
        store.close()
