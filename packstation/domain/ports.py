"""Small interfaces (Protocols) the outer layers implement or call, so the GUI and the app can be wired
and tested with fakes without importing each other.

The services (``packstation.services``) and the wiring (``packstation.app``) hold their collaborators
through these: each Protocol names only what its callers use of the adapter behind it (the SOM client,
the outbox worker, the print queue, the scale, the serial scanner, the order look-up), so a fake in a
test needs no more than that, and mypy checks the real adapter against it where the app wires it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from packstation.domain.models import Delivery, Shipment
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


class SomApi(OrderApi, Protocol):
    """What the outbox worker (and the app, which closes it) uses of the SOM client."""

    async def get_shipment(
        self, *, id: str | None = None, external_id: str | None = None, tos_id: str | None = None
    ) -> Shipment: ...

    async def book_parcels(self, shipment_id: str) -> Shipment: ...

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


# ---------------------------------------------------------------------------------------- workers


class OutboxWorker(Protocol):
    """What the runtime and the app use of the outbox worker (``adapters.outbox.Outbox``)."""

    async def run(self) -> None: ...

    def kick(self) -> None: ...

    def pause(self, reason: str) -> None: ...

    @property
    def paused(self) -> bool: ...

    def status(self) -> OutboxStatus: ...

    async def refresh_status(self) -> OutboxStatus: ...

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


# placeholder: replaced by the store repositories' protocols
# (an alias of Any, not an empty Protocol: an empty one would make every store call a mypy error until
# the repositories' protocols land; the services already annotate their store parameters with this name)
StationStore: TypeAlias = Any
