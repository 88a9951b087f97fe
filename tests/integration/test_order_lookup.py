"""Order look-up against the emulator over loopback HTTP and a real SQLite store: the API first, the
cache when the API cannot be reached, and a guarded create for checkout orders with only a tos_id."""

from __future__ import annotations

import asyncio

import pytest

from packstation.adapters.som.client import SomClient
from packstation.adapters.som.errors import NetworkError
from packstation.emulator import DEMO_TOKEN, Fault
from packstation.services.order_lookup import OrderLookup

TOS_ID = "01HZYNTCCXXW1HTYWAJZEA0X3J"


def lookup_run(emulator, store, coro_factory):
    async def run():
        client = SomClient(emulator.base_url, DEMO_TOKEN, site_id=emulator.site_id)
        try:
            return await coro_factory(OrderLookup(store, client))
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_found_online_is_cached_then_served_offline(emulator, store):
    emulator.seed_shipment("ORD-7", [("SKU-A", "Mug", 2)])
    shipment, source = lookup_run(emulator, store, lambda lookup: lookup.open_order("ORD-7"))
    assert source == "api"
    assert shipment.external_id == "ORD-7"

    emulator.stop()
    cached, source = lookup_run(emulator, store, lambda lookup: lookup.open_order("ORD-7"))
    assert source == "cache"
    assert cached == shipment


def test_offline_and_not_cached_raises_the_network_error(emulator, store):
    emulator.stop()
    with pytest.raises(NetworkError):
        lookup_run(emulator, store, lambda lookup: lookup.open_order("ORD-NEVER-SEEN"))


def test_unknown_order_is_none(emulator, store):
    assert lookup_run(emulator, store, lambda lookup: lookup.open_order("NO-SUCH-ORDER")) is None


def test_tos_id_only_order_creates_its_shipment_once(emulator, store):
    emulator.seed_tos_order(TOS_ID, [("SKU-B", "Plate", 1)])
    shipment, source = lookup_run(emulator, store, lambda lookup: lookup.open_order(TOS_ID))
    assert source == "api"
    assert shipment.tos_id == TOS_ID
    again, _ = lookup_run(emulator, store, lambda lookup: lookup.open_order(TOS_ID))
    assert again.id == shipment.id
    assert len(emulator.requests_for("shipments.create")) == 1


def test_lost_create_answer_is_reconciled_not_repeated(emulator, store):
    emulator.seed_tos_order(TOS_ID, [("SKU-B", "Plate", 1)])
    emulator.add_fault(Fault(method="shipments.create", kind="commit-then-drop", calls={1}))
    shipment, _ = lookup_run(emulator, store, lambda lookup: lookup.open_order(TOS_ID))
    assert shipment.tos_id == TOS_ID
    assert len(emulator.requests_for("shipments.create")) == 1
    assert emulator.find_shipment(tos_id=TOS_ID).id == shipment.id


def test_prefetch_reports_each_order(emulator, store):
    emulator.seed_shipment("ORD-8", [("SKU-A", "Mug", 1)])
    results = lookup_run(emulator, store, lambda lookup: lookup.prefetch(["ORD-8", "NOPE"]))
    assert [(r.key, r.status) for r in results] == [("ORD-8", "cached"), ("NOPE", "not found")]
    assert store.shipments.find("ORD-8") is not None


def test_a_create_committed_after_the_client_gave_up_leaves_a_spare_shipment_cancelled_at_the_next_look_up(
    emulator, store, expected_log
):
    """Fault: late commit after the client's deadline on ``shipments.create {"tos_id"}``. The packer
    scans again, a second create succeeds, then the first commits: two shipments for one order. The
    next look-up sees Ingrid name another shipment than the cached one, keeps the cached one (the
    one created first, nothing booked on either) and cancels the spare, telling the packer."""
    import time

    from packstation.adapters.som.errors import SomError

    emulator.seed_tos_order(TOS_ID, [("SKU-B", "Plate", 1)])
    emulator.service.unique_order_ids = False  # as the independent stand-in of the API behaved
    emulator.add_fault(Fault(method="shipments.create", kind="late-commit", calls={1}, commit_after_s=2.0))
    expected_log.allow("had two shipments in Ingrid")

    async def run():
        client = SomClient(emulator.base_url, DEMO_TOKEN, site_id=emulator.site_id, write_deadline_s=0.5)
        lookup = OrderLookup(store, client, retry_delay_s=0.01)
        try:
            with pytest.raises(SomError):  # the create's outcome is unknown and Ingrid knows none yet
                await lookup.open_order(TOS_ID)
            first, _ = await lookup.open_order(TOS_ID)  # scanned again: created now
            started = time.monotonic()
            while emulator.find_shipment(tos_id=TOS_ID).id == first.id and time.monotonic() - started < 10:
                await asyncio.sleep(0.1)  # the lost create commits late
            spare = emulator.find_shipment(tos_id=TOS_ID)
            assert spare.id != first.id
            again, source = await lookup.open_order(TOS_ID)
            return first, spare, again, source, list(lookup.notices)
        finally:
            await client.aclose()

    first, spare, again, source, notices = asyncio.run(run())
    assert source == "api" and again.id == first.id
    assert len(emulator.requests_for("shipments.cancel")) == 1
    assert emulator.find_shipment(tos_id=TOS_ID).id == first.id  # the spare is cancelled, not live
    assert any(spare.id in n and "was cancelled" in n for n in notices)
