"""The pure booking plan: which call turns box k into parcel k, from the server's shipment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from packstation.domain.booking import BookingAction, plan_box_booking
from packstation.domain.models import Delivery, Parcel, Shipment

T0 = datetime(2024, 5, 15, 11, 48, tzinfo=UTC)


def shipment(*tracking: str | None, shuffled: bool = False) -> Shipment:
    parcels = [
        Parcel(
            id=f"p{i}",
            deliveries=(Delivery(id=f"d{i}", tracking_number=t, label_url=f"http://l/{i}" if t else None),),
            created_at=T0 + timedelta(seconds=i),
        )
        for i, t in enumerate(tracking, start=1)
    ]
    if shuffled:
        parcels.reverse()
    return Shipment(id="sh", parcels=tuple(parcels))


def test_first_box_on_an_unbooked_shipment_books_the_shipment():
    plan = plan_box_booking(shipment(None), 1)
    assert plan.action is BookingAction.BOOK_PARCELS and plan.parcel_id == "p1"


def test_a_booked_parcel_is_adopted_without_a_call():
    plan = plan_box_booking(shipment("T1"), 1)
    assert (plan.action, plan.parcel_id, plan.delivery_id, plan.tracking_number, plan.label_url) == (
        BookingAction.ADOPT,
        "p1",
        "d1",
        "T1",
        "http://l/1",
    )


def test_each_further_box_adds_a_parcel():
    assert plan_box_booking(shipment("T1"), 2).action is BookingAction.ADD_PARCEL
    assert plan_box_booking(shipment("T1", "T2"), 3).action is BookingAction.ADD_PARCEL


def test_an_added_parcel_that_came_back_unbooked_is_booked_next():
    assert plan_box_booking(shipment("T1", None), 2).action is BookingAction.BOOK_PARCELS


def test_box_k_takes_parcel_k_of_a_shipment_created_with_several_parcels():
    unbooked = shipment(None, None, None)
    assert plan_box_booking(unbooked, 2).action is BookingAction.BOOK_PARCELS
    booked = shipment("T1", "T2", "T3", shuffled=True)  # order by created_at, not list order
    assert plan_box_booking(booked, 2).tracking_number == "T2"
    assert plan_box_booking(booked, 3).parcel_id == "p3"


def test_a_lost_add_parcel_answer_is_adopted_not_repeated():
    # The station sent add_parcel for box 2; the answer was lost but the server created the parcel.
    assert plan_box_booking(shipment("T1", "T2"), 2).action is BookingAction.ADOPT


def test_a_gap_waits_instead_of_guessing():
    plan = plan_box_booking(shipment("T1"), 3)
    assert plan.action is BookingAction.WAIT and "only 1 parcel" in plan.reason
    assert plan_box_booking(Shipment(id="empty"), 2).action is BookingAction.WAIT


def test_an_empty_shipment_gets_its_first_parcel_added():
    assert plan_box_booking(Shipment(id="empty"), 1).action is BookingAction.ADD_PARCEL


def test_slots_start_at_one():
    with pytest.raises(ValueError):
        plan_box_booking(shipment("T1"), 0)


@pytest.mark.parametrize("answer", [{"id": "sh", "parcels": None}, {"id": "sh"}])
def test_parcels_null_or_missing_are_unknown_and_never_booked_on(answer):
    """Issue 12, item 5: an answer that does not list the parcels is not "zero parcels"."""
    unknown = Shipment.from_api(answer)
    assert not unknown.parcels_known and not unknown.is_booked
    for slot in (1, 2):
        plan = plan_box_booking(unknown, slot)
        assert plan.action is BookingAction.RECONCILE
        assert "did not list its parcels" in plan.reason
    # The station's cache keeps it unknown: it reads back the same.
    assert Shipment.from_api(unknown.to_json()) == unknown
    assert Shipment.from_api({"id": "sh", "parcels": []}).parcels_known
