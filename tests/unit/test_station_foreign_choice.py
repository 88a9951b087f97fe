"""An order with parcels booked elsewhere: nothing is packed until the packer chooses (issue 12)."""

from __future__ import annotations

from packstation.domain.effects import CloseBox, LogScan, RecordForeignChoice, Reprint
from packstation.domain.outcomes import Outcome
from packstation.domain.parcel_claims import ForeignChoice
from packstation.domain.view import Tone
from tests.unit.station_bench import Bench, order

ELSEWHERE = ("00373500000000000017", "00373500000000000024")


def opened_with_foreign_parcels() -> Bench:
    bench = Bench.make()
    bench.orders["TWICE"] = order("TWICE", ("SKU-A", 1), booked=2)
    bench.scan("TWICE")
    session_id = bench.station.state.current.session_id
    bench.run(bench.station.foreign_parcels_found(session_id, ELSEWHERE, booked_at="10:42"))
    return bench


def test_the_packer_is_told_plainly_and_an_item_scan_is_refused_until_a_choice_is_made():
    bench = opened_with_foreign_parcels()
    assert bench.tone is Tone.WARNING
    assert "Already packed: order TWICE has 2 parcel(s) booked 10:42, not by this bench" in bench.message
    effects = bench.scan("SKU-A")
    assert [e.outcome for e in effects if isinstance(e, LogScan)] == [Outcome.REFUSED_CHOOSE_FIRST]
    assert bench.tone is Tone.BAD and bench.counts() == {"SKU-A": 0}
    effects = bench.scan("CMD:CLOSE-BOX")
    assert not [e for e in effects if isinstance(e, CloseBox)]


def test_pack_extra_records_the_choice_and_the_next_box_packs_as_usual():
    bench = opened_with_foreign_parcels()
    effects = bench.scan("CMD:PACK-EXTRA")
    assert RecordForeignChoice(bench.station.state.current.session_id, ForeignChoice.PACK_EXTRA) in effects
    assert "each gets a new parcel" in bench.message
    effects = bench.scan("SKU-A")
    assert [type(e) for e in effects if isinstance(e, CloseBox)] == [CloseBox]
    assert bench.view.complete


def test_reprint_prints_every_label_booked_elsewhere_and_leaves_the_order():
    bench = opened_with_foreign_parcels()
    effects = bench.scan("CMD:REPRINT")
    assert [e for e in effects if isinstance(e, Reprint)] == [Reprint(tracking_number=t) for t in ELSEWHERE]
    assert [e.choice for e in effects if isinstance(e, RecordForeignChoice)] == [ForeignChoice.REPRINT]
    assert bench.view.order is None and "Printing the 2 label(s) of order TWICE" in bench.message


def test_cancel_leaves_the_order_at_once_and_the_next_order_opens_normally():
    bench = opened_with_foreign_parcels()
    effects = bench.scan("CMD:CANCEL")
    assert [e.choice for e in effects if isinstance(e, RecordForeignChoice)] == [ForeignChoice.LEAVE]
    assert bench.view.order is None and "left as it is" in bench.message
    bench.scan("ORD-2")
    bench.scan("SKU-C")
    assert bench.view.complete


def test_no_choice_is_asked_once_the_order_has_progress_or_for_another_session():
    bench = Bench.make()
    bench.scan("ORD-1")
    session_id = bench.station.state.current.session_id
    assert bench.station.foreign_parcels_found("another-session", ELSEWHERE) == []
    bench.scan("SKU-A")
    assert bench.station.foreign_parcels_found(session_id, ELSEWHERE) == []
    bench.scan("SKU-A")
    assert bench.counts()["SKU-A"] == 2
