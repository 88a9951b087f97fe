"""A scripted station for outbox tests: helpers to seed orders and close boxes, the invariant check
(one box = one parcel = one label), and a runnable station process for the crash test.

As a program::

    PACKSTATION_API_TOKEN=... python -m tests.support.station_driver DB_PATH API_URL PLAN_JSON

opens the store, closes the boxes of the plan that are not closed yet (logging each box's item scans
first, skipping scans already logged), with the outbox sending concurrently, then drains the outbox and
prints ``DRAINED`` (or what is left: a print job a kill left uncertain is named for a person to deal
with, see ``_unprinted``). It can be SIGKILLed at any instant and started again: it carries on from
what the database says. The token comes from the environment, never the command line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from datetime import timedelta
from typing import Any

from packstation.domain.booking import BoxState
from packstation.domain.models import Shipment
from packstation.domain.outbox import BackoffPolicy
from packstation.domain.printing import PrintJobKind

LINES = [("SKU-TEE", "T-shirt", 3), ("SKU-MUG", "Mug", 2)]
FAST_BACKOFF = BackoffPolicy(base_s=0.05, factor=2.0, cap_s=0.4)
# The emulator commits at once (or after a fault's stated delay): a write in doubt settles in a second
# here, not in the 45 s a real station gives Ingrid; a claim in meta stands after 0.2 s.
FAST_SETTLE = timedelta(seconds=1)
FAST_CLAIM_SETTLE = timedelta(seconds=0.2)


def seed_orders(emu: Any, count: int, *, prefix: str = "ORD", number_of_parcels: int = 1) -> list[str]:
    return [
        emu.seed_shipment(external_id=f"{prefix}{i:04d}", lines=LINES, number_of_parcels=number_of_parcels)
        for i in range(count)
    ]


def open_session(store: Any, shipment_id: str, order_key: str | None = None) -> str:
    session_id = f"session-{shipment_id}"
    if store.sessions.get(session_id) is None:
        store.sessions.save(
            session_id,
            order_key=order_key or shipment_id,
            shipment_id=shipment_id,
            state="packing",
            packer="tester",
            snapshot={},
        )
    return session_id


async def open_order_online(
    store: Any, outbox: Any, client: Any, shipment_id: str, order_key: str | None = None, *, station: str
) -> str:
    """Open the order as the app's runtime does while the API answers (``_lookup``, ``_assess_open``):
    the look-up's answer cached and handed to the outbox, ``assess_open`` stored with the session, and
    the being-packed marker written with the claims of the order's preset parcels for the session's
    next boxes (``Outbox.mark_packing``, which reads the shipment again once the claims settled: await
    it, or run it as a task as the runtime does). Returns the session id."""
    from packstation.domain.parcel_claims import ShipmentFacts, assess_open

    shipment = await client.get_shipment(id=shipment_id)
    store.shipments.put(shipment)
    session_id = open_session(store, shipment_id, order_key)
    outbox.seen(shipment)
    if store.claims.open_record(session_id) is None:
        found = assess_open(
            ShipmentFacts.from_shipment(shipment), station=station, own_parcels=(), now=outbox._now()
        )
        store.claims.set_open(
            session_id, foreign_ids=found.foreign_ids, placeholder_ids=found.placeholder_ids
        )
    await outbox.mark_packing(shipment_id, station, session_id=session_id)
    return session_id


def scan_raw(order_key: str, box: int, item: int) -> str:
    return f"{order_key}/box{box}/item{item}"


def close_one_box(
    store: Any,
    shipment_id: str,
    *,
    order_key: str | None = None,
    number: int | None = None,
    scans: int = 2,
    logged: set[str] | None = None,
) -> Any:
    """Log the box's item scans (those not logged yet) and close it as the station would."""
    order_key = order_key or shipment_id
    session_id = open_session(store, shipment_id, order_key)
    number = number or len(store.boxes.for_session(session_id)) + 1
    for item in range(1, scans + 1):
        raw = scan_raw(order_key, number, item)
        if logged is None or raw not in logged:
            store.scans.log(
                raw=raw,
                kind="item",
                outcome="accepted",
                session_id=session_id,
                order_key=order_key,
                packer="tester",
                station="bench-test",
            )
    return store.boxes.close(
        session_id=session_id,
        snapshot={"boxes_closed": number},
        shipment_id=shipment_id,
        box_type="M",
        dims_mm=(350, 250, 150),
        weight_g=900 + number,
        items={"SKU-TEE": 1},
        packer="tester",
        station="bench-test",
    )


def close_boxes(store: Any, plan: dict[str, int]) -> list[Any]:
    """Close ``plan[shipment_id]`` boxes per shipment, interleaved across shipments."""
    boxes = []
    for round_ in range(max(plan.values(), default=0)):
        for shipment_id, count in plan.items():
            if round_ < count:
                boxes.append(close_one_box(store, shipment_id))
    return boxes


def server_shipment(emu: Any, shipment_id: str) -> Shipment:
    return Shipment.from_api(emu.shipment_json(shipment_id))


def diagnose(emu: Any, store: Any, shipment_id: str) -> str:
    """What a failed invariant needs to be explained: the shipment's parcels on the server (created
    time, tracking number, delivery status, the meta claim), this station's boxes (parcel, state), its
    writes in doubt and the shipment's outbox operations with their last error."""
    raw = emu.shipment_json(shipment_id)
    meta = raw.get("meta") or {}
    lines = [f"shipment {shipment_id} on the server (meta packing={meta.get('packstation.packing')!r}):"]
    for p in raw.get("parcels") or ():
        for d in p.get("deliveries") or ({},):
            lines.append(
                f"  parcel {p['id']} created {p.get('created_at')} tracking {d.get('tracking_number')}"
                f" {d.get('delivery_status')} claim={meta.get('packstation.parcel.' + p['id'])!r}"
            )
    for b in store.boxes.all():
        if b.shipment_id == shipment_id:
            lines.append(
                f"  box {b.id} uuid {b.box_uuid} parcel {b.parcel_id} {b.state.value} {b.tracking_number}"
            )
    for w in store.claims.sent_writes(shipment_id):
        lines.append(f"  sent_write {w.box} at {w.sent_at.isoformat()} before {sorted(w.parcels_before)}")
    for op in store.outbox.ops(shipment_id=shipment_id):
        lines.append(f"  op {op.id} {op.kind} {op.state} attempts={op.attempts}: {op.last_error}")
    return "\n".join(lines)


def check_invariants(emu: Any, store: Any, shipment_ids: list[str] | None = None) -> dict[str, int]:
    """One box = one parcel = one label, checked against the server's state and the store.

    Per shipment: every live box holds a booked parcel of the server (its parcel id and tracking
    number), no parcel is held by two boxes, every live box has exactly one label job, every booked
    parcel no live box holds is cancelled (a voided box's, or a surplus one), and every tracking number
    belongs to exactly one box. Unbooked parcels without a box cost nothing and are allowed (an
    upstream preset nobody needed). Which box holds which parcel is the claims' business, not the
    order parcels were made in. Returns counts: live boxes, and booked parcels not cancelled."""
    boxes = store.boxes.all()
    shipment_ids = shipment_ids or sorted({b.shipment_id for b in boxes})
    tracking = Counter(b.tracking_number for b in boxes if b.tracking_number)
    assert all(n == 1 for n in tracking.values()), f"a tracking number is on several boxes: {tracking}"
    label_jobs = Counter(
        j.box_id
        for j in store.print_jobs.recent(limit=1_000_000)
        if j.kind is PrintJobKind.LABEL and not j.reprint_of
    )
    totals: Counter[str] = Counter()
    for shipment_id in shipment_ids:
        raw = emu.shipment_json(shipment_id)
        cancelled = {
            d.get("tracking_number")
            for p in raw.get("parcels") or ()
            for d in p.get("deliveries") or ()
            if d.get("delivery_status") == "cancelled"
        }
        parcels = {p.id: p for p in server_shipment(emu, shipment_id).parcels}
        mine = [b for b in boxes if b.shipment_id == shipment_id]
        held = Counter(b.parcel_id for b in mine if b.parcel_id)
        assert all(n == 1 for n in held.values()), f"a parcel is held by several boxes: {held}"
        live = [b for b in mine if b.state is not BoxState.VOIDED]
        for box in live:
            parcel = parcels.get(box.parcel_id or "")
            assert parcel is not None, f"box {box.id} holds parcel {box.parcel_id}, not on the server"
            assert box.tracking_number == parcel.tracking_number and box.tracking_number, box
            assert box.tracking_number not in cancelled, f"box {box.id}'s delivery is cancelled"
            assert box.state in (BoxState.BOOKED, BoxState.PRINTED), box
            assert label_jobs[box.id] == 1, f"box {box.id} has {label_jobs[box.id]} label job(s)"
        live_parcels = {b.parcel_id for b in live}
        for parcel in parcels.values():
            if parcel.tracking_number and parcel.id not in live_parcels:
                assert parcel.tracking_number in cancelled, (
                    f"shipment {shipment_id}: parcel {parcel.id} ({parcel.tracking_number}) is booked"
                    " without a box\n" + diagnose(emu, store, shipment_id)
                )
        booked = [p for p in parcels.values() if p.tracking_number and p.tracking_number not in cancelled]
        assert len(booked) == len(live), (
            f"shipment {shipment_id}: server has {len(booked)} booked parcel(s) for {len(live)} box(es)\n"
            + diagnose(emu, store, shipment_id)
        )
        totals["boxes"] += len(live)
        totals["parcels"] += len(booked)
    assert store.outbox.depth() == 0, "operations left in the outbox"
    assert store.outbox.needs_attention() == [], (
        f"operations need attention: {store.outbox.needs_attention()}"
    )
    return dict(totals)


# ---------------------------------------------------------------------------------- the station process


def _unprinted(store: Any, *, came_out: set[int]) -> list[Any]:
    """Print jobs not done and not dealt with. A job interrupted inside its device write is uncertain
    and never resent by itself: a person looks at the printer, and either saw the label (its id in
    the plan's ``came_out``) or asked for a copy (a later job whose ``reprint_of`` is this one)."""
    jobs = store.print_jobs.recent(limit=1_000_000)
    later_copy = {j.reprint_of for j in jobs if j.reprint_of is not None}
    return [
        j
        for j in jobs
        if j.state.value != "done"
        and not (j.state.value == "uncertain" and (j.id in came_out or j.id in later_copy))
    ]


async def _run_station(db_path: str, api_url: str, plan: dict[str, Any]) -> int:
    from packstation.adapters.outbox import Outbox
    from packstation.adapters.som.client import SomClient
    from packstation.adapters.store import Store

    store = Store.open(db_path)
    token = os.environ["PACKSTATION_API_TOKEN"]
    printer = plan.get("printer")  # e.g. "file:/tmp/x/printer.bin": labels really print there
    async with SomClient(api_url, token, site_id=plan["site_id"]) as client:
        queue = None
        if printer:
            from packstation.adapters.labels import LabelPipeline
            from packstation.adapters.printers.devices import make_printer
            from packstation.adapters.printers.queue import PrintQueue

            queue = PrintQueue(store.print_jobs, make_printer, client.download_label, LabelPipeline())
        outbox = Outbox(
            store,
            client,
            printer_uri=printer or "preview",
            backoff=FAST_BACKOFF,
            settle=FAST_SETTLE,
            claim_settle=FAST_CLAIM_SETTLE,
            station_id=plan.get("station", "bench-test"),
            on_box_booked=(lambda _box: queue.notify()) if queue is not None else None,
        )
        worker = asyncio.create_task(outbox.run())
        printing = asyncio.create_task(queue.run()) if queue is not None else None
        logged = {s["raw"] for s in store.scans.recent(limit=1_000_000)}
        opening = []
        if plan.get("open_online", True):
            # Each order opened as the app opens it (look-up, assessment, marker and claims at open),
            # the marker's write left running as the runtime leaves it; an order opened before a kill
            # is not opened again (its session is restored, its claims are in meta).
            station = plan.get("station", "bench-test")
            for item in plan["shipments"]:
                if store.claims.open_record(f"session-{item['id']}") is None:
                    opening.append(
                        asyncio.create_task(
                            open_order_online(
                                store, outbox, client, item["id"], item["order_key"], station=station
                            )
                        )
                    )
                    await asyncio.sleep(plan.get("pace_s", 0.005))
        for round_ in range(max(s["boxes"] for s in plan["shipments"])):
            for item in plan["shipments"]:
                session_id = open_session(store, item["id"], item["order_key"])
                closed = len(store.boxes.for_session(session_id))
                if round_ < item["boxes"] and closed <= round_:
                    close_one_box(
                        store, item["id"], order_key=item["order_key"], number=round_ + 1, logged=logged
                    )
                    outbox.kick()
                    await asyncio.sleep(plan.get("pace_s", 0.005))  # a packer takes a moment per box
        await asyncio.gather(*opening)
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        status = await outbox.drain(timeout=60)
        outbox.close()
        unprinted = []
        if queue is not None and printing is not None:
            # Wait for the worker's current job (the drain lock), print what is left, then stop it:
            # cancelling it mid-job would leave a job "preparing" in this very process.
            await queue.drain()
            printing.cancel()
            await asyncio.gather(printing, return_exceptions=True)
            queue.close()
            unprinted = _unprinted(store, came_out=set(plan.get("came_out", ())))
    left = [] if status.depth == 0 else store.outbox.ops(states=("pending", "in_flight", "needs_attention"))
    store.close()
    ok = status.depth == 0 and not unprinted
    print("DRAINED" if ok else f"LEFT {status.depth} ops, {len(unprinted)} print job(s)", flush=True)
    for op in left:  # what a person would look at: why each operation is still there
        print(f"  op {op.id} {op.kind} {op.state} attempts={op.attempts}: {op.last_error}", flush=True)
    for job in unprinted:
        print(f"  print job {job.id} {job.state}: {job.error}", flush=True)
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    db_path, api_url, plan_json = argv
    return asyncio.run(_run_station(db_path, api_url, json.loads(plan_json)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
