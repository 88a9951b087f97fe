"""The optional "packed" tracking event: with ``publish_packed_event`` on, a packed order publishes one
CUSTOM tracking event per booked box through the outbox (the emulator records them); off, none."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from packstation.adapters.config import Config
from packstation.adapters.store import Store
from packstation.emulator import Fault
from tests.integration.test_station_runtime import run_station
from tests.support.bench_config import bench_config

LINES = [("SKU-A", "Mug", 1), ("SKU-B", "Plate", 1), ("SKU-C", "Bowl", 1)]
THREE_BOXES = ["ORD-3", "SKU-A", "BOX:S", "SKU-B", "CMD:CLOSE-BOX", "SKU-C"]


@pytest.fixture
def config(tmp_path, emulator):
    return bench_config(tmp_path, emulator, publish_packed_event=True, custom_event_type_id="packed-at-bench")


def published(emulator):
    return [e for e in emulator.events if e["method"] == "events.publishTrackingEvent"]


def test_packed_order_publishes_one_custom_event_per_box(emulator, config, qapp):
    emulator.seed_shipment("ORD-3", LINES)
    emulator.add_fault(Fault("events.publishTrackingEvent", "commit-then-drop", calls={1}))
    _, view, problems, _ = run_station(config, THREE_BOXES, qapp)
    assert problems == [] and view.complete
    # The last box closes with the order, so its event is queued when it gets booked, after completion.
    trackings = sorted(b.tracking_number for b in view.boxes)
    events = published(emulator)
    # The lost answer was resent: at worst a duplicate event, never a missing one.
    assert sorted({e["tracking_number"] for e in events}) == trackings
    assert {e["tracking_status"] for e in events} == {"CUSTOM"}
    assert {e["custom_event_type_id"] for e in events} == {"packed-at-bench"}
    assert all(datetime.fromisoformat(e["occurred_at"].replace("Z", "+00:00")).tzinfo for e in events)
    store = Store.open(config.database_path)
    ops = store.db.query("SELECT state FROM outbox WHERE kind = 'publish_tracking_event'")
    assert [r["state"] for r in ops] == ["done"] * 3
    store.close()


def test_off_by_default(emulator, config, qapp):
    emulator.seed_shipment("ORD-3", LINES)
    _, view, problems, _ = run_station(replace(config, publish_packed_event=False), THREE_BOXES, qapp)
    assert problems == [] and view.complete
    assert published(emulator) == []
    assert Config().publish_packed_event is False and Config().custom_event_type_id == "packed"


def test_queue_packed_events_once_per_booked_box_of_a_completed_order(emulator, tmp_path):
    from tests.integration.test_end_of_day import end_of_day_run
    from tests.support.station_driver import close_boxes, seed_orders

    store = Store.open(tmp_path / "station.sqlite3")
    (shipment,) = seed_orders(emulator, 1)
    boxes = close_boxes(store, {shipment: 3})
    end_of_day_run(emulator, store, None)  # books them
    session_id = boxes[0].session_id
    assert store.outbox.queue_packed_events(session_id, "packed") == 0  # not completed yet
    store.boxes.void(boxes[2].id)
    with store.db.write() as conn:
        conn.execute("UPDATE packing_sessions SET state = 'complete' WHERE id = ?", (session_id,))
    assert store.outbox.queue_packed_events(session_id, "packed") == 2  # the voided box gets none
    assert store.outbox.queue_packed_events(session_id, "packed") == 0  # never twice
    end_of_day_run(emulator, store, None)
    assert sorted(e["tracking_number"] for e in published(emulator)) == sorted(
        store.boxes.get(b.id).tracking_number for b in boxes[:2]
    )
    store.close()
