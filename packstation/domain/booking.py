"""Which API call turns a closed box into a parcel: pure planning from the server's shipment.

A box gets a *slot* k when it is closed (1-based, in closing order per shipment). Slot k is filled by
parcel k of the shipment (``Shipment.parcels_in_order()``), and by nothing else. The outbox asks
``plan_box_booking`` what to do with the server's current state, every attempt:

* parcel k exists and its delivery has a tracking number -> ADOPT it (no call at all);
* parcel k exists but is not booked -> BOOK_PARCELS (books every delivery of the shipment);
* the shipment has k-1 parcels -> ADD_PARCEL (on a booked shipment the new parcel is booked at once;
  when it is not, the next plan says BOOK_PARCELS);
* fewer than k-1 parcels -> WAIT: an earlier slot is still unfilled (cannot happen while the outbox
  sends each shipment's operations in order; reported, never guessed around);
* the answer did not list the parcels at all (``Shipment.parcels_known`` is False, e.g.
  ``"parcels": null``) -> RECONCILE: nothing is known, so nothing is booked; the caller fetches the
  shipment again (later) and plans from that. An unknown is never read as "zero parcels".

Because the plan is recomputed from fresh server state after any doubt (a lost answer, a crash), a
write whose answer was lost is adopted instead of repeated: that is what makes one box = one parcel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from packstation.domain.models import Shipment
from packstation.domain.packing_box import TrackedUnit
from packstation.domain.view import BoxState

__all__ = ["Booked", "BookingAction", "BookingPlan", "BoxRecord", "BoxState", "plan_box_booking"]


class BookingAction(StrEnum):
    ADOPT = "adopt"
    BOOK_PARCELS = "book_parcels"
    ADD_PARCEL = "add_parcel"
    WAIT = "wait"
    RECONCILE = "reconcile"


@dataclass(frozen=True)
class BookingPlan:
    action: BookingAction
    slot: int
    parcel_count: int
    parcel_id: str | None = None
    delivery_id: str | None = None
    tracking_number: str | None = None
    label_url: str | None = None
    reason: str = ""


def plan_box_booking(shipment: Shipment, slot: int) -> BookingPlan:
    """What to do so that parcel ``slot`` of ``shipment`` exists and carries a tracking number."""
    if slot < 1:
        raise ValueError(f"slot must be 1 or more, got {slot}")
    if not shipment.parcels_known:
        return BookingPlan(
            BookingAction.RECONCILE,
            slot,
            0,
            reason=f"Ingrid's answer for shipment {shipment.id} did not list its parcels",
        )
    parcels = shipment.parcels_in_order()
    count = len(parcels)
    if count >= slot:
        parcel = parcels[slot - 1]
        delivery = parcel.delivery
        if delivery is not None and delivery.tracking_number:
            return BookingPlan(
                BookingAction.ADOPT,
                slot,
                count,
                parcel_id=parcel.id,
                delivery_id=delivery.id,
                tracking_number=delivery.tracking_number,
                label_url=delivery.label_url,
            )
        return BookingPlan(
            BookingAction.BOOK_PARCELS,
            slot,
            count,
            parcel_id=parcel.id,
            reason=f"parcel {slot} exists but has no tracking number yet",
        )
    if count == slot - 1:
        return BookingPlan(BookingAction.ADD_PARCEL, slot, count, reason=f"shipment has {count} parcel(s)")
    return BookingPlan(
        BookingAction.WAIT,
        slot,
        count,
        reason=f"box {slot} waits for an earlier box: the shipment has only {count} parcel(s)",
    )


@dataclass(frozen=True)
class BoxRecord:
    """A closed box as the station's database remembers it."""

    id: int
    session_id: str
    shipment_id: str
    slot: int | None  # None once a box voided before booking gave its slot back
    state: BoxState
    local_tag: str
    box_type: str = ""
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    weight_g: int | None = None
    packer: str = ""
    station: str = ""
    items: dict[str, int] = field(default_factory=dict, hash=False)
    tracked: tuple[TrackedUnit, ...] = ()  # the lots, serials and dates packed in it
    parcel_id: str | None = None
    delivery_id: str | None = None
    tracking_number: str | None = None
    label_url: str | None = None
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    booked_at: float | None = None
    printed_at: float | None = None
    voided_at: float | None = None


@dataclass(frozen=True)
class Booked:
    """The outbox's result for a box booking: operation ``op_id`` made box ``box_id`` parcel
    ``parcel_id`` with this tracking number (adopted or just booked). The store records it in one
    transaction: the box booked with its label print job, or, if the packer voided the box meanwhile,
    the parcel recorded and its delivery cancelled."""

    op_id: int
    box_id: int
    parcel_id: str | None
    delivery_id: str | None
    tracking_number: str
    label_url: str | None = None

    @classmethod
    def adopted(cls, op_id: int, box_id: int, plan: BookingPlan) -> Booked:
        """From an ADOPT plan (which always names a tracking number)."""
        if plan.action is not BookingAction.ADOPT or not plan.tracking_number:
            raise ValueError(f"not an adoptable plan: {plan.action}")
        return cls(op_id, box_id, plan.parcel_id, plan.delivery_id, plan.tracking_number, plan.label_url)
