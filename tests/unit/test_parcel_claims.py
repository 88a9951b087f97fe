"""Which parcel a box may take across benches: every rule of packstation.domain.parcel_claims."""

from __future__ import annotations

from dataclasses import dataclass as _dataclass
from dataclasses import field as _field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from packstation.domain.models import Delivery, Parcel, Shipment
from packstation.domain.parcel_claims import (
    META_PACKING,
    META_PARCEL_PREFIX,
    BoxKey,
    BoxPlan,
    ForeignChoice,
    OpenVerdict,
    ParcelClaim,
    ParcelFact,
    PlanAction,
    SentWrite,
    ShipmentFacts,
    SurplusAction,
    assess_open,
    meta_update,
    plan_box_booking,
    read_packing_marker,
    read_parcel_claims,
    surplus_parcels,
    surplus_shipments,
)

T0 = datetime(2024, 5, 15, 10, 0, tzinfo=UTC)
S = timedelta(seconds=1)
BOX = BoxKey("bench-1", "box-a")
BOX2 = BoxKey("bench-1", "box-b")
OTHER = BoxKey("bench-3", "box-z")


def parcel(pid: str, tracking: str | None = None, at: datetime = T0) -> ParcelFact:
    return ParcelFact(
        id=pid,
        tracking_number=tracking,
        label_url=f"http://l/{pid}" if tracking else None,
        created_at=at,
        booked_at=at if tracking else None,
    )


def facts(*parcels: ParcelFact, meta: dict[str, str] | None = None) -> ShipmentFacts:
    return ShipmentFacts(id="sh", parcels=tuple(parcels), meta=meta or {})


def claim_meta(*claims: ParcelClaim) -> dict[str, str]:
    return meta_update({}, station=claims[0].box.station, now=T0, claims=claims) if claims else {}


# --- box keys and meta --------------------------------------------------------------------------------


@pytest.mark.parametrize(("station", "box"), [("", "b"), ("s", ""), ("a|b", "c"), ("s", "x|y")])
def test_a_box_key_refuses_parts_that_would_not_read_back(station: str, box: str) -> None:
    with pytest.raises(ValueError):
        BoxKey(station, box)


def test_meta_update_keeps_every_key_of_others_and_reads_back() -> None:
    current = {"is_fragile": "true", META_PARCEL_PREFIX + "p9": "bench-3|box-z|2024-05-15T09:00:00Z"}
    out = meta_update(current, station="bench-1", now=T0, packing=True, claims=[ParcelClaim("p1", BOX, T0)])
    assert out["is_fragile"] == "true"
    assert out[META_PARCEL_PREFIX + "p9"] == current[META_PARCEL_PREFIX + "p9"]
    claims = read_parcel_claims(out)
    assert claims["p1"] == ParcelClaim("p1", BOX, T0) and claims["p9"].box == OTHER
    marker = read_packing_marker(out)
    assert marker is not None and (marker.station, marker.since) == ("bench-1", T0)


def test_reasserting_a_claim_keeps_its_first_time_so_the_settle_is_not_restarted() -> None:
    first = meta_update({}, station="bench-1", now=T0, claims=[ParcelClaim("p1", BOX, T0)])
    again = meta_update(
        first, station="bench-1", now=T0 + 60 * S, claims=[ParcelClaim("p1", BOX, T0 + 60 * S)]
    )
    assert again == first


def test_our_own_marker_keeps_its_time_and_is_released_only_by_us() -> None:
    ours = meta_update({}, station="bench-1", now=T0, packing=True)
    assert meta_update(ours, station="bench-1", now=T0 + 60 * S, packing=True) == ours
    theirs = meta_update({}, station="bench-3", now=T0, packing=True)
    assert meta_update(theirs, station="bench-1", now=T0, packing=False) == theirs
    released = meta_update(ours, station="bench-1", now=T0, packing=False)
    assert released[META_PACKING] == "" and read_packing_marker(released) is None


def test_releasing_a_claim_touches_only_this_stations_claims() -> None:
    meta = {**claim_meta(ParcelClaim("p1", BOX, T0)), **claim_meta(ParcelClaim("p2", OTHER, T0))}
    out = meta_update(meta, station="bench-1", now=T0, released=["p1", "p2"])
    assert set(read_parcel_claims(out)) == {"p2"}


def test_a_station_cannot_write_another_stations_claim() -> None:
    with pytest.raises(ValueError):
        meta_update({}, station="bench-1", now=T0, claims=[ParcelClaim("p1", OTHER, T0)])


@pytest.mark.parametrize("value", ["", "garbage", "a|b", "a|b|not-a-time", "|b|2024-05-15T10:00:00Z"])
def test_unreadable_claims_and_markers_are_no_claim(value: str) -> None:
    meta = {META_PARCEL_PREFIX + "p1": value, META_PACKING: value}
    assert read_parcel_claims(meta) == {} and read_packing_marker(meta) is None


# --- reading the model -----------------------------------------------------------------------------


def test_facts_from_a_shipment_whose_parcels_were_not_listed_are_unknown_not_empty() -> None:
    shipment = Shipment(id="sh", parcels=())
    assert ShipmentFacts.from_shipment(shipment, parcels_known=False).parcels is None
    assert ShipmentFacts.from_shipment(shipment).parcels == ()


def test_facts_carry_tracking_number_label_and_booked_time() -> None:
    d = Delivery(id="d1", tracking_number="T1", label_url="http://l", updated_at=T0 + S)
    shipment = Shipment(id="sh", parcels=(Parcel(id="p1", deliveries=(d,), created_at=T0),), meta={"k": "v"})
    f = ShipmentFacts.from_shipment(shipment)
    assert f.parcels == (ParcelFact("p1", "T1", "http://l", "d1", T0, T0 + S),)
    assert f.meta == {"k": "v"}


# --- order open --------------------------------------------------------------------------------------


def test_booked_parcels_this_station_did_not_make_require_a_choice_with_count_and_time() -> None:
    a = assess_open(
        facts(parcel("p1", "T1"), parcel("p2", "T2", T0 + S)), station="bench-1", own_parcels=[], now=T0
    )
    assert a.verdict is OpenVerdict.CHOOSE and a.foreign_ids == {"p1", "p2"}
    assert any("Already packed: 2 parcels booked 10:00" in m for m in a.messages())
    assert {c.value for c in ForeignChoice} == {"reprint", "pack_extra", "leave"}


def test_parcels_this_station_recorded_are_its_own_not_foreign() -> None:
    a = assess_open(facts(parcel("p1", "T1")), station="bench-1", own_parcels=["p1"], now=T0)
    assert a.verdict is OpenVerdict.CLEAR and [p.id for p in a.own] == ["p1"] and not a.foreign


def test_unbooked_preset_parcels_are_placeholders_unless_someone_claims_them() -> None:
    meta = claim_meta(ParcelClaim("p2", OTHER, T0))
    a = assess_open(facts(parcel("p1"), parcel("p2"), meta=meta), station="bench-1", own_parcels=[], now=T0)
    assert a.verdict is OpenVerdict.CLEAR
    assert a.placeholder_ids == {"p1"} and a.foreign_ids == {"p2"}


def test_another_benchs_recent_marker_warns_an_old_or_own_one_does_not() -> None:
    meta = meta_update({}, station="bench-3", now=T0, packing=True)
    a = assess_open(facts(meta=meta), station="bench-1", own_parcels=[], now=T0 + timedelta(minutes=5))
    assert "Being packed at bench-3 since 10:00." in a.messages()
    stale = assess_open(facts(meta=meta), station="bench-1", own_parcels=[], now=T0 + timedelta(hours=3))
    own = assess_open(facts(meta=meta), station="bench-3", own_parcels=[], now=T0)
    assert stale.other_packing is None and own.other_packing is None


def test_open_with_unlisted_parcels_is_unknown_never_clear() -> None:
    a = assess_open(ShipmentFacts("sh", None, {}), station="bench-1", own_parcels=["p1"], now=T0)
    assert a.verdict is OpenVerdict.UNKNOWN and not a.missing_own
    assert "did not list" in a.messages()[0]


def test_recorded_parcels_gone_from_the_server_are_reported() -> None:
    a = assess_open(facts(), station="bench-1", own_parcels=["p1"], now=T0)
    assert a.missing_own == ("p1",) and a.messages()


# --- booking a box ----------------------------------------------------------------------------------


def test_unlisted_parcels_are_reconciled_never_booked() -> None:
    plan = plan_box_booking(ShipmentFacts("sh", None, {}), box=BOX, now=T0)
    assert plan.action is PlanAction.RECONCILE


def test_a_box_with_no_free_parcel_adds_one_and_remembers_what_was_there() -> None:
    plan = plan_box_booking(facts(parcel("p1", "T1")), box=BOX, now=T0, own_other=["p1"])
    assert plan.action is PlanAction.ADD_PARCEL and plan.parcels_before == {"p1"}


def test_a_parcel_booked_elsewhere_is_never_adopted() -> None:
    plan = plan_box_booking(facts(parcel("p1", "T1")), box=BOX, now=T0, foreign_at_open=["p1"])
    assert plan.action is PlanAction.ADD_PARCEL


def test_a_parcel_this_station_never_recorded_is_never_adopted_even_if_booked_later() -> None:
    # p1 appeared after open (another bench added it) and nobody claimed it yet: not ours.
    plan = plan_box_booking(facts(parcel("p1", "T1")), box=BOX, now=T0)
    assert plan.action is PlanAction.ADD_PARCEL


def test_the_recorded_parcel_is_adopted_once_booked_and_its_claim_written() -> None:
    plan = plan_box_booking(facts(parcel("p1", "T1")), box=BOX, now=T0, recorded="p1")
    assert plan.action is PlanAction.ADOPT and plan.parcel is not None and plan.parcel.id == "p1"
    assert plan.claim == ParcelClaim("p1", BOX, T0)
    unbooked = plan_box_booking(facts(parcel("p1")), box=BOX, now=T0, recorded="p1")
    assert unbooked.action is PlanAction.BOOK_PARCELS


def test_a_parcel_claimed_by_a_box_voided_here_is_taken_by_the_next_box_not_left_for_bookparcels() -> None:
    # bookParcels books every unbooked parcel of the shipment: left alone, p1 would be booked by the
    # next box's bookParcels with no box to hold it.
    shipment = facts(parcel("p1"), meta=claim_meta(ParcelClaim("p1", BOX2, T0)))
    held = plan_box_booking(shipment, box=BOX, now=T0 + S)
    assert held.action is PlanAction.ADD_PARCEL  # a live box of this station claimed it: not free
    plan = plan_box_booking(shipment, box=BOX, now=T0 + S, released_boxes=[BOX2])
    assert plan.action is PlanAction.BOOK_PARCELS and plan.parcel is not None and plan.parcel.id == "p1"
    assert plan.claim == ParcelClaim("p1", BOX, T0 + S)


def test_a_parcel_a_voided_box_gave_up_is_taken_even_without_a_claim_and_adopted_if_booked_since() -> None:
    plan = plan_box_booking(facts(parcel("p1")), box=BOX, now=T0, released_parcels=["p1"])
    assert plan.action is PlanAction.BOOK_PARCELS and plan.parcel is not None and plan.parcel.id == "p1"
    booked = plan_box_booking(facts(parcel("p1", "T1")), box=BOX, now=T0, released_parcels=["p1"])
    assert booked.action is PlanAction.ADOPT
    other = facts(parcel("p1"), meta=claim_meta(ParcelClaim("p1", OTHER, T0)))
    assert plan_box_booking(other, box=BOX, now=T0, released_parcels=["p1"]).action is PlanAction.ADD_PARCEL


def test_a_released_parcel_no_box_took_is_this_stations_surplus_at_completion() -> None:
    report = surplus_parcels(facts(parcel("p1", "T1")), station="bench-1", owned={}, now=T0, released=["p1"])
    assert [s.action for s in report.surplus] == [SurplusAction.CANCEL]


def test_a_recorded_parcel_missing_on_the_server_waits_for_a_person() -> None:
    plan = plan_box_booking(facts(), box=BOX, now=T0, recorded="p1")
    assert plan.action is PlanAction.WAIT and plan.until is None


def test_the_answer_of_this_boxs_add_parcel_naming_one_new_parcel_is_adopted_at_once() -> None:
    w = SentWrite(BOX, T0, frozenset({"p1"}))
    plan = plan_box_booking(
        facts(parcel("p1", "T1"), parcel("p2", "T2")), box=BOX, now=T0, own_other=["p1"], answered=w
    )
    assert plan.action is PlanAction.ADOPT and plan.parcel is not None and plan.parcel.id == "p2"
    assert plan.resolves == (w,) and plan.claim == ParcelClaim("p2", BOX, T0)


def test_an_answer_naming_two_new_parcels_is_in_doubt_until_settled() -> None:
    w = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p1", "T1", T0), parcel("p2", "T2", T0))
    plan = plan_box_booking(sh, box=BOX, now=T0 + S, answered=w, settle=30 * S)
    assert plan.action is PlanAction.WAIT and plan.until == T0 + 30 * S
    later = plan_box_booking(sh, box=BOX, now=T0 + 31 * S, sent_writes=[w], settle=30 * S)
    assert later.action is PlanAction.CLAIM and later.parcel is not None and later.parcel.id == "p1"


def test_after_a_lost_answer_nothing_is_resent_before_the_settle_delay() -> None:
    w = SentWrite(BOX, T0, frozenset())
    plan = plan_box_booking(facts(), box=BOX, now=T0 + 5 * S, sent_writes=[w], settle=30 * S)
    assert plan.action is PlanAction.WAIT and plan.until == T0 + 30 * S


def test_after_the_settle_delay_with_no_new_parcel_the_write_is_resent() -> None:
    w = SentWrite(BOX, T0, frozenset())
    plan = plan_box_booking(facts(), box=BOX, now=T0 + 31 * S, sent_writes=[w], settle=30 * S)
    assert plan.action is PlanAction.ADD_PARCEL and "resend" in plan.reason


def test_after_the_settle_delay_an_unclaimed_new_parcel_is_claimed_then_adopted() -> None:
    w = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p1", "T1", T0 + S))
    now = T0 + 40 * S
    plan = plan_box_booking(sh, box=BOX, now=now, sent_writes=[w], settle=30 * S)
    assert plan.action is PlanAction.CLAIM and plan.claim == ParcelClaim("p1", BOX, now)
    assert plan.resolves == () and plan.late_commit_of == w  # in doubt until the claim stood
    assert plan.claim is not None
    claimed = facts(parcel("p1", "T1", T0 + S), meta=claim_meta(plan.claim))
    early = plan_box_booking(claimed, box=BOX, now=now + S, sent_writes=[w], claim_settle=3 * S)
    assert early.action is PlanAction.WAIT and early.until == now + 3 * S
    done = plan_box_booking(claimed, box=BOX, now=now + 3 * S, sent_writes=[w], claim_settle=3 * S)
    assert done.action is PlanAction.ADOPT and done.claim is None
    assert done.resolves == (w,)  # the claim stood and the box takes the parcel: accounted for


def test_a_late_commit_claim_overwritten_by_another_bench_leaves_the_write_in_doubt_for_the_next_plan() -> (
    None
):
    """Two benches' add_parcels ran at once and each answer showed both new parcels; once settled both
    claimed the older one and the other bench's claim stood. The write is still in doubt, so the next
    plan claims the parcel nobody holds. (Forgotten with the claim, it left that parcel booked with no
    box: the two-bench test found it.)"""
    w = SentWrite(BOX, T0, frozenset({"p0"}))
    sh = facts(
        parcel("p0", "T0", T0 - S),
        parcel("p1", "T1", T0 + S),
        parcel("p2", "T2", T0 + 2 * S),
        meta=claim_meta(ParcelClaim("p1", OTHER, T0 + 40 * S)),
    )
    plan = plan_box_booking(sh, box=BOX, now=T0 + 50 * S, own_other=["p0"], sent_writes=[w], settle=30 * S)
    assert plan.action is PlanAction.CLAIM and plan.parcel is not None and plan.parcel.id == "p2"


def test_a_new_parcel_another_bench_claimed_within_the_settle_delay_is_left_to_it() -> None:
    w = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p1", "T1", T0 + S), meta=claim_meta(ParcelClaim("p1", OTHER, T0 + 2 * S)))
    plan = plan_box_booking(sh, box=BOX, now=T0 + 60 * S, sent_writes=[w], settle=30 * S)
    assert plan.action is PlanAction.ADD_PARCEL


def test_a_claim_overwritten_by_another_box_is_given_up() -> None:
    sh = facts(parcel("p1"), meta=claim_meta(ParcelClaim("p1", OTHER, T0)))
    plan = plan_box_booking(sh, box=BOX, now=T0 + 60 * S, placeholders_at_open=["p1"])
    assert plan.action is PlanAction.ADD_PARCEL


def test_a_young_unclaimed_parcel_delays_the_resend() -> None:
    w = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p1", "T1", T0 + 50 * S))
    plan = plan_box_booking(sh, box=BOX, now=T0 + 55 * S, sent_writes=[w], settle=30 * S)
    assert plan.action is PlanAction.WAIT and plan.until == T0 + 80 * S


def test_a_parcel_new_for_another_boxs_unsettled_write_is_left_to_that_box() -> None:
    old = SentWrite(BOX, T0, frozenset())
    fresh = SentWrite(BOX2, T0 + 50 * S, frozenset())
    sh = facts(parcel("p1", "T1", T0 + 20 * S))  # new for both writes
    plan = plan_box_booking(sh, box=BOX, now=T0 + 60 * S, sent_writes=[old, fresh], settle=30 * S)
    assert plan.action is PlanAction.ADD_PARCEL


def test_a_late_parcel_of_an_earlier_box_is_adopted_by_the_next_box() -> None:
    # box-a's first add_parcel was lost, it resent and got p2; p1 (the lost one) committed late.
    lost = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p2", "T2", T0 + 40 * S), parcel("p1", "T1", T0 + 41 * S))
    plan = plan_box_booking(
        sh, box=BOX2, now=T0 + 100 * S, own_other=["p2"], sent_writes=[lost], settle=30 * S
    )
    assert plan.action is PlanAction.CLAIM and plan.parcel is not None and plan.parcel.id == "p1"
    assert plan.resolves == ()  # box-a's write stays in doubt until the order completes


def test_a_station_offline_past_the_window_still_finds_the_parcel_its_lost_write_made() -> None:
    lost = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p1", "T1", T0 + S))
    plan = plan_box_booking(sh, box=BOX, now=T0 + 3600 * S, sent_writes=[lost], late_commit_window=600 * S)
    assert plan.action is PlanAction.CLAIM and plan.parcel is not None and plan.parcel.id == "p1"
    r = surplus_parcels(sh, station="bench-1", owned={}, now=T0 + 3600 * S, sent_writes=[lost])
    assert [x.parcel.id for x in r.to_cancel] == ["p1"]


def test_writes_older_than_the_late_commit_window_no_longer_attract_parcels() -> None:
    lost = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p1", "T1", T0 + 20 * 60 * S))
    plan = plan_box_booking(
        sh, box=BOX2, now=T0 + 30 * 60 * S, sent_writes=[lost], late_commit_window=600 * S
    )
    assert plan.action is PlanAction.ADD_PARCEL


def test_an_unbooked_preset_is_claimed_first_then_booked() -> None:
    sh = facts(parcel("p1"), parcel("p2", at=T0 + S))
    plan = plan_box_booking(sh, box=BOX, now=T0, placeholders_at_open=["p1", "p2"])
    assert plan.action is PlanAction.CLAIM and plan.parcel is not None and plan.parcel.id == "p1"
    assert plan.claim is not None
    claimed = facts(parcel("p1"), parcel("p2", at=T0 + S), meta=claim_meta(plan.claim))
    nxt = plan_box_booking(claimed, box=BOX, now=T0 + 10 * S, placeholders_at_open=["p1", "p2"])
    assert nxt.action is PlanAction.BOOK_PARCELS and nxt.parcel is not None and nxt.parcel.id == "p1"
    second = plan_box_booking(
        claimed, box=BOX2, now=T0 + 10 * S, own_other=["p1"], placeholders_at_open=["p1", "p2"]
    )
    assert second.action is PlanAction.CLAIM and second.parcel is not None and second.parcel.id == "p2"


def test_a_claim_for_this_box_on_a_parcel_another_own_box_holds_is_ignored() -> None:
    sh = facts(parcel("p1", "T1"), meta=claim_meta(ParcelClaim("p1", BOX, T0)))
    plan = plan_box_booking(sh, box=BOX, now=T0 + 60 * S, own_other=["p1"])
    assert plan.action is PlanAction.ADD_PARCEL


# --- completion ---------------------------------------------------------------------------------------


def test_a_booked_preset_no_box_holds_is_cancelled_with_a_sentence() -> None:
    sh = facts(parcel("p1", "T1"), parcel("p2", "T2", T0 + S))
    r = surplus_parcels(sh, station="bench-1", owned={"p1": BOX}, now=T0, placeholders_at_open=["p1", "p2"])
    assert [(s.parcel.id, s.action) for s in r.surplus] == [("p2", SurplusAction.CANCEL)]
    assert "T2" in r.messages()[0] and r.to_cancel[0].parcel.tracking_number == "T2"


def test_an_unbooked_preset_no_box_holds_is_left() -> None:
    r = surplus_parcels(facts(parcel("p1")), station="bench-1", owned={}, now=T0, placeholders_at_open=["p1"])
    assert [s.action for s in r.surplus] == [SurplusAction.LEAVE] and not r.to_cancel


def test_another_benchs_parcels_are_never_surplus_here() -> None:
    sh = facts(
        parcel("p1", "T1"),  # foreign at open: never ours
        parcel("p2", "T2"),  # claimed by another bench
        meta=claim_meta(ParcelClaim("p2", OTHER, T0)),
    )
    lost = SentWrite(BOX, T0 - S, frozenset({"p1"}))
    r = surplus_parcels(sh, station="bench-1", owned={}, now=T0 + 60 * S, sent_writes=[lost], settle=30 * S)
    assert r.surplus == ()


def test_a_late_commit_after_the_last_box_is_cancelled_at_completion() -> None:
    lost = SentWrite(BOX, T0, frozenset())
    sh = facts(parcel("p2", "T2"), parcel("p1", "T1"))
    r = surplus_parcels(
        sh, station="bench-1", owned={"p2": BOX}, now=T0 + 60 * S, sent_writes=[lost], settle=30 * S
    )
    assert [s.parcel.id for s in r.to_cancel] == ["p1"]


def test_a_voided_boxs_claimed_parcel_is_surplus() -> None:
    sh = facts(parcel("p1", "T1"), meta=claim_meta(ParcelClaim("p1", BOX, T0)))
    r = surplus_parcels(sh, station="bench-1", owned={}, now=T0)
    assert [s.parcel.id for s in r.to_cancel] == ["p1"]


def test_completion_waits_for_unsettled_writes_and_for_listed_parcels() -> None:
    w = SentWrite(BOX, T0, frozenset())
    r = surplus_parcels(facts(), station="bench-1", owned={}, now=T0 + S, sent_writes=[w], settle=30 * S)
    assert r.wait_until == T0 + 30 * S
    unknown = surplus_parcels(ShipmentFacts("sh", None, {}), station="bench-1", owned={}, now=T0)
    assert unknown.unknown and "did not list" in unknown.messages()[0]


def test_surplus_is_held_while_another_bench_is_packing_the_order() -> None:
    meta = meta_update({}, station="bench-3", now=T0, packing=True)
    sh = facts(parcel("p1", "T1"), meta=meta)
    r = surplus_parcels(sh, station="bench-1", owned={}, now=T0 + S, placeholders_at_open=["p1"])
    assert [s.action for s in r.surplus] == [SurplusAction.HOLD] and "bench-3" in r.surplus[0].sentence


def test_a_parcel_held_here_but_claimed_for_another_box_is_a_conflict() -> None:
    sh = facts(parcel("p1", "T1"), meta=claim_meta(ParcelClaim("p1", OTHER, T0)))
    r = surplus_parcels(sh, station="bench-1", owned={"p1": BOX}, now=T0)
    assert r.conflicts == ("p1",) and "claimed by another box" in r.messages()[0]


# --- duplicate shipments ------------------------------------------------------------------------------


def shipment_facts(sid: str, created: datetime, *parcels: ParcelFact) -> ShipmentFacts:
    return ShipmentFacts(id=sid, parcels=tuple(parcels), meta={}, tos_id="tos", created_at=created)


def test_of_duplicate_shipments_the_oldest_is_kept_and_the_others_cancelled() -> None:
    a, b, c = (shipment_facts(x, T0 + i * S) for i, x in enumerate("abc"))
    t = surplus_shipments([c, a, b])
    assert t.keep == a and {s.id for s in t.cancel} == {"b", "c"} and not t.attention


def test_of_duplicate_shipments_the_one_with_booked_parcels_is_kept() -> None:
    a = shipment_facts("a", T0, parcel("p1"))
    b = shipment_facts("b", T0 + S, parcel("p2", "T2"))
    t = surplus_shipments([a, b])
    assert t.keep == b and t.cancel == (a,)


def test_a_duplicate_with_booked_or_unlisted_parcels_is_never_cancelled_blindly() -> None:
    a = shipment_facts("a", T0, parcel("p1", "T1"))
    b = shipment_facts("b", T0 + S, parcel("p2", "T2"))
    c = ShipmentFacts("c", None, {}, "tos", T0 - S)
    t = surplus_shipments([a, b, c])
    assert t.keep == a and t.cancel == () and {s.id for s in t.attention} == {"b", "c"}


def test_one_or_no_shipment_needs_nothing_cancelled() -> None:
    one = shipment_facts("a", T0)
    assert surplus_shipments([one]).keep == one and surplus_shipments([one]).cancel == ()
    assert surplus_shipments([]).keep is None


# --- two stations, one shared shipment: a stateful simulation ---------------------------------------
#
# The server is a model shipment (parcels + meta, meta writes are read-merge-write done at once, as the
# outbox does them: get, merge, update). Each station keeps only what it recorded. Faults: lost answers
# (the write committed), writes that never committed, writes that commit late (before the late-commit
# window ends), answers with "parcels": null, another write landing between a station's fetch and its
# add_parcel. Invariants: no parcel held by two boxes, no station's box holds a parcel foreign to it at
# open, no box holds a cancelled parcel; after draining, every booked parcel is held by exactly one box
# or was cancelled as surplus.


SETTLE = timedelta(seconds=30)
CLAIM_SETTLE = timedelta(seconds=3)
WINDOW = timedelta(seconds=600)
MAX_LATE = timedelta(seconds=300)  # a late commit lands within this (< WINDOW)


@_dataclass
class _ServerParcel:
    id: str
    created_at: datetime
    tracking: str | None = None
    cancelled: bool = False


@_dataclass
class _Server:
    parcels: list[_ServerParcel] = _field(default_factory=list)
    meta: dict[str, str] = _field(default_factory=dict)
    booked: bool = False  # bookParcels ran: add_parcel books at once
    seq: int = 0
    late: list[datetime] = _field(default_factory=list)  # add_parcel commits still to land, by deadline

    def facts(self) -> ShipmentFacts:
        return ShipmentFacts(
            id="sh",
            parcels=tuple(
                ParcelFact(p.id, p.tracking, None, None, p.created_at)
                for p in self.parcels
                if not p.cancelled
            ),
            meta=dict(self.meta),
        )

    def add_parcel(self, now: datetime) -> None:
        self.seq += 1
        self.parcels.append(_ServerParcel(f"p{self.seq}", now, f"T{self.seq}" if self.booked else None))

    def book_parcels(self) -> None:
        self.booked = True
        for p in self.parcels:
            if p.tracking is None and not p.cancelled:
                p.tracking = "T" + p.id[1:]


@_dataclass
class _Box:
    key: BoxKey
    recorded: str | None = None
    done: bool = False
    resolves: tuple[SentWrite, ...] = ()


@_dataclass
class _Station:
    name: str
    opened: bool = False
    completed: bool = False
    boxes: list[_Box] = _field(default_factory=list)
    foreign: frozenset[str] = frozenset()
    placeholders: frozenset[str] = frozenset()
    writes: list[SentWrite] = _field(default_factory=list)
    claims: dict[str, ParcelClaim] = _field(default_factory=dict)
    cancelled: set[str] = _field(default_factory=set)

    def owned(self) -> dict[str, BoxKey]:
        return {b.recorded: b.key for b in self.boxes if b.done and b.recorded is not None}


FAULTS = st.sampled_from(["ok", "ok", "ok", "lost", "not_sent", "late", "null_answer", "interleave"])


class TwoBenches(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.server = _Server()
        self.stations = [_Station("bench-1"), _Station("bench-2")]

    @rule(n=st.integers(0, 2))
    @precondition(lambda self: not self.server.parcels and not any(s.opened for s in self.stations))
    def presets(self, n: int) -> None:
        for _ in range(n):
            self.server.add_parcel(self.now)

    # -- time and late commits

    def _advance(self, to: datetime) -> None:
        for due in sorted(self.server.late):
            if due <= to:
                self.server.late.remove(due)
                self.now = max(self.now, due)
                self.server.add_parcel(self.now)
        self.now = max(self.now, to)

    @rule(seconds=st.sampled_from([1, 2, 4, 10, 31, 61, 200]))
    def tick(self, seconds: int) -> None:
        self._advance(self.now + timedelta(seconds=seconds))

    @rule()
    @precondition(lambda self: bool(self.server.late))
    def late_commit(self) -> None:
        due = min(self.server.late)
        self.server.late.remove(due)
        self.server.add_parcel(self.now)

    # -- the stations

    def _write_meta(
        self, st_: _Station, *, packing: bool | None = None, released: tuple[str, ...] = ()
    ) -> None:
        self.server.meta = meta_update(
            self.server.meta,
            station=st_.name,
            now=self.now,
            packing=packing,
            claims=list(st_.claims.values()),
            released=released,
        )

    def _fetch(self, null: bool) -> ShipmentFacts:
        f = self.server.facts()
        return ShipmentFacts(f.id, None, f.meta) if null else f

    @rule(i=st.integers(0, 1), null=st.booleans())
    @precondition(lambda self: not all(s.opened for s in self.stations))
    def open_order(self, i: int, null: bool) -> None:
        s = self.stations[i]
        if s.opened:
            return
        a = assess_open(self._fetch(null), station=s.name, own_parcels=[], now=self.now)
        if a.verdict is OpenVerdict.UNKNOWN:
            return  # fetched again later; nothing decided
        s.opened, s.foreign, s.placeholders = True, a.foreign_ids, a.placeholder_ids
        self._write_meta(s, packing=True)

    @rule(i=st.integers(0, 1))
    @precondition(lambda self: any(s.opened and not s.completed and len(s.boxes) < 3 for s in self.stations))
    def close_box(self, i: int) -> None:
        s = self.stations[i]
        if s.opened and not s.completed and len(s.boxes) < 3:
            s.boxes.append(_Box(BoxKey(s.name, f"box{len(s.boxes)}")))

    @rule(i=st.integers(0, 1), j=st.integers(0, 2), fault=FAULTS)
    @precondition(lambda self: any(not b.done for s in self.stations for b in s.boxes))
    def step(self, i: int, j: int, fault: str) -> None:
        s = self.stations[i]
        if j >= len(s.boxes) or s.boxes[j].done:
            return
        self._step_box(s, s.boxes[j], fault)

    def _plan(self, s: _Station, b: _Box, f: ShipmentFacts, answered: SentWrite | None = None) -> BoxPlan:
        return plan_box_booking(
            f,
            box=b.key,
            now=self.now,
            recorded=b.recorded,
            own_other=[pid for pid, k in s.owned().items() if k != b.key],
            foreign_at_open=s.foreign,
            placeholders_at_open=s.placeholders,
            sent_writes=s.writes,
            answered=answered,
            settle=SETTLE,
            claim_settle=CLAIM_SETTLE,
            late_commit_window=WINDOW,
        )

    def _step_box(self, s: _Station, b: _Box, fault: str) -> None:
        plan = self._plan(s, b, self._fetch(fault == "null_answer"))
        self._execute(s, b, plan, fault)

    def _execute(self, s: _Station, b: _Box, plan: BoxPlan, fault: str) -> None:
        if plan.action in (PlanAction.WAIT, PlanAction.RECONCILE):
            return
        if plan.action is PlanAction.CLAIM:
            assert plan.claim is not None
            s.claims[plan.claim.parcel_id] = plan.claim
            b.resolves = plan.resolves
            self._write_meta(s)
            return
        if plan.action in (PlanAction.ADOPT, PlanAction.BOOK_PARCELS):
            assert plan.parcel is not None
            b.recorded = plan.parcel.id
            if plan.claim is not None:
                s.claims[plan.claim.parcel_id] = plan.claim
                self._write_meta(s)
            if plan.action is PlanAction.BOOK_PARCELS:
                if fault != "not_sent":
                    self.server.book_parcels()
                return  # the next step adopts it (lost answer or not)
            b.done = True
            gone = set(plan.resolves) | set(b.resolves)
            s.writes = [w for w in s.writes if w not in gone]
            return
        assert plan.action is PlanAction.ADD_PARCEL
        write = SentWrite(b.key, self.now, plan.parcels_before)
        s.writes.append(write)
        if fault == "interleave" and self.server.late:
            self.late_commit()  # a late write lands between this fetch and this add_parcel
        if fault == "not_sent":
            return
        if fault == "late":
            self.server.late.append(self.now + MAX_LATE)
            return
        self.server.add_parcel(self.now)
        if fault == "lost":
            return
        answer = self._fetch(fault == "null_answer")
        self._execute(s, b, self._plan(s, b, answer, answered=write), "ok")

    @rule(i=st.integers(0, 1))
    def complete(self, i: int) -> None:
        s = self.stations[i]
        if s.opened and not s.completed and all(b.done for b in s.boxes):
            self._complete(s)

    def _complete(self, s: _Station) -> bool:
        r = surplus_parcels(
            self.server.facts(),
            station=s.name,
            owned=s.owned(),
            now=self.now,
            placeholders_at_open=s.placeholders,
            sent_writes=s.writes,
            settle=SETTLE,
            late_commit_window=WINDOW,
        )
        if r.wait_until is not None or r.unknown:
            return False
        for sp in r.to_cancel:
            next(p for p in self.server.parcels if p.id == sp.parcel.id).cancelled = True
            s.cancelled.add(sp.parcel.id)
        s.completed = not any(sp.action is SurplusAction.HOLD for sp in r.surplus)
        if s.completed:
            self._write_meta(s, packing=False)
        return s.completed

    # -- invariants

    def _holders(self) -> dict[str, list[BoxKey]]:
        out: dict[str, list[BoxKey]] = {}
        for s in self.stations:
            for b in s.boxes:
                if b.done and b.recorded is not None:
                    out.setdefault(b.recorded, []).append(b.key)
        return out

    @invariant()
    def no_parcel_is_held_by_two_boxes(self) -> None:
        assert all(len(v) == 1 for v in self._holders().values()), self._holders()

    @invariant()
    def no_box_holds_a_foreign_or_cancelled_parcel(self) -> None:
        cancelled = {p.id for p in self.server.parcels if p.cancelled}
        for s in self.stations:
            for b in s.boxes:
                if b.recorded is not None:
                    assert b.recorded not in s.foreign
                    assert not (b.done and b.recorded in cancelled)

    def teardown(self) -> None:
        # Drain: every late write lands, every station packs its boxes and completes.
        self._advance(self.now + MAX_LATE + timedelta(seconds=1))
        for _ in range(200):
            open_boxes = [(s, b) for s in self.stations if s.opened for b in s.boxes if not b.done]
            if not open_boxes:
                break
            for s, b in open_boxes:
                self._step_box(s, b, "ok")
            self._advance(self.now + timedelta(seconds=11))
        assert all(b.done for s in self.stations for b in s.boxes), "a box never got a parcel"
        self._advance(self.now + SETTLE)
        for _ in range(3):
            for s in self.stations:
                if s.opened and not s.completed:
                    self._complete(s)
        assert all(s.completed for s in self.stations if s.opened)
        holders = self._holders()
        self.no_parcel_is_held_by_two_boxes()
        for p in self.server.parcels:
            if p.tracking is not None and not p.cancelled:
                assert p.id in holders, f"booked parcel {p.id} has no box and was not cancelled"


TwoBenches.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_two_benches_never_share_a_parcel_and_leave_none_booked_without_a_box = TwoBenches.TestCase
