"""A closed box as the station remembers it (``BoxRecord``) and the outbox's result for its booking
(``Booked``).

Which parcel a box takes is decided by ``packstation.domain.parcel_claims`` (box uuids, claims in the
shipment's ``meta``, writes in doubt); the old rule "box k takes parcel k", counted from the station's
own database, is retired: it let a second bench adopt the first bench's parcels. ``slot`` stays as the
box's number within its order (what the packer reads as "box 2"), nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from packstation.domain.packing_box import TrackedUnit
from packstation.domain.parcel_claims import ParcelFact
from packstation.domain.view import BoxState

__all__ = ["Booked", "BoxRecord", "BoxState"]


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
    box_uuid: str = ""  # with the station id, names the box in the shipment's meta claims


class Booked(msgspec.Struct, frozen=True):
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
    def adopted(cls, op_id: int, box_id: int, parcel: ParcelFact) -> Booked:
        """From the booked parcel an ADOPT plan names."""
        if not parcel.tracking_number:
            raise ValueError(f"parcel {parcel.id} is not booked")
        return cls(op_id, box_id, parcel.id, parcel.delivery_id, parcel.tracking_number, parcel.label_url)
