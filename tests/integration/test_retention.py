"""Retention on a real SQLite file (issue 18): finished work goes after the working period, the audit
trail after the audit period, nothing active ever; pruning is done in small steps and the file gives
its pages back."""

from __future__ import annotations

import sqlite3

import pytest

from packstation.adapters.store import Store
from packstation.domain.models import Shipment
from packstation.domain.printing import NewPrintJob, PrintJobKind
from packstation.domain.retention import DAY_S, Retention
from tests.support.station_driver import close_one_box, open_session

T0 = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def packed_and_printed(store: Store, shipment_id: str) -> int:
    """An order packed, its booking sent and its label printed; the session completed."""
    close_one_box(store, shipment_id)
    for op in store.outbox.ops(shipment_id=shipment_id):
        store.outbox.complete(op.id, "done in this test")
    box = store.boxes.for_shipment(shipment_id)[0]
    job = store.print_jobs.add(
        NewPrintJob(
            kind=PrintJobKind.LABEL,
            printer_uri="file:/dev/null",
            source_url=f"http://labels/{shipment_id}.png",
            payload=b"x" * 50_000,
            box_id=box.id,
        )
    )
    store.print_jobs.claim()
    store.print_jobs.finish(job)
    store.shipments.put(Shipment(id=shipment_id, external_id=shipment_id))
    store.sessions.save(
        f"session-{shipment_id}",
        order_key=shipment_id,
        shipment_id=shipment_id,
        state="complete",
        packer="tester",
        snapshot={},
    )
    for op in store.outbox.ops(shipment_id=shipment_id, states=("pending",)):
        store.outbox.complete(op.id, "settled in this test")
    return job


@pytest.fixture
def clocked(tmp_path):
    clock = Clock()
    store = Store.open(tmp_path / "station.sqlite3", clock=clock)
    yield store, clock
    store.close()


def test_finished_work_goes_after_the_working_period_and_the_audit_trail_after_the_audit_period(clocked):
    store, clock = clocked
    job = packed_and_printed(store, "ship-old")
    open_session(store, "ship-parked", "ORD-PARKED")  # still being packed: never pruned
    store.shipments.put(Shipment(id="ship-parked", external_id="ORD-PARKED"))
    close_one_box(store, "ship-parked")  # its booking still pending
    retention = Retention(working_days=30, audit_days=400)

    clock.now = T0 + 29 * DAY_S
    assert store.retention.prune(retention).total == 0  # nothing is old enough yet

    clock.now = T0 + 31 * DAY_S
    report = store.retention.prune(retention)
    assert report.counts["outbox"] == 2  # the box's booking and the order's completion step
    assert report.counts["print_jobs payload"] == 1 and report.counts["shipments_cache"] == 1
    assert store.print_jobs.get(job).payload is None  # downloaded again from source_url for a reprint
    assert store.shipments.find("ship-old") is None and store.shipments.find("ORD-PARKED") is not None
    assert [op.state.value for op in store.outbox.ops(shipment_id="ship-parked")] == ["pending"]
    assert (
        store.db.scalar("SELECT COUNT(*) FROM scans WHERE session_id = 'session-ship-old'") == 2
    )  # audit trail
    assert store.boxes.for_shipment("ship-old")

    clock.now = T0 + 401 * DAY_S
    report = store.retention.prune(retention)
    assert report.counts["scans"] == 4  # both orders' scans are older than the audit period
    assert report.counts["boxes"] == 1 and report.counts["packing_sessions"] == 1
    assert store.boxes.for_shipment("ship-old") == [] and store.sessions.get("session-ship-old") is None
    assert store.print_jobs.get(job) is None
    assert store.sessions.get("session-ship-parked") is not None  # active: kept whatever its age
    assert len(store.boxes.for_shipment("ship-parked")) == 1
    assert store.integrity_check() == "ok"


def test_the_scan_log_stays_append_only_outside_the_pruner(clocked):
    store, clock = clocked
    close_one_box(store, "ship-1")
    clock.now = T0 + 500 * DAY_S
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.db.write() as conn:
        conn.execute("DELETE FROM scans")
    store.retention.prune(Retention())
    store.scans.log(
        raw="NEW", kind="code", outcome="unknown_code", session_id="", order_key="", packer="p", station="s"
    )
    # the gate is closed again
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.db.write() as conn:
        conn.execute("DELETE FROM scans")
    assert store.db.scalar("SELECT COUNT(*) FROM scans") == 1


def test_pruning_goes_in_small_steps_and_a_new_file_gives_its_pages_back(clocked):
    store, clock = clocked
    for n in range(12):
        packed_and_printed(store, f"ship-{n}")
    assert store.db.scalar("PRAGMA auto_vacuum") == 2  # incremental, set before the first table
    clock.now = T0 + 401 * DAY_S
    step = store.retention.prune_step(Retention(), batch=10)
    assert step.counts["packing_sessions"] == 1  # batch // 10 orders per step
    assert step.counts["scans"] == 10
    rest = store.retention.prune(Retention(), batch=10)
    assert rest.counts["packing_sessions"] == 11
    assert store.db.scalar("SELECT COUNT(*) FROM scans") == 0
    freed = store.db.scalar("PRAGMA freelist_count")
    assert freed > 0
    assert store.retention.vacuum() == 0 < freed


def test_retention_periods_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        Retention(working_days=0)


def test_the_app_prunes_in_the_background_on_a_worker_thread(clocked):
    import asyncio
    import threading
    from types import SimpleNamespace

    from packstation.app import Services

    store, clock = clocked
    packed_and_printed(store, "ship-bg")
    clock.now = T0 + 31 * DAY_S
    threads: list[str] = []
    real_prune = store.retention.prune

    def prune(retention):
        threads.append(threading.current_thread().name)
        return real_prune(retention)

    services = SimpleNamespace(
        config=SimpleNamespace(retention_working_days=30, retention_audit_days=400),
        store=SimpleNamespace(retention=SimpleNamespace(prune=prune, vacuum=store.retention.vacuum)),
        sleep=asyncio.sleep,
    )
    services.retention_pass = lambda: Services.retention_pass(services)

    async def run():
        task = asyncio.ensure_future(Services._retention_loop(services, first_s=0, every_s=3600))
        while not threads:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(run())
    assert threads and threads[0] != threading.main_thread().name
    assert store.shipments.find("ship-bg") is None  # the pass ran
