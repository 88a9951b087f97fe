"""Issue 18 item 1: one API write per box in the normal path, against the emulator over loopback HTTP
and a real SQLite file, with the reuse rules of docs/ARCHITECTURE.md ("Reading the shipment again").

The outbox plans a box from the shipment as it last saw it (the order look-up's answer, or its own
last answer) only where that is as safe as a fresh read; each test here names what would go wrong if
it were not: a box booked before its claim settled, a stale read giving a box another bench's parcel,
claims left behind by an order left, labels downloaded one after the other."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from packstation.adapters.label_prefetch import LabelPrefetch
from packstation.adapters.labels.pipeline import LabelPipeline
from packstation.adapters.outbox import Outbox
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.queue import PrintQueue
from packstation.adapters.som.client import SomClient
from packstation.domain.outbox import OpKind
from packstation.domain.parcel_claims import (
    META_PACKING,
    META_PARCEL_PREFIX,
    BoxKey,
    ParcelClaim,
    meta_update,
    read_parcel_claims,
)
from packstation.emulator import DEMO_TOKEN
from tests.support.station_driver import (
    FAST_BACKOFF,
    FAST_CLAIM_SETTLE,
    FAST_SETTLE,
    check_invariants,
    close_one_box,
    open_order_online,
    seed_orders,
)

STATION = "bench-1"


def _methods(emu, since: int) -> list[str]:
    with emu.lock:
        return [r.method for r in emu.requests[since:]]


def _outbox(store, client, **kw):
    kw.setdefault("printer_uri", "preview")
    return Outbox(
        store,
        client,
        backoff=FAST_BACKOFF,
        settle=FAST_SETTLE,
        claim_settle=FAST_CLAIM_SETTLE,
        station_id=STATION,
        **kw,
    )


async def _booked(store, box_id: int, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not store.boxes.get(box_id).tracking_number:
        assert asyncio.get_running_loop().time() < deadline, "the box was not booked"
        await asyncio.sleep(0.01)


def test_an_order_opened_online_books_each_box_with_its_one_write_and_no_read(emu, store):
    [shipment] = seed_orders(emu, 1)

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client)
            await open_order_online(store, outbox, client, shipment, station=STATION)
            worker = asyncio.create_task(outbox.run())
            try:
                seen = []
                for number in (1, 2):
                    start = len(emu.requests)
                    box = close_one_box(store, shipment, number=number, scans=0)
                    outbox.kick()
                    await _booked(store, box.id)
                    seen.append(_methods(emu, start))
            finally:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
            await outbox.drain(timeout=10)  # the claim written after box 2's booking
            outbox.close()
            return seen

    first, second = asyncio.run(main())
    # Box 1 takes the preset parcel claimed for it at open (settled, read again after settling).
    assert first == ["shipments.bookParcels"]
    # Box 2 adds a parcel, planned from box 1's answer.
    assert second == ["shipments.add_parcel"]
    assert check_invariants(emu, store, [shipment]) == {"boxes": 2, "parcels": 2}
    # Every box's parcel is claimed for it in meta (box 2's claim was written after its label).
    claims = read_parcel_claims(emu.shipment_json(shipment)["meta"])
    for box in store.boxes.all():
        assert claims[box.parcel_id].box == BoxKey(STATION, box.box_uuid)


def test_the_order_open_claims_the_preset_parcel_for_the_sessions_first_box(emu, store):
    [shipment] = seed_orders(emu, 1)

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client)
            session_id = await open_order_online(store, outbox, client, shipment, station=STATION)
            outbox.close()
            return session_id

    session_id = asyncio.run(main())
    raw = emu.shipment_json(shipment)
    [preset] = raw["parcels"]
    claims = read_parcel_claims(raw["meta"])
    [first_uuid] = store.boxes.next_uuids(session_id, 1)
    assert claims[preset["id"]].box == BoxKey(STATION, first_uuid)
    assert raw["meta"][META_PACKING].startswith(STATION + "|")
    # ... and the box closed later carries exactly that key.
    box = close_one_box(store, shipment, number=1, scans=0)
    assert box.box_uuid == first_uuid


def test_the_same_session_id_in_another_database_names_other_boxes(emu, store, tmp_path):
    """A re-imaged bench (or a test) may reuse a session id with the same station id: its boxes must
    not be the old database's boxes, or it would take their claimed parcels as its own."""
    from packstation.adapters.store import Store

    other = Store.open(tmp_path / "reimaged.sqlite3")
    try:
        for db in (store, other):
            db.sessions.save(
                "same-id", order_key="O", shipment_id="S", state="packing", packer="p", snapshot={}
            )
        assert store.boxes.next_uuids("same-id", 2) != other.boxes.next_uuids("same-id", 2)
        assert len(set(store.boxes.next_uuids("same-id", 3))) == 3
    finally:
        other.close()


def test_a_box_closed_before_its_claim_settled_is_not_booked_from_memory(emu, store):
    """The look-up's answer shows the claim made at open, but not settled: acting on it would book a
    parcel whose claim another bench may still overwrite. The box waits for the claim to settle
    without reading (no read before the settle can show it settled), then plans from the read
    ``mark_packing`` takes once the claims settled: one read serves the marker and the box, instead of
    the box reading at close and again at the settle."""
    [shipment] = seed_orders(emu, 1)

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client)
            opening = asyncio.create_task(open_order_online(store, outbox, client, shipment, station=STATION))
            while not read_parcel_claims(emu.shipment_json(shipment).get("meta") or {}):
                await asyncio.sleep(0.005)  # the claim is written; its settle has just begun
            start = len(emu.requests)
            box = close_one_box(store, shipment, number=1, scans=0)
            status = await outbox.drain(timeout=10)
            await opening
            outbox.close()
            return box, start, status

    box, start, status = asyncio.run(main())
    assert status.depth == 0
    assert _methods(emu, start) == ["shipments.get", "shipments.bookParcels"]  # read again: one read
    claim = read_parcel_claims(emu.shipment_json(shipment)["meta"])[store.boxes.get(box.id).parcel_id]
    with emu.lock:
        read_at = next(r.at for r in emu.requests[start:] if r.method == "shipments.get")
    assert datetime.fromtimestamp(read_at, UTC) >= claim.at + FAST_CLAIM_SETTLE
    assert check_invariants(emu, store, [shipment]) == {"boxes": 1, "parcels": 1}


def test_the_read_after_the_open_claims_goes_once_they_have_stood_not_a_settle_after_the_answer(emu, store):
    """``mark_packing`` reads again once its claims have stood ``claim_settle`` from the time written in
    them (step 2's own test), not ``claim_settle`` after the marker write's answer: on a slow API that is
    a round trip sooner for a box closed meanwhile, and never before the claims have stood."""
    from datetime import timedelta

    from packstation.emulator import Fault

    [shipment] = seed_orders(emu, 1)
    settle = timedelta(seconds=0.8)
    emu.add_fault(Fault(method="shipments.update", kind="latency", delay_ms=1000))

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client)
            outbox.claim_settle = settle
            await open_order_online(store, outbox, client, shipment, station=STATION)
            outbox.close()

    asyncio.run(main())
    [claim] = read_parcel_claims(emu.shipment_json(shipment)["meta"]).values()
    with emu.lock:
        methods = [r.method for r in emu.requests]
        read_at = datetime.fromtimestamp(emu.requests[-1].at, UTC)
    assert methods[-2:] == ["shipments.update", "shipments.get"]
    assert read_at >= claim.at + settle  # never before the claim has stood
    # The marker's answer took 1 s; a settle after it would have sent the read 1.8 s after the claim.
    assert read_at < claim.at + timedelta(seconds=1.4), read_at - claim.at


def test_a_parcel_another_bench_added_after_the_look_up_is_never_taken_from_a_stale_memory(emu, store):
    """Bench-1 plans box 2 from its last answer, which predates bench-2's parcel. Its add_parcel's
    answer then shows two new parcels: the write is in doubt (never "the new one is mine"), and once
    settled bench-1's box takes its own parcel, never bench-2's claimed one."""
    [shipment] = seed_orders(emu, 1)

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client)
            await open_order_online(store, outbox, client, shipment, station=STATION)
            close_one_box(store, shipment, number=1, scans=0)
            await outbox.drain(timeout=10)
            # Bench-2 (its own client) adds a parcel and claims it for its box, as its outbox would.
            before = {p.id for p in (await client.get_shipment(id=shipment)).parcels}
            added = await client.add_parcel(shipment)
            [theirs] = [p for p in added.parcels if p.id not in before]
            other = BoxKey("bench-2", "their-box")
            now = datetime.now(UTC)
            meta = meta_update(
                added.meta, station="bench-2", now=now, claims=[ParcelClaim(theirs.id, other, now)]
            )
            await client.update_shipment({"shipment_id": shipment, "meta": meta})
            start = len(emu.requests)
            box = close_one_box(store, shipment, number=2, scans=0)
            status = await outbox.drain(timeout=20)
            outbox.close()
            return theirs.id, box, start, status

    theirs, box, start, status = asyncio.run(main())
    assert status.depth == 0 and status.needs_attention == 0
    methods = _methods(emu, start)
    assert methods[0] == "shipments.add_parcel"  # planned from memory: no read first
    assert methods.count("shipments.add_parcel") == 1  # in doubt, then resolved: never sent twice
    held = store.boxes.get(box.id).parcel_id
    assert held is not None and held != theirs
    mine = [b for b in store.boxes.all()]
    assert len({b.parcel_id for b in mine}) == 2 and theirs not in {b.parcel_id for b in mine}


def test_leaving_an_order_releases_its_marker_and_the_claims_made_at_open(emu, store):
    [shipment] = seed_orders(emu, 1, number_of_parcels=2)

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client)
            session_id = await open_order_online(store, outbox, client, shipment, station=STATION)
            opened = dict(emu.shipment_json(shipment)["meta"])
            # The runtime queues the release with the cancelled session; the worker sends it.
            store.outbox.enqueue(OpKind.LEAVE_ORDER, shipment, {"session_id": session_id})
            status = await outbox.drain(timeout=10)
            assert status.depth == 0
            outbox.close()
            return opened

    opened = asyncio.run(main())
    claimed = {k for k, v in opened.items() if k.startswith(META_PARCEL_PREFIX) and v}
    assert len(claimed) == 2  # both presets, for the session's boxes 1 and 2
    after = emu.shipment_json(shipment)["meta"]
    assert all(after[k] == "" for k in claimed)
    assert after[META_PACKING] == ""
    assert read_parcel_claims(after) == {}


def test_a_booking_that_books_several_parcels_downloads_their_labels_side_by_side(emu, store, tmp_path):
    """bookParcels on a two-parcel order books both presets; both labels start downloading on its
    answer, and box 2 (claimed at open, booked by box 1's call) prints from its prefetched label
    without a single call of its own."""
    [shipment] = seed_orders(emu, 1, number_of_parcels=2)
    printer = f"file:{tmp_path / 'printer.bin'}"
    emu.label_format = "png"

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            prefetch = LabelPrefetch(client.download_label)
            queue = PrintQueue(store.print_jobs, make_printer, prefetch, LabelPipeline())
            outbox = _outbox(
                store,
                client,
                printer_uri=printer,
                on_box_booked=lambda _id: queue.notify(),
                on_labels=prefetch.start,
            )
            await open_order_online(store, outbox, client, shipment, station=STATION)
            worker = asyncio.create_task(outbox.run())
            printing = asyncio.create_task(queue.run())
            try:
                first = close_one_box(store, shipment, number=1, scans=0)
                outbox.kick()
                await _booked(store, first.id)
                started_after_first = prefetch.started
                start = len(emu.requests)
                second = close_one_box(store, shipment, number=2, scans=0)
                outbox.kick()
                await _booked(store, second.id)
                while any(j.state.value != "done" for j in store.print_jobs.recent(limit=10)):
                    await asyncio.sleep(0.01)
                return started_after_first, _methods(emu, start), prefetch
            finally:
                for task in (worker, printing):
                    task.cancel()
                await asyncio.gather(worker, printing, return_exceptions=True)
                outbox.close()
                queue.close()

    started_after_first, methods, prefetch = asyncio.run(main())
    assert started_after_first == 2  # both labels, on box 1's answer
    assert not [m for m in methods if m.startswith("shipments.")]  # box 2: no call of its own
    assert prefetch.taken == 2 and len(prefetch) == 0
    downloads = [r for r in emu.requests if r.path.startswith("/v1/labels/")]
    assert len(downloads) == 2
    assert check_invariants(emu, store, [shipment]) == {"boxes": 2, "parcels": 2}


def test_the_worker_keeps_concurrency_calls_in_the_air_and_more_operations_running(emu, store):
    """``concurrency`` bounds the calls in the air, not the operations: while some operations are
    at the database thread (claim, write in doubt, answer), others' calls go out. Counted at the
    client: never more than ``concurrency`` calls at once; at some moment more operations in flight
    (claimed in the store) than that."""
    shipments = seed_orders(emu, 12)
    concurrency = 2
    in_air = {"now": 0, "most": 0, "ops_most": 0}

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client, concurrency=concurrency)
            for shipment in shipments:
                await open_order_online(store, outbox, client, shipment, station=STATION)
            for shipment in shipments:
                close_one_box(store, shipment, scans=0)

            def counted(call):
                async def wrapper(*args, **kwargs):
                    in_air["now"] += 1
                    in_air["most"] = max(in_air["most"], in_air["now"])
                    running = len(store.db.query("SELECT id FROM outbox WHERE state = 'in_flight'"))
                    in_air["ops_most"] = max(in_air["ops_most"], running)
                    try:
                        return await call(*args, **kwargs)
                    finally:
                        in_air["now"] -= 1

                return wrapper

            for name in ("book_parcels", "add_parcel", "get_shipment", "update_shipment"):
                setattr(client, name, counted(getattr(client, name)))
            emu.set_latency(40)  # calls long enough for the operations to pile up behind them
            status = await outbox.drain(timeout=60)
            emu.set_latency(0)
            outbox.close()
            return status

    status = asyncio.run(main())
    assert status.depth == 0 and status.needs_attention == 0
    assert in_air["most"] == concurrency
    assert in_air["ops_most"] > concurrency
    assert check_invariants(emu, store, shipments) == {"boxes": 12, "parcels": 12}


def test_a_box_closed_before_the_open_marker_is_written_still_takes_the_preset_parcel(emu, store):
    """A packer at scanner speed closes the first box before the order-open marker (a task behind
    the look-up) has run: the claims it writes are for the session's boxes still without a parcel,
    box 1 included, and box 1's booking waits for that write. (Claiming for "the boxes not closed
    yet" gave the preset parcel to a box 2 that never came, and box 1 a second parcel.)"""
    from packstation.domain.parcel_claims import ShipmentFacts, assess_open
    from tests.support.station_driver import open_session

    [shipment] = seed_orders(emu, 1)

    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = _outbox(store, client)
            found = await client.get_shipment(id=shipment)  # the look-up, as the runtime does it
            store.shipments.put(found)
            session_id = open_session(store, shipment, None)
            outbox.seen(found)
            opened = assess_open(
                ShipmentFacts.from_shipment(found), station=STATION, own_parcels=(), now=outbox._now()
            )
            store.claims.set_open(
                session_id, foreign_ids=opened.foreign_ids, placeholder_ids=opened.placeholder_ids
            )
            box = close_one_box(store, shipment, number=1, scans=0)  # before the marker task ran
            worker = asyncio.create_task(outbox.run())
            marker = asyncio.create_task(outbox.mark_packing(shipment, STATION, session_id=session_id))
            try:
                await _booked(store, box.id)
                await marker
            finally:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
            await outbox.drain(timeout=10)
            outbox.close()
            return box

    box = asyncio.run(main())
    assert emu.requests_for("shipments.add_parcel") == []
    assert emu.parcel_count(shipment) == 1  # the preset parcel, nothing more
    assert check_invariants(emu, store, [shipment]) == {"boxes": 1, "parcels": 1}
    claims = read_parcel_claims(emu.shipment_json(shipment)["meta"])
    assert claims[store.boxes.get(box.id).parcel_id].box == BoxKey(STATION, box.box_uuid)
