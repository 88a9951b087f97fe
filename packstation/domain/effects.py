"""What the station asks the outside world to do, as plain immutable data.

``Station`` methods return a list of effects; the runtime executes them IN ORDER and then publishes
``station.view`` to the screen. For a scan the first effect is always ``LogScan`` (the scan log is written
before the screen changes); store writes (``CloseBox``, ``VoidBox``, ``CancelDeliveries``,
``SaveSession``) come before the ``Feedback`` that tells the packer about them, so the screen never shows
something the database does not hold.

``Feedback`` is the view's own ``Feedback`` class: its tone drives the sound and the flash (GOOD/BAD);
the same object is in ``station.view.feedback``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from packstation.domain.outcomes import Outcome
from packstation.domain.packing_box import TrackedUnit
from packstation.domain.parcel_claims import ForeignChoice
from packstation.domain.view import Feedback

__all__ = [
    "CancelDeliveries",
    "CloseBox",
    "Effect",
    "Feedback",
    "LearnBarcode",
    "LogScan",
    "LookupOrder",
    "PrintBoxTag",
    "RecordForeignChoice",
    "Reprint",
    "SaveSession",
    "VoidBox",
]


class LogScan(msgspec.Struct, frozen=True):
    """Append one scan to the scan log. ``outcome`` is a short machine word (``Outcome.ADDED``,
    ``Outcome.OVER_SCAN`` ...; stored as its value); ``detail`` is the sentence the packer was shown."""

    raw: str
    kind: str
    outcome: Outcome
    detail: str
    order_key: str
    session_id: str
    packer: str
    at: float = 0.0  # unix time the scan arrived


class LookupOrder(msgspec.Struct, frozen=True):
    """Find the order ``key`` (cache, ``shipments.get``, or create from a tos_id) and answer with
    ``Station.order_loaded`` or ``Station.order_not_found``."""

    key: str


@dataclass(frozen=True)
class SaveSession:
    """Store the session (upsert by ``session_id``). ``state`` is a ``SessionState`` value."""

    session_id: str
    order_key: str
    shipment_id: str
    state: str
    packer: str
    snapshot: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class CloseBox:
    """Save a closed box and queue its parcel (book the shipment for the first box, else add a parcel).
    Answer with ``Station.box_queued(box_number, box_id, local_tag, session_id=...)``.
    ``items`` is {sku: units}; ``box_type``/``dims_mm`` are empty/None when no type was chosen;
    ``weight_g`` is the stable scale reading (or typed weight) captured at the close, None if unweighed."""

    session_id: str
    order_key: str
    shipment_id: str
    box_number: int
    box_type: str
    dims_mm: tuple[int, int, int] | None
    items: dict[str, int] = field(hash=False)
    packer: str = ""
    snapshot: dict[str, Any] = field(default_factory=dict, hash=False)
    weight_g: int | None = None
    tracked: tuple[TrackedUnit, ...] = ()  # the box's units with lot/serial/dates


@dataclass(frozen=True)
class VoidBox:
    """Void a closed box: cancel its delivery (``deliveries.cancel``) or, when its parcel was never sent,
    withdraw it from the outbox. ``box_id`` is None only if the store never confirmed the box."""

    box_id: int | None
    session_id: str
    box_number: int
    snapshot: dict[str, Any] = field(default_factory=dict, hash=False)


class CancelDeliveries(msgspec.Struct, frozen=True):
    """The packer cancelled the order: cancel the deliveries of these boxes (and withdraw queued ones)."""

    session_id: str
    box_ids: tuple[int, ...]


class Reprint(msgspec.Struct, frozen=True):
    """Print a box's label again (a new print job marked as a reprint). One of the two is set."""

    box_id: int | None = None
    tracking_number: str | None = None


class PrintBoxTag(msgspec.Struct, frozen=True):
    """Print the temporary box tag (``local_tag`` as a barcode) for a box that is waiting offline."""

    box_id: int
    local_tag: str
    order_key: str
    box_number: int


class LearnBarcode(msgspec.Struct, frozen=True):
    """Add ``barcode`` -> ``sku`` to the store's catalogue, taught at the bench by ``packer`` at ``at``."""

    barcode: str
    sku: str
    packer: str
    at: float


class RecordForeignChoice(msgspec.Struct, frozen=True):
    """The packer's answer to "already packed elsewhere" for the session (kept with its open record)."""

    session_id: str
    choice: ForeignChoice


Effect = (
    LogScan
    | RecordForeignChoice
    | LearnBarcode
    | LookupOrder
    | SaveSession
    | CloseBox
    | VoidBox
    | CancelDeliveries
    | Reprint
    | PrintBoxTag
    | Feedback
)
