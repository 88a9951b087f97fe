"""The whole station without a window: scans in, parcels booked on the emulator over loopback HTTP,
labels out of a file printer as ESC/POS bytes that decode back to a scannable tracking number."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from packstation.app import build_services, replay, wait_until_idle
from packstation.domain.parcel_claims import read_parcel_claims
from packstation.domain.view import BoxState
from packstation.emulator import DEMO_TOKEN
from tests.support.bench_config import bench_config
from tests.support.escpos_decode import decode_escpos, read_barcodes


@pytest.fixture
def station_config(tmp_path, emulator):
    return bench_config(tmp_path, emulator)


def run_station(config, scans, qapp, *, before=None, views=None):
    from packstation.gui.raster import QtSvgRasterizer

    views = [] if views is None else views

    async def scenario():
        services = build_services(
            config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer(), publish_view=views.append
        )
        services.start()
        try:
            if before:
                before(services)
            await replay(services, scans, services.runtime.submit_scan)
            assert await wait_until_idle(services, timeout=60)
            return services, services.station.view, services.problems()
        finally:
            await services.aclose()

    services, view, problems = asyncio.run(scenario())
    return services, view, problems, views


def labels_printed(config):
    with open(config.printer.removeprefix("file:"), "rb") as printed:
        data = printed.read()
    return [code for page in decode_escpos(data).pages for code in read_barcodes(page)]


def test_one_box_order_books_one_parcel_and_prints_its_label(emulator, station_config, qapp):
    shipment_id = emulator.seed_shipment("ORD-1", [("SKU-A", "Mug", 2)])
    _, view, problems, views = run_station(station_config, ["ORD-1", "SKU-A", "SKU-A"], qapp)

    assert problems == []
    assert view.complete
    assert [b.state for b in view.boxes] == [BoxState.PRINTED]
    assert emulator.parcel_count(shipment_id) == 1
    tracking = view.boxes[0].tracking_number
    assert len(tracking) == 20
    assert labels_printed(station_config) == [tracking]
    assert len(views) > 3  # every step was published to the screen


def test_three_boxes_three_parcels_three_labels(emulator, station_config, qapp):
    shipment_id = emulator.seed_shipment(
        "ORD-3", [("SKU-A", "Mug", 1), ("SKU-B", "Plate", 1), ("SKU-C", "Bowl", 1)]
    )
    scans = ["ORD-3", "SKU-A", "BOX:S", "SKU-B", "CMD:CLOSE-BOX", "SKU-C"]
    _, view, problems, _ = run_station(station_config, scans, qapp)

    assert problems == []
    assert emulator.parcel_count(shipment_id) == 3
    trackings = [b.tracking_number for b in view.boxes]
    assert len(set(trackings)) == 3
    assert sorted(labels_printed(station_config)) == sorted(trackings)


def test_unknown_order_is_refused_and_logged(emulator, station_config, qapp):
    _, view, _, _ = run_station(station_config, ["NO-SUCH-ORDER"], qapp)
    assert view.order is None
    assert view.feedback.tone.value == "bad"
    from packstation.adapters.store import Store

    store = Store.open(station_config.database_path)
    assert [s["raw"] for s in store.scans.recent()] == ["NO-SUCH-ORDER"]
    store.close()


def test_offline_boxes_get_tags_then_labels_when_the_api_returns(emulator, station_config, qapp):
    shipment_id = emulator.seed_shipment("ORD-OFF", [("SKU-A", "Mug", 1), ("SKU-B", "Plate", 1)])
    config = replace(station_config)
    # Load the order while online, so it is in the cache; then the API goes away mid-order.
    run_station(config, ["ORD-OFF"], qapp)

    async def offline_then_back():
        from packstation.gui.raster import QtSvgRasterizer

        services = build_services(config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())
        services.start()
        try:
            services.runtime.restore()
            emulator.stop()
            await replay(services, ["SKU-A", "CMD:CLOSE-BOX"], services.runtime.submit_scan)
            for _ in range(100):
                if services.station.view.status.connectivity.value == "offline":
                    break
                services.outbox.kick()
                await asyncio.sleep(0.05)
            offline_view = services.station.view
            emulator.start()
            await replay(services, ["SKU-B"], services.runtime.submit_scan)
            assert await wait_until_idle(services, timeout=60)
            return offline_view, services.station.view
        finally:
            await services.aclose()

    offline_view, final_view = asyncio.run(offline_then_back())
    assert offline_view.status.connectivity.value == "offline"
    assert offline_view.boxes[0].local_tag.startswith("BOX-")
    assert emulator.parcel_count(shipment_id) == 2
    trackings = [b.tracking_number for b in final_view.boxes]
    printed = labels_printed(config)
    assert offline_view.boxes[0].local_tag in printed  # the temporary box tag came out first
    assert sorted(t for t in printed if t.isdigit()) == sorted(trackings)


def test_a_broken_database_file_is_one_clear_message(station_config, qapp):
    from packstation.commands import UserFacingError
    from packstation.gui.raster import QtSvgRasterizer

    station_config.data_dir.mkdir(parents=True)
    station_config.database_path.write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(UserFacingError, match="cannot open the station database"):
        build_services(station_config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())
    assert station_config.database_path.read_bytes().startswith(b"this is not")  # nothing was changed


def test_a_full_disk_is_told_in_words_and_the_scan_is_not_half_applied(
    emulator, station_config, qapp, expected_log
):
    """SQLite refuses to grow past max_page_count exactly as on a full disk (SQLITE_FULL)."""
    expected_log.allow("Could not carry out LogScan")
    emulator.seed_shipment("ORD-FULL", [("SKU-A", "Mug", 5)])
    outcome = {}

    async def scenario():
        from packstation.gui.raster import QtSvgRasterizer

        services = build_services(station_config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())
        services.start()
        try:
            await replay(services, ["ORD-FULL", "SKU-A"], services.runtime.submit_scan)
            connection = services.store.db.connection()
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages}")
            for _ in range(2000):  # scan until the database cannot grow any more
                services.runtime.submit_scan("SKU-A-NOT-IN-ORDER-" + "x" * 100)
                feedback = services.station.view.feedback
                if feedback and "disk is full" in feedback.message:
                    break
            outcome["message"] = services.station.view.feedback.message
            outcome["scanned"] = [line.scanned for line in services.station.view.lines]
        finally:
            await services.aclose()

    asyncio.run(scenario())
    assert "The disk is full" in outcome["message"]
    assert outcome["scanned"] == [1]  # the refused scans changed nothing


def test_a_label_interrupted_while_sending_is_shown_to_the_packer_and_waits_for_a_reprint(
    emulator, station_config, qapp
):
    """A crash while the label's bytes went to the printer: after the restart the box says in words that
    its label may not have printed; nothing is resent until the packer scans CMD:REPRINT."""
    import sqlite3

    emulator.seed_shipment("ORD-UNC", [("SKU-A", "Mug", 1), ("SKU-B", "Plate", 1)])
    _, first_view, _, _ = run_station(station_config, ["ORD-UNC", "SKU-A", "CMD:CLOSE-BOX"], qapp)
    tracking = first_view.boxes[0].tracking_number
    assert labels_printed(station_config) == [tracking]
    # As if the app had been killed during the device write: the job is left 'sending'.
    db = sqlite3.connect(station_config.database_path)
    db.execute("UPDATE print_jobs SET state = 'sending' WHERE kind = 'label'")
    db.execute("UPDATE boxes SET state = 'booked', printed_at = NULL")
    db.commit()
    db.close()

    seen = {}

    def after_restart(services):
        services.runtime.restore()
        view = services.station.view
        seen["problem"] = view.boxes[0].problem
        seen["feedback"] = view.feedback.message
        seen["printer"] = view.status.printer_message
        seen["problems"] = services.problems()

    run_station(station_config, [], qapp, before=after_restart)
    expected = "its label may not have printed: check the printer, scan CMD:REPRINT if it is missing"
    assert seen["problem"] == expected
    assert f"Box 1 of order ORD-UNC: {expected}" in seen["feedback"]
    assert "check whether the label came out" in seen["printer"]
    assert [p for p in seen["problems"] if "may not have printed" in p]
    assert labels_printed(station_config) == [tracking]  # not resent by itself

    def restored(services):
        services.runtime.restore()

    _, _, problems, _ = run_station(station_config, ["CMD:REPRINT", tracking], qapp, before=restored)
    assert labels_printed(station_config) == [tracking, tracking]  # the packer's reprint
    assert problems == []  # a person dealt with it


def test_a_second_bench_is_warned_before_anything_is_booked_and_never_prints_the_first_benchs_labels(
    emulator, tmp_path, qapp
):
    """Two data folders, one emulator: the order packed at bench-1 is opened again at bench-2. Its
    packer must choose before packing: an item scanned first is refused; CMD:PACK-EXTRA packs on."""
    shipment_id = emulator.seed_shipment("ORD-TWICE", [("SKU-A", "Mug", 1)])
    first = bench_config(tmp_path / "a", emulator, station_id="bench-1")
    second = bench_config(tmp_path / "b", emulator, station_id="bench-2")
    _, view_a, problems_a, _ = run_station(first, ["ORD-TWICE", "SKU-A"], qapp)
    assert problems_a == [] and view_a.complete
    booked_before = len(emulator.requests_for("shipments.add_parcel")) + len(
        emulator.requests_for("shipments.bookParcels")
    )

    warned_before_booking = []

    class Watch(list):
        """Each view as it is published: when the warning shows, has anything been booked since?"""

        def append(self, view):
            message = view.feedback.message if view.feedback else ""
            if (
                "Already packed: order ORD-TWICE has 1 parcel(s) booked" in message
                and "not by this bench" in message
            ):
                writes = len(emulator.requests_for("shipments.add_parcel")) + len(
                    emulator.requests_for("shipments.bookParcels")
                )
                warned_before_booking.append(writes == booked_before and not view.boxes)
            super().append(view)

    views = Watch()
    _, view_b, problems_b, _ = run_station(
        second, ["ORD-TWICE", "SKU-A", "CMD:PACK-EXTRA", "SKU-A"], qapp, views=views
    )
    assert warned_before_booking and warned_before_booking[0] is True  # shown before any booking
    refused = [
        v.feedback.message for v in views if v.feedback and "Choose: CMD:REPRINT" in v.feedback.message
    ]
    assert len(refused) >= 2  # the warning, and the item scanned before choosing (refused)
    assert problems_b == [] and view_b.complete
    # bench-1's marker was released at completion; the packer's new box got a new parcel.
    printed_a, printed_b = set(labels_printed(first)), set(labels_printed(second))
    assert len(printed_a) == 1 and len(printed_b) == 1 and not printed_a & printed_b
    assert emulator.parcel_count(shipment_id) == 2


def test_a_second_bench_that_chooses_reprint_prints_the_first_benchs_label_and_books_nothing(
    emulator, tmp_path, qapp
):
    """The packer at bench-2 chooses CMD:REPRINT for an order packed at bench-1: bench-1's label
    prints here (a deliberate reprint, read back from the printer's bytes), no parcel is added, and
    the order is left as it is."""
    shipment_id = emulator.seed_shipment("ORD-LOST-LABEL", [("SKU-A", "Mug", 1)])
    first = bench_config(tmp_path / "a", emulator, station_id="bench-1")
    second = bench_config(tmp_path / "b", emulator, station_id="bench-2")
    _, view_a, _, _ = run_station(first, ["ORD-LOST-LABEL", "SKU-A"], qapp)
    tracking = view_a.boxes[0].tracking_number
    writes_before = len(emulator.requests_for("shipments.add_parcel")) + len(
        emulator.requests_for("shipments.bookParcels")
    )
    _, view_b, problems_b, _ = run_station(second, ["ORD-LOST-LABEL", "CMD:REPRINT"], qapp)
    assert labels_printed(second) == [tracking]
    assert "Printing the 1 label(s) of order ORD-LOST-LABEL booked elsewhere" in view_b.feedback.message
    assert view_b.order is None and problems_b == []
    writes_after = len(emulator.requests_for("shipments.add_parcel")) + len(
        emulator.requests_for("shipments.bookParcels")
    )
    assert writes_after == writes_before and emulator.parcel_count(shipment_id) == 1


def test_after_a_restart_an_order_packed_elsewhere_still_waits_for_the_packers_choice(
    emulator, tmp_path, qapp
):
    """Bench-2 opened an order packed at bench-1 and was closed before its packer chose: after the
    restart the order asks again (from the cached shipment), and an item scan is still refused."""
    emulator.seed_shipment("ORD-ASK-AGAIN", [("SKU-A", "Mug", 1)])
    first = bench_config(tmp_path / "a", emulator, station_id="bench-1")
    second = bench_config(tmp_path / "b", emulator, station_id="bench-2")
    run_station(first, ["ORD-ASK-AGAIN", "SKU-A"], qapp)
    run_station(second, ["ORD-ASK-AGAIN"], qapp)
    seen = {}

    def restored(services):
        services.runtime.restore()
        seen["after_restart"] = services.station.view.feedback.message

    _, view, _, _ = run_station(second, ["SKU-A"], qapp, before=restored)
    assert "Already packed: order ORD-ASK-AGAIN has 1 parcel(s)" in seen["after_restart"]
    assert "Choose: CMD:REPRINT" in view.feedback.message and not view.complete


def test_an_order_opened_online_is_claimed_at_open_and_released_when_left_unpacked(
    emulator, station_config, qapp
):
    """Opening claims the order's preset parcel for the session's first box with the open marker (so
    that box books with one call); scanning another order before packing anything leaves the first,
    and the outbox releases its marker and claim."""
    left = emulator.seed_shipment("ORD-LEFT", [("SKU-A", "Mug", 1)])
    packed = emulator.seed_shipment("ORD-NEXT", [("SKU-A", "Mug", 1)])
    _, view, problems, _ = run_station(station_config, ["ORD-LEFT", "ORD-NEXT", "SKU-A"], qapp)
    assert problems == [] and view.complete
    left_meta = emulator.shipment_json(left)["meta"]
    assert left_meta["packstation.packing"] == ""  # released
    assert read_parcel_claims(left_meta) == {}
    assert [v for k, v in left_meta.items() if k.startswith("packstation.parcel.")] == [""]
    # The packed order's box took the parcel claimed for it at open: one bookParcels, no add_parcel.
    assert emulator.parcel_count(packed) == 1
    assert [r.body["shipment_id"] for r in emulator.requests_for("shipments.bookParcels")] == [packed]
    assert emulator.requests_for("shipments.add_parcel") == []


def test_the_next_scan_does_not_wait_for_the_claims_of_the_order_just_opened(emulator, station_config, qapp):
    """Opening an order online writes its marker and claims, then reads the shipment again once the
    claims have settled (seconds later, behind the packer). The replay (as a packer) waits for the
    order look-up only: the item scans go on while that re-read is still waiting, and idle waits for it.
    (It once waited for the settle too: every order of a replay took the whole settle delay.)"""
    from datetime import timedelta

    from packstation.gui.raster import QtSvgRasterizer

    emulator.seed_shipment("ORD-SETTLE", [("SKU-A", "Mug", 1)])

    async def scenario():
        services = build_services(station_config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())
        services.outbox.claim_settle = timedelta(seconds=3600)  # the re-read waits for an hour
        services.start()
        try:
            await asyncio.wait_for(
                replay(services, ["ORD-SETTLE", "SKU-A"], services.runtime.submit_scan), 60
            )
            return (
                services.station.view.complete,
                services.runtime.busy,
                services.runtime.working,
                await services.idle(),
            )
        finally:
            await services.aclose()

    complete, busy, working, idle = asyncio.run(scenario())
    assert complete and not busy  # both scans taken; no look-up running
    assert working and not idle  # the re-read still waits behind the packer, and idle knows


def test_a_station_remembers_only_the_latest_unanswered_scans(
    emulator, station_config, qapp, monkeypatch, expected_log
):
    """A station whose look-ups fail all day keeps the latest few for a replay's report, not every one."""
    from packstation.emulator import parse_fault_spec
    from packstation.gui.raster import QtSvgRasterizer
    from packstation.services import runtime

    monkeypatch.setattr(runtime, "UNANSWERED_KEPT", 2)
    keys = ["LOST-1", "LOST-2", "LOST-3"]
    for key in keys:
        expected_log.allow(f"Order look-up for {key} failed")
        emulator.seed_shipment(key, [("SKU-A", "Mug", 1)])
    emulator.add_fault(parse_fault_spec("shipments.get:garble"))

    async def scenario():
        services = build_services(station_config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())
        services.start()
        try:
            return services, await replay(services, keys, services.runtime.submit_scan)
        finally:
            await services.aclose()

    services, unanswered = asyncio.run(scenario())
    assert [line.split(":")[0] for line in unanswered] == ["LOST-2", "LOST-3"]  # the latest two of three
    assert list(services.runtime.unanswered_scans) == unanswered
    assert services.runtime.unanswered_count == 3
