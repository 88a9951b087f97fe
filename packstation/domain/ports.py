"""Small interfaces (Protocols) the outer layers implement or call, so the GUI and the app can be wired
and tested with fakes without importing each other.

The services (``packstation.services``) and the wiring (``packstation.app``) hold their collaborators
through these: each Protocol names only what its callers use of the adapter behind it (the SOM client,
the outbox worker, the print queue, the scale, the serial scanner, the order look-up), so a fake in a
test needs no more than that, and mypy checks the real adapter against it where the app wires it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from packstation.domain.booking import Booked, BoxRecord
from packstation.domain.end_of_day import PickupProgress
from packstation.domain.models import Shipment
from packstation.domain.outbox import OpKind, OutboxOp
from packstation.domain.packing import SessionState
from packstation.domain.packing_box import TrackedUnit
from packstation.domain.parcel_claims import ForeignChoice, OpenRecord, SentWrite
from packstation.domain.printing import PrintJobRepository
from packstation.domain.retention import PruneReport, Retention

if TYPE_CHECKING:
    from packstation.domain.models import Delivery
    from packstation.domain.outbox import OutboxStatus
    from packstation.domain.printing import PrintJobKind
    from packstation.domain.scale import Reading


@runtime_checkable
class ScanSink(Protocol):
    """Takes one scan, exactly as the scanner delivered it (the station normalises it).

    The window's only call into the station: it forwards scans here and renders the views it is given.
    ``submit_scan`` must return quickly; slow work (network, printer, disk) happens elsewhere.
    """

    def submit_scan(self, raw: str) -> None: ...


# ---------------------------------------------------------------------------------------- the SOM API


class OrderApi(Protocol):
    """What the order look-up uses of the SOM client: find a scanned order, create one from a tos_id."""

    async def find_shipment(self, order_key: str) -> Shipment | None: ...

    async def create_shipment(self, request: dict[str, Any]) -> Shipment: ...

    async def get_shipment(
        self, *, id: str | None = None, external_id: str | None = None, tos_id: str | None = None
    ) -> Shipment: ...

    async def cancel_shipment(self, shipment_id: str) -> None: ...


class SomApi(OrderApi, Protocol):
    """What the outbox worker (and the app, which closes it) uses of the SOM client."""

    async def book_parcels(self, shipment_id: str) -> Shipment: ...

    async def update_shipment(self, request: dict[str, Any]) -> Shipment: ...

    async def add_parcel(self, shipment_id: str, *, site_id: str | None = None) -> Shipment: ...

    async def book_pickup(self, tracking_number: str) -> Delivery: ...

    async def get_delivery(self, tracking_number: str) -> Delivery: ...

    async def cancel_delivery(self, tracking_number: str) -> None: ...

    async def publish_tracking_event(
        self,
        tracking_number: str,
        custom_event_type_id: str,
        occurred_at: datetime,
        tracking_status: str = "CUSTOM",
    ) -> None: ...

    async def aclose(self) -> None: ...


class OrderSource(Protocol):
    """Where the runtime gets the order a packer scanned (``services.order_lookup.OrderLookup``)."""

    async def open_order(self, key: str) -> tuple[Shipment, str] | None:
        """The shipment and where it came from ("api" or "cache"), or None when nobody knows it."""
        ...

    @property
    def notices(self) -> list[str]:
        """What the last look-ups found that the packer must hear (taken and emptied by the runtime)."""
        ...


# ---------------------------------------------------------------------------------------- workers


class OutboxWorker(Protocol):
    """What the runtime and the app use of the outbox worker (``adapters.outbox.Outbox``)."""

    async def run(self) -> None: ...

    def kick(self) -> None: ...

    def server_answered(self) -> None:
        """Another call (an order look-up) was answered: the connection is back, whatever said offline."""
        ...

    def pause(self, reason: str) -> None: ...

    @property
    def paused(self) -> bool: ...

    def status(self) -> OutboxStatus: ...

    async def refresh_status(self) -> OutboxStatus: ...

    def seen(self, shipment: Shipment) -> None:
        """The order look-up fetched ``shipment``: the first box's booking may start from it."""
        ...

    async def mark_packing(self, shipment_id: str, station: str, *, session_id: str | None = None) -> None:
        """Write the advisory "being packed at ``station``" marker to the shipment's meta (with
        ``session_id``: and claim the order's preset parcels for the session's next boxes)."""
        ...

    async def write_claims_now(self) -> None:
        """Shutting down: write the claims that wait for their delay now (best effort)."""
        ...

    async def drain(self, timeout: float | None = None) -> OutboxStatus:
        """Send until nothing more can be sent (or ``timeout``); end of day's command line uses it."""
        ...

    def close(self) -> None: ...


class PrintQueuePort(Protocol):
    """What the runtime, end of day and the app use of the print queue (``adapters.printers.queue``)."""

    def enqueue(
        self,
        *,
        kind: PrintJobKind,
        printer_uri: str,
        source_url: str | None = None,
        payload: bytes | None = None,
        tracking_number: str | None = None,
        box_id: int | None = None,
        reprint_of: int | None = None,
        session_id: str | None = None,
    ) -> int: ...

    def reprint(self, job_id: int) -> int: ...

    def notify(self) -> None: ...

    async def run(self) -> None: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------- devices


class DeviceFault(Protocol):
    """A device error as the services see it: a sentence a packer can act on."""

    @property
    def user_message(self) -> str: ...


class ScaleDevice(Protocol):
    """A USB scale read on a thread of its own (``adapters.scale.Scale``)."""

    def poll(
        self,
        callback: Callable[[Reading], None],
        on_error: Callable[[DeviceFault], None] | None = None,
    ) -> object:
        """Start reading in the background; ``callback`` on a new reading, ``on_error`` with a
        ``DeviceFault``. Both run on the reader thread."""
        ...

    def close(self) -> None: ...


class ScanReader(Protocol):
    """A scanner read on a thread of its own (``adapters.serial_scanner.SerialScanner``)."""

    def start(
        self,
        on_scan: Callable[[str], None],
        on_problem: Callable[[str], None] | None = None,
        on_recovered: Callable[[str], None] | None = None,
    ) -> None: ...

    def stop(self, timeout_s: float = 2.0) -> None: ...


# ---------------------------------------------------------------------- the station store
# What the services and the outbox use of the station database (``packstation.adapters.store.Store``
# implements ``StationStore``). Each method is one short transaction; a write that spans tables (a box
# closed with its outbox operation, a booking with its label job) is one method, never two calls.


class ScanLogRepository(Protocol):
    """The append-only scan log."""

    def log(
        self,
        *,
        raw: str,
        kind: str,
        outcome: str,
        detail: str = "",
        session_id: str | None = None,
        order_key: str | None = None,
        packer: str = "",
        station: str = "",
    ) -> int: ...


class SessionRepository(Protocol):
    """Packing sessions (rows as dicts with the domain's snapshot under ``"snapshot"``)."""

    def save(
        self,
        session_id: str,
        *,
        order_key: str,
        shipment_id: str | None,
        state: SessionState | str,
        packer: str,
        snapshot: dict[str, Any],
        slip_wanted: bool = False,
    ) -> None: ...

    def cancel(self, session_id: str, *, snapshot: dict[str, Any] | None = None) -> list[int]:
        """Void every box of the session and mark it cancelled (one transaction)."""
        ...

    def get(self, session_id: str) -> dict[str, Any] | None: ...

    def in_states(self, states: Iterable[SessionState | str] = ...) -> list[dict[str, Any]]: ...

    def owed_a_slip(self) -> list[dict[str, Any]]: ...

    def slip_owed(self, session_id: str) -> bool: ...

    def skip_slip(self, session_id: str) -> None: ...


class BoxRepository(Protocol):
    """Closed boxes: closing (with the booking operation), voiding, booking results, reading."""

    def close(
        self,
        *,
        session_id: str,
        snapshot: dict[str, Any],
        shipment_id: str,
        box_type: str,
        dims_mm: tuple[int, int, int] | None,
        weight_g: int | None,
        items: dict[str, int],
        packer: str,
        station: str,
        tracked: Sequence[TrackedUnit] = (),
    ) -> BoxRecord: ...

    def void(self, box_id: int, *, snapshot: dict[str, Any] | None = None) -> None: ...

    def settle_booking(self, booked: Booked, *, printer_uri: str) -> int | None:
        """Box booked + operation done + label job queued (its id), or a voided box's parcel cancelled
        (None), in one transaction."""
        ...

    def settle_voided(self, op_id: int, box_id: int) -> None:
        """A voided box whose parcel was never made gives its slot back."""
        ...

    def get(self, box_id: int) -> BoxRecord: ...

    def for_shipment(self, shipment_id: str) -> list[BoxRecord]: ...

    def next_uuids(self, session_id: str, count: int) -> list[str]:
        """The uuids the session's next ``count`` boxes get when closed (claims at open name them)."""
        ...

    def for_session(self, session_id: str) -> list[BoxRecord]: ...

    def by_tag_or_tracking(self, code: str) -> BoxRecord | None: ...


class OutboxRepository(Protocol):
    """API operations waiting to be sent, one shipment's strictly in order."""

    def enqueue(
        self, kind: OpKind | str, shipment_id: str, payload: dict[str, Any], box_id: int | None = None
    ) -> int: ...

    def queue_packed_events(self, session_id: str, custom_event_type_id: str) -> int: ...

    def pending_heads(self, limit: int) -> list[OutboxOp]: ...

    def claim(self, op_id: int) -> OutboxOp | None: ...

    def complete(self, op_id: int, note: str | None = None) -> None: ...

    def wait(self, op_id: int, *, reason: str, until: float) -> None:
        """Look again at ``until`` (a settle delay, not a failure); ``reason`` is shown meanwhile."""
        ...

    def complete_with(
        self, op_id: int, note: str | None, follow_ups: list[tuple[OpKind, str, dict[str, Any]]]
    ) -> None:
        """Done, with the operations it leads to queued, in one transaction."""
        ...

    def reschedule(
        self, op_id: int, *, error: str, next_attempt_at: float, unknown: bool = False
    ) -> None: ...

    def park(self, op_id: int, error: str, *, unknown: bool = False) -> None:
        """The server refused the operation: it needs a person."""
        ...

    def retry(self, op_id: int) -> bool: ...

    def depth(self) -> int: ...

    def needs_attention(self) -> list[OutboxOp]: ...

    def needs_attention_count(self) -> int: ...


class ShipmentCacheRepository(Protocol):
    """The last known server state of shipments."""

    def put(self, shipment: Shipment) -> None: ...

    def find(self, order_key: str) -> Shipment | None: ...


class PickupRepository(Protocol):
    """End-of-day pickup runs."""

    def open_run(self) -> str | None: ...

    def start_run(self, station: str = "") -> str: ...

    def candidates(self) -> int: ...

    def progress(self, run_id: str | None) -> PickupProgress: ...

    def handed_over_boxes(self, run_id: str) -> list[tuple[dict[str, Any], Shipment | None]]: ...

    def run_started_at(self, run_id: str) -> float | None: ...

    def finish_run(self, run_id: str) -> None: ...


class StatsSource(Protocol):
    """Plain rows for the packer statistics."""

    def day_rows(self, since: float, until: float) -> dict[str, list[dict[str, Any]]]: ...

    def labels_waiting(self) -> int: ...


class CatalogueRepository(Protocol):
    """The product catalogue (barcode -> SKU); what the runtime needs of it."""

    def learn(self, barcode: str, sku: str, *, packer: str, at: float | None = None) -> None: ...


class ClaimRepository(Protocol):
    """What the exactly-once rules need remembered: writes in doubt, the order-open assessment,
    each box's recorded parcel (``packstation.domain.parcel_claims``)."""

    def add_sent_write(self, shipment_id: str, box_id: int, write: SentWrite) -> int: ...

    def sent_writes(self, shipment_id: str) -> list[SentWrite]: ...

    def resolve_writes(self, shipment_id: str, writes: Iterable[SentWrite]) -> None: ...

    def forget_writes(self, shipment_id: str) -> None: ...

    def set_open(
        self,
        session_id: str,
        *,
        foreign_ids: Iterable[str],
        placeholder_ids: Iterable[str],
        choice: ForeignChoice | None = None,
    ) -> None: ...

    def set_choice(self, session_id: str, choice: ForeignChoice) -> None: ...

    def open_record(self, session_id: str) -> OpenRecord | None: ...

    def record_parcel(self, box_id: int, parcel_id: str, *, durable: bool = True) -> None: ...

    def released_parcels(self, shipment_id: str) -> list[str]: ...


class RetentionRepository(Protocol):
    """``adapters/store/retention.py``: forget what the retention periods let go."""

    def prune(self, retention: Retention, *, batch: int = 500, max_steps: int = 10_000) -> PruneReport: ...

    def vacuum(self, pages: int = 2_000) -> int: ...


class StationStore(Protocol):
    """The station database as the services see it: one repository per topic over one file."""

    @property
    def retention(self) -> RetentionRepository: ...

    @property
    def catalogue(self) -> CatalogueRepository: ...

    @property
    def scans(self) -> ScanLogRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def boxes(self) -> BoxRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def print_jobs(self) -> PrintJobRepository: ...

    @property
    def shipments(self) -> ShipmentCacheRepository: ...

    @property
    def pickups(self) -> PickupRepository: ...

    def write_group(self, *, durable: bool) -> AbstractContextManager[Any]:
        """One transaction for the writes this thread makes inside it (a group commit); it yields
        an object whose ``in_transaction`` says whether the transaction is still open."""
        ...

    @property
    def stats(self) -> StatsSource: ...

    @property
    def claims(self) -> ClaimRepository: ...

    def close(self) -> None: ...
