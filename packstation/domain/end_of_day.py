"""End of day as the domain sees it: how far the hand-over of the day's parcels got, what the GUI may ask
of the end-of-day service, and how one handed-over box becomes a manifest line.

A *pickup run* is one end-of-day: every box this station booked (tracking number, not voided) that was
not handed over yet gets one ``book_pickup`` operation in the outbox; a box counts as handed over once
that operation is done. The run's manifest lists exactly the boxes it handed over. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

import msgspec

from packstation.domain.manifest import ManifestEntry
from packstation.domain.models import Shipment
from packstation.domain.packing_box import TrackedUnit


class PickupProgress(msgspec.Struct, frozen=True):
    """Where a pickup run stands. ``attention``: one line per pickup the server refused."""

    run_id: str | None
    total: int
    handed_over: int
    attention: tuple[str, ...] = ()

    @property
    def waiting(self) -> int:
        return self.total - self.handed_over

    @property
    def complete(self) -> bool:
        """Every box of the run is handed over (trivially so for a run with nothing to hand over)."""
        return self.handed_over >= self.total

    @property
    def stuck(self) -> bool:
        """Something waits for a person, not for the network."""
        return bool(self.attention)

    def summary(self) -> str:
        if self.total == 0:
            return "Nothing to hand over: no booked parcels are waiting for a pickup."
        text = f"Pickups booked: {self.handed_over} of {self.total}"
        if self.attention:
            text += f"; {len(self.attention)} need attention"
        return text


class EndOfDayPort(Protocol):
    """What the end-of-day dialog needs; ``packstation.services.end_of_day.EndOfDay`` implements it.
    Every method returns quickly (the pickups themselves go out through the outbox)."""

    def start(self) -> PickupProgress:
        """Queue the pickups of every booked box not handed over yet and wake the outbox."""
        ...

    def progress(self) -> PickupProgress: ...

    def candidates(self) -> int:
        """Booked parcels that the next ``start`` would add (not handed over, not in the run yet)."""
        ...

    def print_manifest(self) -> str:
        """Queue the manifest on the receipt printer; returns a sentence for the packer."""
        ...

    def export_csv(self, path: str) -> str: ...

    def export_pdf(self, path: str) -> str: ...

    def finish(self) -> None:
        """The run is over (all handed over, manifest out): the next end of day starts a new one."""
        ...


def manifest_entry_for_box(box: Mapping[str, Any], shipment: Shipment | None) -> ManifestEntry:
    """A handed-over box (store row: tracking_number, shipment_id, order_key, weight_g, dimensions) as
    a manifest line; the shipping method and order id come from the last known server state."""
    tracking = box["tracking_number"]
    method = None
    order_id = box.get("order_key") or None
    if shipment is not None:
        delivery = next((d for d in shipment.deliveries if d.tracking_number == tracking), None)
        method = (delivery.shipping_method if delivery else None) or shipment.shipping_method
        order_id = shipment.external_id or shipment.tos_id or order_id
    length, width, height = box.get("length_mm"), box.get("width_mm"), box.get("height_mm")
    dims: tuple[int, int, int] | None = None
    if isinstance(length, int) and isinstance(width, int) and isinstance(height, int):
        dims = (length, width, height)
    return ManifestEntry(
        tracking_number=tracking,
        shipping_method=method,
        order_id=order_id,
        weight_g=box.get("weight_g") or None,
        dimensions=dims if dims and min(dims) > 0 else None,
        shipment_id=box.get("shipment_id"),
        lots_serials=tracked_text(box.get("tracked")),
    )


def tracked_text(tracked: Any) -> str:
    """A box's stored ``tracked`` JSON as one manifest cell ("" for none or unreadable)."""
    try:
        units = [TrackedUnit.from_json(u) for u in json.loads(tracked or "[]")]
    except (ValueError, TypeError, KeyError):
        return ""
    return "; ".join(unit.describe() for unit in units)
