"""Station: the packer's day at the bench, scan by scan, through the effects a runtime would execute."""

from __future__ import annotations

from packstation.domain.effects import (
    CancelDeliveries,
    CloseBox,
    Feedback,
    LogScan,
    LookupOrder,
    PrintBoxTag,
    Reprint,
    SaveSession,
    VoidBox,
)
from packstation.domain.gs1 import make_tracking_number
from packstation.domain.view import BoxState, Connectivity, StatusView, Tone
from tests.unit.station_bench import Bench, feedbacks, logs, order

TN1 = make_tracking_number("0333333", 1)
TN2 = make_tracking_number("0333333", 2)


def test_a_one_box_order_closes_itself_and_completes():
    bench = Bench.make()
    assert bench.view.prompt == "Scan an order"
    bench.scan("ORD-1")
    assert bench.view.order.order_id == "ORD-1" and bench.view.order.customer == "Ada Lovelace"
    assert bench.tone is Tone.GOOD and "2 lines, 3 units" in bench.message
    assert bench.view.prompt == "Scan an item for box 1"
    bench.scans("SKU-A", "7310865004703")
    assert bench.counts() == {"SKU-A": 2, "SKU-B": 0}
    assert bench.view.prompt == "Scan the next item for box 1, or close it"
    effects = bench.scan("SKU-B")
    assert [type(e) for e in effects] == [LogScan, CloseBox, SaveSession, Feedback]
    close = effects[1]
    assert (close.box_number, close.items, close.box_type, close.dims_mm) == (
        1,
        {"SKU-A": 2, "SKU-B": 1},
        "",
        None,
    )
    assert (close.order_key, close.shipment_id, close.packer) == ("ORD-1", "shp-ORD-1", "Anna")
    assert effects[2].state == "complete"
    assert bench.view.complete and bench.tone is Tone.GOOD and "Order ORD-1 complete (1 box)" in bench.message
    assert bench.view.boxes[0].state is BoxState.QUEUED and bench.view.boxes[0].local_tag == "BOX-000001"
    assert bench.view.prompt == "Order complete: scan the next order"


def test_a_three_box_order_with_box_types():
    bench = Bench.make(default_box_type="S")
    bench.scans("ORD-3", "SKU-A", "SKU-D", "BOX:M")
    bench.scans("SKU-D", "SKU-E", "CMD:CLOSE-BOX")
    assert not bench.view.complete
    bench.scans("box:l", "SKU-E", "SKU-E")  # choose L for box 3 first; the last unit closes it
    closes = bench.of(CloseBox)
    assert [(c.box_number, c.box_type, c.dims_mm) for c in closes] == [
        (1, "M", (350, 250, 150)),
        (2, "S", (250, 175, 100)),
        (3, "L", (450, 350, 250)),
    ]
    assert [c.items for c in closes] == [{"SKU-A": 1, "SKU-D": 1}, {"SKU-D": 1, "SKU-E": 1}, {"SKU-E": 2}]
    assert bench.view.complete and "3 boxes" in bench.message
    assert [b.box_type for b in bench.view.boxes] == ["M", "S", "L"]


def test_over_scan_is_refused_and_changes_nothing():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-B")
    before = bench.view.lines
    effects = bench.scan("SKU-B")
    assert [type(e) for e in effects] == [LogScan, Feedback]
    assert effects[0].outcome == "over_scan" and effects[0].order_key == "ORD-1"
    assert bench.tone is Tone.BAD
    assert bench.message == "Too many: SKU-B name (SKU-B) needs 1, it is packed. Put this one back."
    assert bench.view.lines == before


def test_wrong_item_of_another_order_is_refused():
    bench = Bench.make(catalogue={"SKU-C"})
    bench.scan("ORD-1")
    effects = bench.scan("SKU-C")
    assert effects[0].outcome == "not_in_order" and bench.tone is Tone.BAD
    assert bench.message == "Wrong item: SKU-C is not in order ORD-1. Put it back."
    assert not any(isinstance(e, LookupOrder) for e in effects)


def test_unknown_code_is_refused_at_once_and_checked_as_an_order():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A")
    effects = bench.scan("X-42")
    assert [type(e) for e in effects] == [LogScan, Feedback, LookupOrder]
    assert effects[0].outcome == "unknown_code" and bench.tone is Tone.BAD
    assert "Unknown barcode X-42" in bench.message
    assert (
        bench.view.order.order_id == "ORD-1" and bench.counts()["SKU-A"] == 1
    )  # not-found answer: no change


def test_garbage_scan_is_logged_and_refused():
    bench = Bench.make()
    bench.scan("ORD-1")
    effects = bench.scan("\x1b\x1b\x00")
    assert [type(e) for e in effects] == [LogScan, Feedback]
    assert effects[0].kind == "garbage" and effects[0].raw == "\x1b\x1b\x00"
    assert bench.tone is Tone.BAD and "Scan the barcode again" in bench.message
    assert "Unknown command" in feedbacks(bench.scan("CMD:FLY"))[0].message


def test_park_and_resume_exactly_where_it_was():
    bench = Bench.make(auto_close=False)
    bench.scans("ORD-3", "SKU-A", "SKU-D", "BOX:M", "SKU-E")
    before = bench.view
    effects = bench.scan("CMD:PARK")
    assert effects[1].state == "parked"
    assert bench.view.order is None and bench.view.parked_orders == ("ORD-3",)
    assert "ORD-3 parked" in bench.message and bench.view.prompt == "Scan an order or a parked order"
    bench.scans("ORD-2", "SKU-C", "CMD:CLOSE-BOX")
    assert bench.view.complete
    effects = bench.scan("tos-ORD-3")  # any id of the order resumes it, without a lookup
    assert not any(isinstance(e, LookupOrder) for e in effects)
    assert effects[0].outcome == "order_resumed" and bench.view.parked_orders == ()
    assert (bench.view.lines, bench.view.boxes, bench.view.order) == (
        before.lines,
        before.boxes,
        before.order,
    )
    assert "3 of 6 units packed, box 2 open" in bench.message
    bench.scans("SKU-D", "SKU-E", "SKU-E", "CMD:CLOSE-BOX")
    assert bench.view.complete


def test_cancel_needs_a_second_scan_and_cancels_booked_boxes():
    bench = Bench.make()
    bench.scans("ORD-3", "SKU-A", "CMD:CLOSE-BOX", "SKU-D", "CMD:CLOSE-BOX", "SKU-E")
    bench.scan("CMD:CANCEL")
    assert bench.tone is Tone.WARNING
    assert bench.view.pending_confirmation == "Scan CMD:CANCEL again to cancel order ORD-3"
    assert "2 closed box(es) will be cancelled" in bench.message
    bench.scan("SKU-E")  # anything else keeps the order and drops the question
    assert bench.view.pending_confirmation == "" and bench.counts()["SKU-E"] == 2
    bench.scan("CMD:CANCEL")
    bench.scan("")  # garbage does not count as an answer
    assert bench.view.pending_confirmation
    effects = bench.scan("cmd:cancel")
    assert [type(e) for e in effects] == [LogScan, CancelDeliveries, SaveSession, Feedback]
    assert effects[1].box_ids == (1, 2) and effects[2].state == "cancelled"
    assert bench.view.order is None and "2 label(s) are being cancelled" in bench.message
    assert bench.tone is Tone.GOOD


def test_cancel_without_boxes_and_with_nothing_open():
    bench = Bench.make()
    assert "nothing to cancel" in feedbacks(bench.scan("CMD:CANCEL"))[0].message
    bench.scans("ORD-1", "SKU-A", "CMD:CANCEL", "CMD:CANCEL")
    assert not bench.of(CancelDeliveries) and "Unpack its items" in bench.message


def test_void_reopens_the_items_of_the_last_closed_box():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX", "SKU-A", "SKU-B")
    assert bench.view.complete
    asked = bench.scan("CMD:VOID-BOX")  # the first scan asks, as CMD:CANCEL does
    assert [type(e) for e in asked] == [LogScan, Feedback] and asked[0].outcome == "void_asked"
    effects = bench.scan("CMD:VOID-BOX")
    assert [type(e) for e in effects] == [LogScan, VoidBox, SaveSession, Feedback]
    assert (effects[1].box_id, effects[1].box_number) == (2, 2)
    assert effects[2].state == "packing" and not bench.view.complete
    assert bench.counts() == {"SKU-A": 1, "SKU-B": 0}
    assert bench.view.boxes[1].state is BoxState.VOIDED
    assert "take its label off" in bench.message
    bench.scans("SKU-A", "SKU-B")
    assert bench.view.complete and [b.number for b in bench.view.boxes] == [1, 2, 3]


def test_auto_close_off_asks_to_close():
    bench = Bench.make(auto_close=False)
    bench.scans("ORD-2", "SKU-C")
    assert not bench.view.complete and not bench.of(CloseBox)
    assert "All items packed: close box 1" in bench.message
    assert bench.view.prompt == "All packed: close box 1 (CMD:CLOSE-BOX or a box type)"
    bench.scan("BOX:S")
    assert bench.view.complete and bench.of(CloseBox)[0].box_type == "S"


def test_another_order_while_one_is_open_must_wait_for_park_or_cancel():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "ORD-2")
    assert bench.tone is Tone.BAD and bench.view.order.order_id == "ORD-1"
    assert bench.message.startswith("That is order ORD-2. Finish order ORD-1 first")
    assert bench.view.prompt == "Finish, park (CMD:PARK) or cancel (CMD:CANCEL) order ORD-1"
    bench.scan("CMD:PARK")
    assert bench.view.order.order_id == "ORD-2" and bench.view.parked_orders == ("ORD-1",)
    assert "ORD-1 parked" in bench.message and "Order ORD-2" in bench.message
    bench.scan("SKU-C")
    assert bench.view.complete
    bench.scan("ORD-1")
    assert bench.view.order.order_id == "ORD-1" and bench.counts() == {"SKU-A": 1, "SKU-B": 0}


def test_another_order_replaces_one_with_nothing_packed():
    bench = Bench.make()
    bench.scans("ORD-1", "ORD-2")
    assert bench.view.order.order_id == "ORD-2" and bench.tone is Tone.GOOD
    assert [s.state for s in bench.of(SaveSession)] == ["packing", "cancelled", "packing"]


def test_parked_order_scanned_while_packing_another():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:PARK", "ORD-3", "SKU-A", "ORD-1")
    assert bench.tone is Tone.BAD and "That is order ORD-1" in bench.message
    bench.scans("CMD:CANCEL", "CMD:CANCEL")
    assert bench.view.order.order_id == "ORD-1" and bench.counts()["SKU-A"] == 1


def test_rescanning_the_open_order_is_harmless():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "shp-ORD-1")
    assert bench.tone is Tone.INFO and "already open" in bench.message and bench.counts()["SKU-A"] == 1


def test_after_a_complete_order_its_items_are_over_scans_and_codes_open_orders():
    bench = Bench.make()
    bench.scans("ORD-2", "SKU-C", "SKU-C")
    assert bench.tone is Tone.BAD and "Too many" in bench.message and bench.view.order.order_id == "ORD-2"
    bench.scan("ORD-1")
    assert bench.view.order.order_id == "ORD-1" and not bench.view.complete


def test_codes_are_refused_while_an_order_loads_and_not_found_is_clear():
    bench = Bench.make()
    bench.answer_lookups = False
    effects = bench.scan("ORD-404")
    assert [type(e) for e in effects] == [LogScan, Feedback, LookupOrder]
    assert effects[0].order_key == "ORD-404" and bench.view.prompt == "Opening order ORD-404…"
    bench.scan("SKU-A")
    assert bench.tone is Tone.BAD and "still loading" in bench.message
    bench.run(bench.station.order_not_found("ORD-404", "no shipment with this id"))
    assert bench.tone is Tone.BAD and bench.view.prompt == "Scan an order"
    assert bench.message.startswith("Order ORD-404 not found (no shipment with this id). Check the pick list")
    assert bench.station.order_loaded("ORD-404", bench.orders["ORD-1"]) == []  # late answer: ignored


def test_cancel_while_loading_stops_waiting():
    bench = Bench.make()
    bench.answer_lookups = False
    bench.scans("ORD-1", "CMD:CANCEL")
    assert bench.tone is Tone.INFO and bench.view.prompt == "Scan an order"
    assert bench.station.order_loaded("ORD-1", bench.orders["ORD-1"]) == []


def test_empty_and_already_booked_orders():
    bench = Bench.make()
    bench.orders["EMPTY"] = order("EMPTY")
    bench.orders["AGAIN"] = order("AGAIN", ("SKU-A", 1), booked=2)
    bench.scan("EMPTY")
    assert bench.tone is Tone.BAD and "no items to pack" in bench.message and bench.view.order is None
    bench.scan("AGAIN")
    assert bench.tone is Tone.WARNING and "already has 2 booked parcel(s)" in bench.message


def test_packer_must_sign_in_without_a_configured_name():
    bench = Bench.make(packer_name="")
    assert bench.view.prompt == "Sign in: scan your badge"
    effects = bench.scan("ORD-1")
    assert effects[0].outcome == "refused_no_packer" and bench.tone is Tone.BAD
    assert not any(isinstance(e, LookupOrder) for e in effects)
    bench.scan("USER:Bo")
    assert bench.view.packer == "Bo" and bench.tone is Tone.GOOD
    bench.scans("ORD-1", "SKU-A")
    assert all(log.packer == "Bo" for log in bench.of(LogScan)[2:])
    assert bench.of(SaveSession)[-1].packer == "Bo"


def test_commands_with_nothing_to_act_on_say_what_to_do():
    bench = Bench.make()
    for command in ("CMD:CLOSE-BOX", "CMD:NEW-BOX", "CMD:VOID-BOX", "CMD:PARK", "BOX:M"):
        bench.scan(command)
        assert bench.tone is Tone.BAD and "scan an order" in bench.message.lower()
    bench.scans("ORD-1", "CMD:CLOSE-BOX")
    assert bench.tone is Tone.BAD and "scan an item first" in bench.message
    bench.scan("BOX:XL")
    assert bench.tone is Tone.BAD and "Unknown box type XL (known: S, M, L)" in bench.message
    bench.scan("CMD:VOID-BOX")
    assert bench.tone is Tone.BAD and "No closed box" in bench.message
    bench.scans("SKU-A", "CMD:NEW-BOX")  # with items in box 1: box 1 closes and box 2 starts
    assert bench.tone is Tone.GOOD and [b.number for b in bench.view.boxes] == [1, 2]
    assert "Box 2 started" in bench.message and bench.of(CloseBox)[-1].box_number == 1
    bench.scan("CMD:NEW-BOX")
    assert bench.tone is Tone.BAD and "open and empty" in bench.message
    bench.scans("SKU-A", "SKU-B")
    for command in ("CMD:CLOSE-BOX", "CMD:NEW-BOX", "CMD:PARK", "BOX:M"):
        bench.scan(command)
        assert bench.tone is Tone.BAD and "complete" in bench.message


def test_a_printed_event_that_overtakes_the_booked_one_is_not_undone():
    # The outbox thread reports "booked" and the print worker "printed" through separate hand-offs to
    # the GUI thread: under load the print worker's can arrive first. The box stays printed.
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX")
    bench.station.box_printed(1)
    bench.station.box_booked(1, TN1)
    assert bench.view.boxes[0].state is BoxState.PRINTED and bench.view.boxes[0].tracking_number == TN1


def test_box_events_update_the_boxes():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX")
    effects = bench.station.box_booked(1, TN1)
    assert [type(e) for e in effects] == [SaveSession]
    assert bench.view.boxes[0].state is BoxState.BOOKED and bench.view.boxes[0].tracking_number == TN1
    bench.station.box_printed(1)
    assert bench.view.boxes[0].state is BoxState.PRINTED
    bench.scans("SKU-A", "CMD:CLOSE-BOX")
    effects = bench.station.box_failed(2, "The carrier refused the address. Ask your lead to fix it.")
    assert effects[-1].tone is Tone.BAD and "Box 2 of order ORD-1: The carrier refused" in effects[-1].message
    assert bench.view.boxes[1].state is BoxState.FAILED and "carrier refused" in bench.view.boxes[1].problem
    assert bench.station.box_booked(99, TN2) == [] and bench.station.box_failed(99, "x") == []
    assert bench.station.box_queued(7, 99, "BOX-000099") == []
    bench.station.label_preview(b"\x89PNG")
    assert bench.view.last_label_png == b"\x89PNG"


def test_a_label_printed_before_its_booking_reached_the_station_stays_printed():
    """The print worker and the outbox report from two threads: "printed" can come first (found by the
    soak benchmark, where the box then read "booked" for ever)."""
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX")
    bench.station.box_printed(1)
    bench.station.box_booked(1, TN1)
    assert bench.view.boxes[0].state is BoxState.PRINTED and bench.view.boxes[0].tracking_number == TN1


def test_label_preview_names_its_order_and_box_and_marks_another_orders_label():
    bench = Bench.make()
    bench.scans("ORD-2", "SKU-C")  # completes ORD-2 with one box
    bench.run(bench.station.box_booked(1, TN1))
    bench.station.label_preview(b"\x89PNG", box_id=1)
    assert bench.view.last_label_caption == "Order ORD-2, box 1"
    assert not bench.view.last_label_other_order  # no order open: it is the one just packed
    bench.scans("ORD-1", "SKU-A")
    assert bench.view.last_label_caption == "Previous order ORD-2, box 1"
    assert bench.view.last_label_other_order
    bench.station.label_preview(b"\x89PNG2", tracking_number="not-a-box-here")
    assert bench.view.last_label_caption == "" and not bench.view.last_label_other_order


def test_box_events_reach_parked_and_finished_orders():
    bench = Bench.make()
    bench.scans("ORD-2", "SKU-C", "ORD-1", "SKU-A", "CMD:CLOSE-BOX", "CMD:PARK")
    bench.run(bench.station.box_booked(1, TN1))
    bench.run(bench.station.box_booked(2, TN2))
    saved = [
        s for s in bench.of(SaveSession) if s.snapshot["boxes"] and s.snapshot["boxes"][0]["tracking_number"]
    ]
    assert {s.order_key: s.state for s in saved} == {"ORD-2": "complete", "ORD-1": "parked"}


def test_reprint_flows():
    bench = Bench.make()
    assert "No label printed" in feedbacks(bench.scan("CMD:REPRINT") + bench.scan("CMD:REPRINT"))[-1].message
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX", "SKU-A", "SKU-B")
    bench.station.box_booked(1, TN1)
    bench.station.box_booked(2, TN2)
    bench.scan("CMD:REPRINT")
    assert bench.tone is Tone.INFO and "last label (order ORD-1, box 2)" in bench.message
    assert bench.view.pending_confirmation.startswith("Scan the label or box tag")
    assert bench.scan("CMD:REPRINT")[-1] == Reprint(box_id=2, tracking_number=TN2)
    bench.scan("CMD:REPRINT")
    assert bench.scan(TN1)[-1] == Reprint(box_id=1, tracking_number=TN1)
    assert "box 1" in bench.message and bench.tone is Tone.GOOD
    bench.scan("CMD:REPRINT")
    assert bench.scan("BOX-000002")[-1] == Reprint(box_id=2, tracking_number=TN2)
    bench.scan("CMD:REPRINT")
    assert bench.scan("JJD-OLD-1")[-1] == Reprint(tracking_number="JJD-OLD-1")  # the runtime looks it up


def test_a_label_scanned_alone_is_never_reprinted():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX")
    bench.station.box_booked(1, "JJD-CARRIER-7")  # not an SSCC: recognised because the station knows it
    effects = bench.scan("JJD-CARRIER-7")
    assert effects[0].kind == "tracking" and effects[0].outcome == "refused_label"
    assert not any(isinstance(e, Reprint) for e in effects)
    assert "label of box 1 (order ORD-1)" in bench.message and bench.tone is Tone.BAD
    assert "shipping label, not an item" in feedbacks(bench.scan(TN2))[0].message
    assert bench.counts()["SKU-A"] == 1


def test_box_tag_alone_prints_the_real_label_once_booked():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX")
    effects = bench.scan("BOX-000001")
    assert not any(isinstance(e, Reprint) for e in effects) and "not booked yet" in bench.message
    bench.station.box_booked(1, TN1)
    assert bench.scan("BOX-000001")[-1] == Reprint(box_id=1, tracking_number=TN1)
    assert bench.scan("BOX-000777")[-1] == Reprint(box_id=777)  # not in memory: the runtime looks it up


def test_offline_boxes_get_a_box_tag_once():
    bench = Bench.make()
    bench.scans("ORD-3", "SKU-A", "CMD:CLOSE-BOX")  # online: no tag
    assert not bench.of(PrintBoxTag)
    effects = bench.station.status_changed(StatusView(connectivity=Connectivity.OFFLINE, outbox_depth=1))
    assert [type(e) for e in effects] == [SaveSession, PrintBoxTag]
    assert effects[1] == PrintBoxTag(box_id=1, local_tag="BOX-000001", order_key="ORD-3", box_number=1)
    assert bench.view.status.connectivity is Connectivity.OFFLINE and bench.view.status.outbox_depth == 1
    bench.scans("SKU-D", "CMD:CLOSE-BOX")
    assert [t.box_number for t in bench.of(PrintBoxTag)] == [2]
    assert bench.station.status_changed(StatusView(connectivity=Connectivity.OFFLINE)) == []
    bench.station.box_booked(2, TN2)
    assert bench.station.status_changed(StatusView(connectivity=Connectivity.PAUSED)) == []


def test_restore_brings_back_current_parked_and_finished_sessions():
    bench = Bench.make()
    bench.scans("ORD-2", "SKU-C", "ORD-1", "SKU-A", "CMD:PARK", "ORD-3", "SKU-D", "BOX:M")
    bench.run(bench.station.box_booked(1, TN1))
    latest = {}
    for save in bench.of(SaveSession):
        latest[save.session_id] = save.snapshot
    fresh = Bench.make()
    effects = fresh.station.restore(list(latest.values()))
    assert fresh.view.order == bench.view.order and fresh.view.lines == bench.view.lines
    assert fresh.view.boxes == bench.view.boxes and fresh.view.parked_orders == ("ORD-1",)
    assert effects[-1].tone is Tone.INFO and "ORD-3 resumed" in effects[-1].message
    fresh.scan("CMD:REPRINT")
    assert fresh.scan("CMD:REPRINT")[-1] == Reprint(box_id=1, tracking_number=TN1)


def test_restore_reports_unreadable_sessions():
    bench = Bench.make()
    effects = bench.station.restore([{"version": 1, "junk": True}])
    assert effects[-1].tone is Tone.WARNING and "could not be restored" in effects[-1].message


def test_notify_shows_runtime_messages():
    bench = Bench.make()
    effects = bench.station.notify(Tone.BAD, "Printer out of paper: load a new roll.")
    assert effects == [Feedback(Tone.BAD, "Printer out of paper: load a new roll.")]
    assert bench.view.feedback == effects[0]


def test_every_scan_logs_first_and_gives_one_feedback():
    bench = Bench.make()
    for raw in ["ORD-1", "SKU-A", "", "CMD:X", "SKU-A", "SKU-A", "CMD:PARK", "BOX-1", TN1, "USER:Eve"]:
        effects = bench.scan(raw)
        assert isinstance(effects[0], LogScan) and len(logs(effects)) == 1
        assert len(feedbacks(effects)) == 1 and effects[0].detail == feedbacks(effects)[0].message


def test_reprint_question_does_not_swallow_an_item_scan():
    bench = Bench.make()
    bench.scans("ORD-1", "CMD:REPRINT")
    effects = bench.scan("SKU-A")
    assert effects[0].outcome == "added" and not any(isinstance(e, Reprint) for e in effects)
    assert bench.view.pending_confirmation == ""


def test_void_box_confirms_like_cancel_a_single_scan_voids_nothing():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX")
    bench.scan("CMD:VOID-BOX")
    assert bench.tone is Tone.WARNING and "Scan CMD:VOID-BOX again to void box 1" in bench.message
    assert bench.view.pending_confirmation == "Scan CMD:VOID-BOX again to void box 1"
    assert not bench.of(VoidBox)
    bench.scan("SKU-A")  # anything else keeps the box (and is handled as itself)
    assert not bench.of(VoidBox) and bench.view.pending_confirmation == ""
    assert bench.view.boxes[0].state is not BoxState.VOIDED
    bench.scans("CMD:CLOSE-BOX", "CMD:VOID-BOX", "CMD:VOID-BOX")
    assert [v.box_number for v in bench.of(VoidBox)] == [2]


def test_a_voided_boxs_label_leaves_the_last_label_panel_and_reprint():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "CMD:CLOSE-BOX")
    bench.run(bench.station.box_booked(1, TN1))
    bench.scans("SKU-A", "CMD:CLOSE-BOX")
    bench.run(bench.station.box_booked(2, TN2))
    bench.station.label_preview(b"\x89PNG-box2", box_id=2)
    assert bench.view.last_label_caption == "Order ORD-1, box 2"
    bench.scans("CMD:VOID-BOX", "CMD:VOID-BOX")
    assert bench.view.last_label_png == b"" and bench.view.last_label_caption == ""
    effects = bench.scan("CMD:REPRINT")
    assert "box 1" in feedbacks(effects)[0].message  # the last label is now box 1's, not the voided one
    reprint = bench.scan("CMD:REPRINT")
    assert [r.tracking_number for r in reprint if isinstance(r, Reprint)] == [TN1]


def test_new_box_closes_the_open_box_and_starts_another_as_the_sheet_says():
    from packstation.domain.commands_sheet import COMMAND_CAPTIONS
    from packstation.domain.scans import Command

    bench = Bench.make()
    bench.scans("ORD-3", "SKU-A", "CMD:NEW-BOX")
    assert [c.box_number for c in bench.of(CloseBox)] == [1]
    assert [b.number for b in bench.view.boxes] == [1, 2] and bench.view.prompt == "Scan an item for box 2"
    assert "Close the open box and start another" in COMMAND_CAPTIONS[Command.NEW_BOX][1]
    assert (
        "Scan twice" in COMMAND_CAPTIONS[Command.VOID_BOX][1]
        and "Scan twice" in COMMAND_CAPTIONS[Command.CANCEL][1]
    )


def test_errors_name_the_product_first_then_its_sku():
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-B")
    bench.scan("SKU-B")
    assert bench.message == "Too many: SKU-B name (SKU-B) needs 1, it is packed. Put this one back."


def test_wrong_item_names_the_catalogue_product_first():
    from packstation.domain.catalogue import CatalogueEntry, ItemCatalogue
    from packstation.domain.station import Station, StationSettings

    table = ItemCatalogue.of({})
    table.add(CatalogueEntry("4006381333931", "ACME-TEE-BLK-M", name="Black tee M"))
    bench = Bench(Station(StationSettings(packer_name="Anna"), aliases=table))
    bench.scans("ORD-1", "4006381333931")
    assert bench.message == "Wrong item: Black tee M (ACME-TEE-BLK-M) is not in order ORD-1. Put it back."


def test_an_order_says_up_front_how_many_parcels_its_shipment_expects():
    from dataclasses import replace

    bench = Bench.make()
    bench.orders["ORD-9"] = replace(order("ORD-9", ("SKU-A", 3)), parcels_on_shipment=2)
    bench.scan("ORD-9")
    assert "2 parcels expected" in bench.message
    assert bench.view.order.parcels_expected == 2
    bench.scans("CMD:PARK", "ORD-1")
    assert "parcels expected" not in bench.message and bench.view.order.parcels_expected == 0
