"""The station's state as plain data: settings, the open, parked and finished orders, what is loading
or waiting, the pending confirmation, the last label, the runtime's status and the scale.

``Station`` (``station.py``) holds one ``StationState`` and is the only code that changes it;
``project`` (``projection.py``) turns it into the screen's ``StationView``. Nothing here has behaviour
beyond read-only look-ups, so the state can be read (and tested) without the state machine.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

import msgspec

from packstation.domain.catalogue import ItemCatalogue
from packstation.domain.packing import DEFAULT_BOX_TYPES, Box, BoxType, PackingOrder, PackingSession
from packstation.domain.scale import WeightGate
from packstation.domain.scans import box_id_from_tag
from packstation.domain.station_weight import WeighState, WeightMode
from packstation.domain.view import Feedback, StatusView

__all__ = ["ForeignParcels", "LastLabel", "Pending", "StationSettings", "StationState", "Waiting"]


class StationSettings(msgspec.Struct, frozen=True):
    auto_close: bool = True  # the last expected unit closes the open box and completes the order
    default_box_type: str = ""  # preset code used by CMD:CLOSE-BOX; "" records no type/dimensions
    box_types: tuple[BoxType, ...] = DEFAULT_BOX_TYPES
    packer_name: str = ""  # lets people pack without a badge
    history_size: int = 20  # finished orders kept for late box events and reprints
    weight_mode: WeightMode = WeightMode.OFF  # no scale, a USB scale, or typed (station_weight.py)
    require_weight: bool = False  # a box closes only with a usable weight
    manual_weight: bool = True  # typed weights (WEIGHT:850, W:1.25kg) are accepted as a fallback
    max_weight_g: int | None = None  # heaviest parcel accepted (None: no limit)
    gs_forms: tuple[str, ...] = ()  # what the scanner sends for the GS separator besides GS itself
    learning: bool = False  # CMD:LEARN may add a barcode to the catalogue
    # A weighed box whose weight is off its goods' expected weight by more than both is held.
    weight_tolerance_pct: float = 10.0
    weight_tolerance_g: int = 50

    @property
    def weight_gate(self) -> WeightGate:
        return WeightGate(max_g=self.max_weight_g)

    def box_type(self, code: str) -> BoxType | None:
        return next((b for b in self.box_types if b.code.upper() == code.upper()), None)


class Pending(Enum):
    """What the next scan may confirm."""

    NONE = "none"
    CANCEL = "cancel"  # CMD:CANCEL again cancels the open order
    VOID = "void"  # CMD:VOID-BOX again voids the last closed box (destructive commands confirm alike)
    REPRINT = "reprint"  # a label or box tag (or CMD:REPRINT again) says which label to reprint
    LEARN_CODE = "learn_code"  # after CMD:LEARN: the product barcode to learn
    LEARN_SKU = "learn_sku"  # then the SKU label it means (``StationState.learning_code``)


class LastLabel(msgspec.Struct, frozen=True):
    box_id: int | None
    tracking_number: str
    order_id: str
    box_number: int


class ForeignParcels(msgspec.Struct, frozen=True):
    """The open order has parcels booked that this station did not make (another bench, a re-imaged
    PC). Nothing is packed until the packer chooses: CMD:REPRINT prints their labels and leaves the
    order, CMD:PACK-EXTRA packs more boxes (each gets a new parcel), CMD:CANCEL leaves the order."""

    session_id: str
    tracking_numbers: tuple[str, ...]
    booked_at: str = ""  # "10:42" (local time of the earliest booking), "" if Ingrid gave none
    preface: str = ""  # what else the packer must hear first (e.g. "being packed at bench-3")


class Waiting(NamedTuple):
    """The order scanned while another was open; it opens after CMD:PARK or CMD:CANCEL."""

    key: str
    order: PackingOrder
    source: str


@dataclass
class StationState:
    settings: StationSettings = field(default_factory=StationSettings)
    packer: str = ""  # the signed-in packer (a badge) or the configured name
    aliases: ItemCatalogue = field(default_factory=ItemCatalogue)  # barcode -> SKU (the catalogue)
    catalogue: frozenset[str] = frozenset()  # SKUs known to exist (an unknown code may be an order)
    current: PackingSession | None = None
    parked: OrderedDict[str, PackingSession] = field(default_factory=OrderedDict)
    finished: OrderedDict[str, PackingSession] = field(default_factory=OrderedDict)  # oldest first
    loading_key: str = ""  # the order being looked up to open ("" none)
    probes: set[str] = field(default_factory=set)  # unknown codes looked up in case they are orders
    waiting: Waiting | None = None
    pending: Pending = Pending.NONE
    foreign: ForeignParcels | None = None  # the packer must choose before packing this order
    learning_code: str = ""  # the barcode CMD:LEARN is teaching, waiting for its SKU
    last_label: LastLabel | None = None
    status: StatusView = field(default_factory=StatusView)
    feedback: Feedback | None = None
    last_label_png: bytes = b""
    preview_of: tuple[str, int] | None = None  # (order id, box number) of the preview
    weigh: WeighState = field(default_factory=WeighState)

    @property
    def waiting_order(self) -> str:
        return self.waiting.order.order_id if self.waiting else ""

    def sessions(self) -> Iterator[PackingSession]:
        """Open, parked, then finished sessions (newest first)."""
        if self.current is not None:
            yield self.current
        yield from self.parked.values()
        yield from reversed(self.finished.values())

    def session(self, session_id: str) -> PackingSession | None:
        return next((s for s in self.sessions() if s.session_id == session_id), None)

    def parked_answering(self, key: str) -> PackingSession | None:
        return next((s for s in self.parked.values() if s.order.answers_to(key)), None)

    def find_box(
        self, *, box_id: int | None = None, tracking: str | None = None, tag: str | None = None
    ) -> tuple[PackingSession, Box] | None:
        for session in self.sessions():
            for box in session.boxes:
                if (
                    (box_id is not None and box.box_id == box_id)
                    or (tracking and box.tracking_number == tracking)
                    or (
                        tag
                        and (
                            box.local_tag == tag
                            or (box.box_id is not None and box.box_id == box_id_from_tag(tag))
                        )
                    )
                ):
                    return session, box
        return None
