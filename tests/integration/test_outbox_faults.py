"""The outbox against the emulator over real loopback HTTP and a real SQLite file, with faults injected.

In every case the server ends with exactly as many parcels as boxes, each box mapped to exactly one
tracking number and one label job (``check_invariants``).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx
import pytest

from packstation.adapters.outbox import Outbox
from packstation.adapters.som.client import SomClient
from packstation.adapters.store import Store
from packstation.domain.booking import BoxState
from packstation.domain.outbox import Connectivity, OpKind, OpState
from packstation.domain.parcel_claims import BoxKey, SentWrite
from packstation.emulator import DEMO_TOKEN, Fault
from tests.support.station_driver import (
    FAST_BACKOFF,
    FAST_CLAIM_SETTLE,
    FAST_SETTLE,
    check_invariants,
    close_boxes,
    close_one_box,
    seed_orders,
)


def drain(emu, store, *, token=DEMO_TOKEN, timeout=30.0, statuses=None, during=None, **kw):
    """Drain the outbox once against ``emu``; ``during(outbox)`` runs concurrently (an async callable)."""

    async def main():
        client_kw = {"timeout": kw.pop("client_timeout")} if "client_timeout" in kw else {}
        async with SomClient(emu.base_url, token, site_id=emu.site_id, **client_kw) as client:
            outbox = Outbox(
                store,
                client,
                printer_uri="preview",
                backoff=FAST_BACKOFF,
                settle=FAST_SETTLE,
                claim_settle=FAST_CLAIM_SETTLE,
                on_status=statuses.append if statuses is not None else None,
                **kw,
            )
            try:
                if during is None:
                    return await outbox.drain(timeout), outbox
                result, _ = await asyncio.gather(outbox.drain(timeout), during(outbox))
                return result, outbox
            finally:
                outbox.close()

    return asyncio.run(main())


def test_happy_path_books_one_parcel_per_box(emu, store):
    a, b = seed_orders(emu, 2)
    close_boxes(store, {a: 3, b: 1})
    booked = []
    status, _outbox = drain(emu, store, on_box_booked=booked.append)
    assert status.depth == 0 and status.connectivity is Connectivity.ONLINE
    assert check_invariants(emu, store, [a, b]) == {"boxes": 4, "parcels": 4}
    assert sorted(booked) == sorted(bx.id for bx in store.boxes.all())
    # Box 1 booked the shipment, boxes 2 and 3 added parcels; nothing else was written.
    assert len(emu.requests_for("shipments.bookParcels")) == 2
    assert len(emu.requests_for("shipments.add_parcel")) == 2
    assert (
        store.shipments.find(a).parcels[2].tracking_number == store.boxes.for_shipment(a)[2].tracking_number
    )


@pytest.mark.parametrize("method", ["shipments.add_parcel", "shipments.bookParcels"])
def test_commit_then_drop_is_adopted_not_repeated(emu, store, method):
    shipments = seed_orders(emu, 3)
    close_boxes(store, dict.fromkeys(shipments, 3))
    emu.add_fault(Fault(method=method, kind="commit-then-drop", calls={1, 2, 3}))
    status, _ = drain(emu, store)
    assert status.depth == 0
    assert check_invariants(emu, store, shipments) == {"boxes": 9, "parcels": 9}
    dropped = [r for r in emu.requests_for(method) if r.dropped]
    assert len(dropped) == 3
    unknown = [op for op in store.outbox.ops() if op.outcome_unknown]
    assert len(unknown) == 3 and all(op.state is OpState.DONE for op in unknown)


def test_503_bursts_and_429_with_retry_after(emu, store):
    shipments = seed_orders(emu, 2)
    close_boxes(store, dict.fromkeys(shipments, 2))
    emu.add_fault(Fault(method="*", kind="status", status=503, calls=set(range(1, 8))))
    emu.add_fault(Fault(method="shipments.add_parcel", kind="rate-limit", retry_after=1, calls={1}))
    statuses = []
    started = time.monotonic()
    status, _ = drain(emu, store, statuses=statuses)
    assert time.monotonic() - started >= 1.0  # the Retry-After was honoured, not hammered
    assert status.depth == 0 and status.connectivity is Connectivity.ONLINE
    assert Connectivity.DEGRADED in {s.connectivity for s in statuses}
    assert check_invariants(emu, store, shipments) == {"boxes": 4, "parcels": 4}
    assert any(r.status == 429 for r in emu.requests_for("shipments.add_parcel"))


def test_emulator_down_for_a_while_then_back(emu, store):
    shipments = seed_orders(emu, 3)
    emu.stop()
    close_boxes(store, dict.fromkeys(shipments, 2))
    statuses = []

    async def outage(outbox):
        await asyncio.sleep(1.5)
        assert store.outbox.depth() == 6  # nothing could be sent
        emu.start()  # same port, same state
        outbox.kick()

    status, _ = drain(emu, store, statuses=statuses, during=outage)
    assert status.depth == 0
    seen = [s.connectivity for s in statuses]
    assert Connectivity.OFFLINE in seen and seen[-1] is Connectivity.ONLINE
    assert "cannot be reached" in next(s.reason for s in statuses if s.connectivity is Connectivity.OFFLINE)
    assert check_invariants(emu, store, shipments) == {"boxes": 6, "parcels": 6}


def test_a_hung_add_parcel_times_out_and_is_reconciled(emu, store):
    [shipment] = seed_orders(emu, 1)
    close_boxes(store, {shipment: 3})
    emu.add_fault(Fault(method="shipments.add_parcel", kind="hang", calls={1}, hang_s=3))
    timeout = httpx.Timeout(connect=1.0, read=0.5, write=1.0, pool=1.0)
    status, _ = drain(emu, store, client_timeout=timeout)
    assert status.depth == 0
    assert check_invariants(emu, store, [shipment]) == {"boxes": 3, "parcels": 3}


def test_the_app_killed_mid_call_reconciles_on_restart(tmp_path, emu):
    """The request reached the server, the app died before it recorded the answer."""
    path = tmp_path / "station.sqlite3"
    store = Store.open(path)
    [shipment] = seed_orders(emu, 1)
    close_boxes(store, {shipment: 2})
    drain(emu, store)
    box3 = close_one_box(store, shipment)
    op = store.outbox.ops(states=("pending",))[0]
    store.outbox.claim(op.id)  # in flight ...
    # ... written down durably before it goes out, as the worker does (parcel_claims.SentWrite) ...
    before = frozenset(p.id for p in store.shipments.find(shipment).parcels)
    key = BoxKey(box3.station or "station", box3.box_uuid)
    store.claims.add_sent_write(shipment, box3.id, SentWrite(key, datetime.now(UTC), before))

    async def send():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            await client.add_parcel(shipment)  # ... and applied; then the process dies

    asyncio.run(send())
    store.close()
    store = Store.open(path)  # restart
    assert store.outbox.get(op.id).outcome_unknown
    adds = len(emu.requests_for("shipments.add_parcel"))
    _status, _outbox = drain(emu, store)
    assert check_invariants(emu, store, [shipment]) == {"boxes": 3, "parcels": 3}
    assert store.boxes.get(box3.id).state is BoxState.BOOKED
    # Looked up (after the settle delay) and adopted: no second add_parcel.
    assert len(emu.requests_for("shipments.add_parcel")) == adds
    store.close()


def test_the_worker_stopped_while_a_claim_runs_on_the_database_thread_leaves_the_box_to_send(
    emu, store, monkeypatch
):
    """Shutdown (the worker task cancelled) lands while a box's claim is being written on the database
    thread. The claim completes there; the worker must put it back to pending, or the box stays "in
    flight" in a live process and nothing ever sends it (the crash test's driver saw exactly that)."""
    import threading

    [shipment] = seed_orders(emu, 1)
    close_boxes(store, {shipment: 1})
    started, release = threading.Event(), threading.Event()
    real_claim = store.outbox.claim

    def slow_claim(op_id):
        started.set()
        release.wait(10)
        return real_claim(op_id)

    monkeypatch.setattr(store.outbox, "claim", slow_claim)

    async def stop_mid_claim():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = Outbox(store, client, printer_uri="preview", backoff=FAST_BACKOFF, settle=FAST_SETTLE)
            try:
                worker = asyncio.create_task(outbox.run())
                while not started.is_set():
                    await asyncio.sleep(0.01)
                # The claim finishes a moment after the cancel (from another thread: the worker's
                # cleanup waits for it on this one).
                threading.Timer(0.2, release.set).start()
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
            finally:
                outbox.close()

    asyncio.run(stop_mid_claim())
    monkeypatch.undo()
    [op] = store.outbox.ops()
    assert op.state is OpState.PENDING and op.attempts == 1, op
    status, _ = drain(emu, store)
    assert status.depth == 0
    assert check_invariants(emu, store, [shipment]) == {"boxes": 1, "parcels": 1}


def test_refused_token_pauses_with_a_reason_until_resumed(emu, store, expected_log):
    expected_log.allow("API token was refused")
    [shipment] = seed_orders(emu, 1)
    close_boxes(store, {shipment: 2})
    status, _ = drain(emu, store, token="wrong-token")
    assert status.connectivity is Connectivity.PAUSED
    assert status.reason == "The API token was refused (HTTP 401). Enter a valid token in Settings."
    assert status.depth == 2 and emu.parcel_count(shipment) == 1
    assert len(emu.requests) == 1  # paused at once, no retries burnt

    async def resume():
        async with (
            SomClient(emu.base_url, "wrong-token") as bad,
            SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as good,
        ):
            outbox = Outbox(
                store,
                bad,
                printer_uri="preview",
                backoff=FAST_BACKOFF,
                settle=FAST_SETTLE,
                claim_settle=FAST_CLAIM_SETTLE,
            )
            first = await outbox.drain(10)
            outbox.resume(client=good)
            second = await outbox.drain(10)
            outbox.close()
            return first, second

    first, second = asyncio.run(resume())
    assert first.connectivity is Connectivity.PAUSED and second.connectivity is Connectivity.ONLINE
    assert check_invariants(emu, store, [shipment]) == {"boxes": 2, "parcels": 2}


def test_a_permanent_refusal_needs_attention_and_blocks_only_its_shipment(emu, store, expected_log):
    expected_log.allow("needs attention")
    a, b = seed_orders(emu, 2)
    close_boxes(store, {a: 2, b: 2})
    emu.add_fault(Fault(method="shipments.bookParcels", kind="status", status=400, calls={1}))
    status, _ = drain(emu, store)
    assert status.needs_attention == 1 and status.depth == 1  # the blocked second box of that shipment
    [parked] = store.outbox.needs_attention()
    assert "HTTP 400" in parked.last_error and "injected fault" in parked.last_error
    failed = store.boxes.get(parked.box_id)
    assert failed.state is BoxState.FAILED and "HTTP 400" in failed.error
    other = b if parked.shipment_id == a else a
    assert all(bx.tracking_number for bx in store.boxes.for_shipment(other))
    assert store.outbox.retry(parked.id)  # the packer presses "retry"
    status, _ = drain(emu, store)
    assert check_invariants(emu, store, [a, b]) == {"boxes": 4, "parcels": 4}


def test_voiding_a_box_while_its_booking_is_in_doubt(emu, store):
    a, b = seed_orders(emu, 2)
    close_boxes(store, {a: 2, b: 2})
    emu.add_fault(Fault(method="shipments.add_parcel", kind="commit-then-drop", calls={1}))
    emu.add_fault(Fault(method="shipments.add_parcel", kind="status", status=503, calls={2, 3, 4, 5, 6}))
    # Let the first add_parcel (committed, answer lost) happen, then void that box before the retry.
    emu.add_fault(Fault(method="shipments.get", kind="latency", delay_ms=50))

    async def void_when_unknown(outbox):
        while not any(op.outcome_unknown for op in store.outbox.ops()):
            await asyncio.sleep(0.01)
        doubtful = next(op for op in store.outbox.ops() if op.outcome_unknown)
        store.boxes.void(doubtful.box_id)
        outbox.kick()

    _status, _ = drain(emu, store, during=void_when_unknown)
    voided = [bx for bx in store.boxes.all() if bx.state is BoxState.VOIDED]
    assert len(voided) == 1 and voided[0].tracking_number  # its parcel existed: adopted, then cancelled
    cancels = [op for op in store.outbox.ops() if op.kind is OpKind.CANCEL_DELIVERY]
    assert [op.state for op in cancels] == [OpState.DONE]
    server = emu.shipment_json(voided[0].shipment_id)
    statuses = {
        d["tracking_number"]: d.get("delivery_status") for p in server["parcels"] for d in p["deliveries"]
    }
    assert statuses[voided[0].tracking_number] == "cancelled"
    check_invariants(emu, store, [a, b])


def test_voiding_an_unsent_box_gives_its_slot_to_the_next_box(emu, store):
    [shipment] = seed_orders(emu, 1)
    _first, second, third = close_boxes(store, {shipment: 3})
    store.boxes.void(second.id)
    _status, _ = drain(emu, store)
    assert store.boxes.get(third.id).slot == 2
    assert check_invariants(emu, store, [shipment]) == {"boxes": 2, "parcels": 2}


def test_a_box_voided_while_its_booking_is_out_gets_its_parcel_cancelled(emu, store):
    [shipment] = seed_orders(emu, 1)
    [box] = close_boxes(store, {shipment: 1})
    emu.add_fault(Fault(method="shipments.bookParcels", kind="latency", delay_ms=300))

    async def void_while_out(outbox):
        # The box's parcel is recorded (its claim on the preset parcel settled) just before
        # bookParcels goes out.
        while (now := store.boxes.get(box.id)).state is not BoxState.BOOKING or now.parcel_id is None:
            await asyncio.sleep(0.01)
        store.boxes.void(box.id)  # the packer tears the box open while bookParcels is on its way

    booked = []
    drain(emu, store, during=void_while_out, on_box_booked=booked.append)
    voided = store.boxes.get(box.id)
    assert voided.state is BoxState.VOIDED and voided.tracking_number and booked == []
    assert store.print_jobs.recent() == []  # no label for a voided box
    assert [(op.kind, op.state) for op in store.outbox.ops()] == [
        (OpKind.BOOK_BOX, OpState.DONE),
        (OpKind.CANCEL_DELIVERY, OpState.DONE),
    ]
    check_invariants(emu, store, [shipment])
