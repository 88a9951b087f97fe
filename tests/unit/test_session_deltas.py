"""Session snapshots saved as deltas (schema v9, ``adapters/store/sessions.py``): after the first save
in a process, a save writes only what changed since the last one; a read applies the deltas to the
base. What a read returns must always be exactly the last snapshot committed, whatever happened between
writes: a transaction rolled back after the delta was written, a box's transaction that rolled back
after it wrote the whole snapshot, a process that died (its memory of what it wrote gone), another
writer."""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict

import pytest

from packstation.adapters.store import Store, sessions
from packstation.adapters.store.sessions import update_snapshot
from packstation.domain.packing import PackingSession
from packstation.domain.packing_order import OrderLine, PackingOrder


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test starts as a new process: nothing remembered of earlier writes."""
    monkeypatch.setattr(sessions, "_saved", OrderedDict())


def new_process() -> None:
    """A crash and a restart: the store's memory of what it wrote is gone, the file stays."""
    sessions._saved.clear()


def packing(lines: int = 300) -> PackingSession:
    order = PackingOrder(
        "ORD-1", "shp-1", tuple(OrderLine(f"SKU-{i:03d}", f"Article {i}", 2) for i in range(lines))
    )
    return PackingSession(order, session_id="s-1")


def save(store: Store, session: PackingSession) -> dict:
    snapshot = session.to_snapshot()
    store.sessions.save(
        "s-1", order_key="ORD-1", shipment_id="shp-1", state=session.state, packer="ann", snapshot=snapshot
    )
    return snapshot


def stored(store: Store) -> dict:
    return store.sessions.get("s-1")["snapshot"]


def deltas(store: Store) -> int:
    return store.db.scalar("SELECT count(*) FROM session_deltas WHERE session_id = 's-1'")


def base_text(store: Store) -> str:
    return store.db.scalar("SELECT snapshot FROM packing_sessions WHERE id = 's-1'")


def test_each_scan_after_the_first_save_writes_a_small_delta_and_reads_back_exactly(store):
    session = packing()
    save(store, session)
    base = base_text(store)
    for i in range(20):
        assert session.add_item(f"SKU-{i:03d}").ok
        if i % 5 == 4:
            assert session.close_box().ok
        snapshot = save(store, session)
        assert stored(store) == json.loads(json.dumps(snapshot))
    assert base_text(store) == base  # the order and the rest were written once
    assert deltas(store) == 20
    biggest = store.db.scalar("SELECT max(length(delta)) FROM session_deltas")
    assert biggest < len(base) / 20  # a scan writes its box, not the order
    session.void_last_closed_box()  # a box changed in the middle of the list
    snapshot = save(store, session)
    assert stored(store) == snapshot
    session.drop_empty_open_box()  # the list gets shorter
    session.new_box()
    snapshot = save(store, session)
    assert stored(store) == snapshot


def test_a_save_that_changes_nothing_writes_no_delta_row(store):
    session = packing()
    save(store, session)
    assert session.add_item("SKU-001").ok
    save(store, session)
    save(store, session)
    assert deltas(store) == 1


def test_deltas_are_folded_into_the_base_before_they_outweigh_it(store):
    session = packing(lines=20)
    save(store, session)
    for i in range(20):
        for _ in range(2):
            assert session.add_item(f"SKU-{i:03d}").ok
            snapshot = save(store, session)
            assert stored(store) == snapshot
            total = store.db.scalar("SELECT coalesce(sum(length(delta)), 0) FROM session_deltas")
            assert total <= len(base_text(store))
    assert session.close_box().ok
    session.state = session.state.COMPLETE
    snapshot = save(store, session)
    assert deltas(store) == 0 and json.loads(base_text(store)) == snapshot  # a finished order is plain


def test_a_restart_reads_the_last_save_and_goes_on_with_deltas(tmp_path):
    path = tmp_path / "station.sqlite3"
    store = Store.open(path)
    session = packing()
    save(store, session)
    for i in range(5):
        assert session.add_item(f"SKU-{i:03d}").ok
        last = save(store, session)
    store.close()
    new_process()
    store = Store.open(path)
    assert stored(store) == last
    restored = PackingSession.from_snapshot(stored(store))
    assert restored.to_snapshot() == last
    assert restored.add_item("SKU-010").ok
    first_after = save(store, restored)  # the new process does not know the row: writes it whole
    assert deltas(store) == 0 and stored(store) == first_after
    assert restored.add_item("SKU-011").ok
    again = save(store, restored)
    assert deltas(store) == 1 and stored(store) == again
    store.close()


def test_a_save_whose_transaction_fails_after_its_delta_leaves_the_last_committed_snapshot(store):
    session = packing()
    save(store, session)
    assert session.add_item("SKU-001").ok
    committed = save(store, session)
    store.db.connection().execute(
        "CREATE TEMP TRIGGER lose_the_disk AFTER INSERT ON session_deltas"
        " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )
    assert session.add_item("SKU-002").ok
    with pytest.raises(sqlite3.IntegrityError, match="disk I/O error"):
        save(store, session)
    assert stored(store) == committed  # rolled back whole: neither the delta nor the new revision
    store.db.connection().execute("DROP TRIGGER lose_the_disk")
    assert session.add_item("SKU-003").ok
    snapshot = save(store, session)
    assert stored(store) == snapshot


def test_a_box_transaction_rolled_back_after_writing_the_snapshot_is_not_built_upon(store):
    session = packing()
    assert session.add_item("SKU-001").ok
    committed = save(store, session)
    assert session.add_item("SKU-001").ok
    assert session.close_box().ok  # box 1 changes in the transaction that rolls back...
    with pytest.raises(RuntimeError), store.db.write() as conn:
        update_snapshot(conn, 0.0, "s-1", session.to_snapshot())
        raise RuntimeError("the box's insert failed")
    assert stored(store) == committed
    assert session.add_item("SKU-002").ok  # ...and the next save changes (opens) box 2 only
    snapshot = save(store, session)
    assert stored(store) == snapshot  # not box 2 on top of the rolled-back box 1


def test_another_writer_in_between_makes_the_next_save_whole(store):
    session = packing()
    save(store, session)
    assert session.add_item("SKU-001").ok
    assert session.close_box().ok
    save(store, session)
    other = packing()  # another process saves its own view of the session
    assert other.add_item("SKU-002").ok
    snapshot = other.to_snapshot()
    with store.db.write() as conn:
        conn.execute(
            "UPDATE packing_sessions SET snapshot = ?, snapshot_rev = 12345 WHERE id = 's-1'",
            (json.dumps(snapshot),),
        )
        conn.execute("DELETE FROM session_deltas")
    assert session.add_item("SKU-003").ok  # box 2 only: box 1 is as this process last wrote it
    mine = save(store, session)
    assert stored(store) == mine


def test_a_deleted_session_takes_its_deltas_with_it(store):
    session = packing()
    save(store, session)
    assert session.add_item("SKU-001").ok
    save(store, session)
    with store.db.write() as conn:
        conn.execute("DELETE FROM packing_sessions WHERE id = 's-1'")
    assert deltas(store) == 0


def test_a_version_8_file_keeps_its_sessions_and_saves_deltas_after_the_upgrade(tmp_path, monkeypatch):
    from packstation.adapters.store import schema

    path = tmp_path / "station.sqlite3"
    session = packing()
    assert session.add_item("SKU-001").ok
    v8 = session.to_snapshot()
    with monkeypatch.context() as patch:  # a station file made by the previous version
        patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:8])
        patch.setattr(schema, "SCHEMA_VERSION", 8)
        patch.setattr(schema, "TABLES", tuple(t for t in schema.TABLES if t != "session_deltas"))
        old = Store.open(path)
        with old.db.write() as conn:
            conn.execute(
                "INSERT INTO packing_sessions (id, order_key, shipment_id, state, packer, snapshot,"
                " created_at, updated_at) VALUES ('s-1', 'ORD-1', 'shp-1', 'packing', 'ann', ?, 0, 0)",
                (json.dumps(v8),),
            )
        old.close()
    store = Store.open(path)
    try:
        assert store.db.scalar("PRAGMA user_version") == 9
        assert stored(store) == v8
        restored = PackingSession.from_snapshot(stored(store))
        save(store, restored)
        assert restored.add_item("SKU-002").ok
        snapshot = save(store, restored)
        assert deltas(store) == 1 and stored(store) == snapshot
    finally:
        store.close()
