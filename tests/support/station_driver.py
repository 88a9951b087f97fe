"""A scripted station for outbox tests: helpers to seed orders and close boxes, the invariant check
(one box = one parcel = one label), and a runnable station process for the crash test.

As a program::

    PACKSTATION_API_TOKEN=... python -m tests.support.station_driver DB_PATH API_URL PLAN_JSON

opens the store, closes the boxes of the plan that are not closed yet (logging each box's item scans
first, skipping scans already logged), with the outbox sending concurrently, then drains the outbox and
prints ``DRAINED``. It can be SIGKILLed at any instant and started again: it carries on from what the
database says. The token comes from the environment, never the command line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from typing import Any

from packstation.domain.booking import BoxState
from packstation.domain.models import Shipment
from packstation.domain.outbox import BackoffPolicy
from packstation.domain.printing import PrintJobKind

LINES = [("SKU-TEE", "T-shirt", 3), ("SKU-MUG", "Mug", 2)]
FAST_BACKOFF = BackoffPolicy(base_s=0.05, factor=2.0, cap_s=0.4)


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


def check_invariants(emu: Any, store: Any, shipment_ids: list[str] | None = None) -> dict[str, int]:
    """One box = one parcel = one label, checked against the server's state and the store.

    Per shipment: every slot-holding box (not voided, or voided after its parcel existed) is mapped
    to the parcel in its slot, no parcel is left without a box, every live box has exactly one label
    job, and every tracking number belongs to exactly one box. Returns counts for reporting."""
    boxes = store.boxes.all()
    shipment_ids = shipment_ids or sorted({b.shipment_id for b in boxes})
    tracking = Counter(b.tracking_number for b in boxes if b.tracking_number)
    assert all(n == 1 for n in tracking.values()), f"a tracking number is on several boxes: {tracking}"
    label_jobs = Counter(
        j.box_id
        for j in store.print_jobs.recent(limit=1_000_000)
        if j.kind is PrintJobKind.LABEL and not j.reprint_of
    )
    totals = Counter()
    for shipment_id in shipment_ids:
        server = server_shipment(emu, shipment_id)
        parcels = server.parcels_in_order()
        mine = [b for b in boxes if b.shipment_id == shipment_id]
        slotted = sorted((b for b in mine if b.slot is not None), key=lambda b: b.slot)
        assert [b.slot for b in slotted] == list(range(1, len(slotted) + 1)), f"slots have gaps: {slotted}"
        # A shipment is created with one (unbooked) parcel; it stays unused if every box was voided
        # before booking. Any other parcel without a box would be a duplicate.
        assert len(parcels) == max(len(slotted), 1), (
            f"shipment {shipment_id}: server has {len(parcels)} parcel(s) for {len(slotted)} box(es)"
        )
        assert all(p.tracking_number is None for p in parcels[len(slotted) :]), "a booked parcel has no box"
        for box, parcel in zip(slotted, parcels, strict=False):
            assert box.parcel_id == parcel.id, f"box {box.id} (slot {box.slot}) is not parcel {parcel.id}"
            assert box.tracking_number == parcel.tracking_number and box.tracking_number
            if box.state is not BoxState.VOIDED:
                assert box.state in (BoxState.BOOKED, BoxState.PRINTED), box
                assert label_jobs[box.id] == 1, f"box {box.id} has {label_jobs[box.id]} label job(s)"
        totals["boxes"] += len([b for b in mine if b.state is not BoxState.VOIDED])
        totals["parcels"] += len([p for p in parcels if p.tracking_number])
    assert store.outbox.depth() == 0, "operations left in the outbox"
    assert store.outbox.needs_attention() == [], (
        f"operations need attention: {store.outbox.needs_attention()}"
    )
    return dict(totals)


# ---------------------------------------------------------------------------------- the station process


async def _run_station(db_path: str, api_url: str, plan: dict[str, Any]) -> int:
    from packstation.adapters.outbox import Outbox
    from packstation.adapters.som.client import SomClient
    from packstation.adapters.store import Store

    store = Store.open(db_path)
    token = os.environ["PACKSTATION_API_TOKEN"]
    async with SomClient(api_url, token, site_id=plan["site_id"]) as client:
        outbox = Outbox(store, client, printer_uri="preview", backoff=FAST_BACKOFF)
        worker = asyncio.create_task(outbox.run())
        logged = {s["raw"] for s in store.scans.recent(limit=1_000_000)}
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
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        status = await outbox.drain(timeout=60)
        outbox.close()
    left = [] if status.depth == 0 else store.outbox.ops(states=("pending", "in_flight", "needs_attention"))
    store.close()
    print("DRAINED" if status.depth == 0 else f"LEFT {status.depth}", flush=True)
    for op in left:  # what a person would look at: why each operation is still there
        print(f"  op {op.id} {op.kind} {op.state} attempts={op.attempts}: {op.last_error}", flush=True)
    return 0 if status.depth == 0 else 1


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    db_path, api_url, plan_json = argv
    return asyncio.run(_run_station(db_path, api_url, json.loads(plan_json)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
