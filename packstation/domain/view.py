"""What the packer's screen shows, as plain immutable data.

The station's domain logic produces a ``StationView`` after every change; the GUI only renders it
(Electrum-style: the core knows nothing of widgets). Everything a widget needs is here, already in
words for people; the GUI adds no business logic.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Tone(StrEnum):
    """How a feedback message looks and sounds: green flash + good sound, red flash + error sound."""

    GOOD = "good"
    BAD = "bad"
    INFO = "info"
    WARNING = "warning"


class Connectivity(StrEnum):
    ONLINE = "online"
    DEGRADED = "degraded"  # answers slow or some calls failing; still trying
    OFFLINE = "offline"  # API unreachable; packing continues, the outbox waits
    PAUSED = "paused"  # outbox stopped on purpose (e.g. token refused); reason says what to do


class BoxState(StrEnum):
    OPEN = "open"
    QUEUED = "queued"  # closed, waiting in the outbox (offline: box tag printed)
    BOOKING = "booking"
    BOOKED = "booked"  # has a tracking number; label on its way to the printer
    PRINTED = "printed"
    FAILED = "failed"  # needs attention; ``problem`` says why and what to do
    VOIDED = "voided"


class LineView(msgspec.Struct, frozen=True):
    sku: str
    name: str
    expected: int
    scanned: int

    @property
    def complete(self) -> bool:
        return self.scanned >= self.expected


class BoxView(msgspec.Struct, frozen=True):
    number: int  # 1-based, as the packer counts them
    state: BoxState
    items: tuple[tuple[str, int], ...] = ()  # (sku, quantity)
    box_type: str = ""
    tracking_number: str = ""
    local_tag: str = ""  # temporary box tag id while offline
    problem: str = ""  # plain words: what went wrong and what to do
    weight_g: int | None = None  # weighed when it closed (None: not weighed)


class Feedback(msgspec.Struct, frozen=True):
    tone: Tone
    message: str
    detail: str = ""


class StatusView(msgspec.Struct, frozen=True):
    connectivity: Connectivity = Connectivity.ONLINE
    connectivity_reason: str = ""
    outbox_depth: int = 0
    needs_attention: int = 0
    printer_ok: bool = True
    printer_message: str = "Printer ready"
    labels_waiting: int = 0


class OrderHeader(msgspec.Struct, frozen=True):
    order_id: str
    customer: str = ""
    shipping_method: str = ""
    destination: str = ""
    source: str = ""  # "api" or "cache" (served offline)
    parcels_expected: int = 0  # parcels the shipment already has (number_of_parcels presets); 0 unknown


class StationView(msgspec.Struct, frozen=True):
    packer: str = ""
    order: OrderHeader | None = None
    lines: tuple[LineView, ...] = ()
    boxes: tuple[BoxView, ...] = ()
    feedback: Feedback | None = None
    status: StatusView = msgspec.field(default_factory=StatusView)
    prompt: str = "Scan an order"  # what the packer should do next, in a few words
    parked_orders: tuple[str, ...] = ()
    pending_confirmation: str = ""  # e.g. "Scan CMD:CANCEL again to cancel this order"
    last_label_png: bytes = b""  # preview of the last label (PNG bytes), empty if none
    last_label_caption: str = ""  # whose label the preview is ("ACME1, box 2"), "" when not known
    last_label_other_order: bool = False  # the preview belongs to another order than the open one
    complete: bool = False
    weight_text: str = ""  # the scale's live reading in words ("1.250 kg stable"); "" when weights are off
    weight_state: str = ""  # "ok", "warn", "bad" or "muted": how the weight item looks
    weight_detail: str = ""  # the longer story (a scale fault and what to do), for the tooltip
