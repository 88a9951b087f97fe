"""Finding the order a packer scanned: the API when it answers, the station's cache when it does not.

* Online: ``find_shipment`` (by id, external_id or tos_id), and the answer is cached for offline use.
* A ``tos_id`` that has no shipment yet: the station creates one with ``shipments.create {"tos_id"}``
  and Ingrid fills in the rest from the checkout order. That write is not idempotent, so it is guarded:
  we look the tos_id up first, and if the create's outcome is unknown we look it up again before any
  second attempt, never creating blindly twice.
* Offline (network errors, 5xx, lost answers): the cache answers, marked ``source="cache"``.
* An answer that cannot be read (garbled JSON, a null where a list belongs, a shipment whose parcels
  are not listed) is asked for again a few times; then the cache answers, or ``UnreadableAnswerError``
  says "could not read Ingrid's answer". It is never taken for "no such order" (None).
* Two shipments for one ``tos_id`` (a create that Ingrid committed after the client gave up, then
  created again): found at the next look-up, when Ingrid names another shipment than the one this
  station cached for that order. ``parcel_claims.surplus_shipments`` keeps one and the other is
  cancelled if it holds no booked parcel; else the packer is told to check it. ``notices`` holds
  what the packer must hear.
* ``prefetch`` warms the cache for a wave of orders while the network is good.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import msgspec

from packstation.adapters.som.errors import (
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    RetryableError,
    SomError,
)
from packstation.domain.models import Shipment
from packstation.domain.parcel_claims import ShipmentFacts, surplus_shipments
from packstation.domain.ports import OrderApi

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore

log = logging.getLogger(__name__)

# Delivery Checkout's tos_id is a ULID: 26 characters of Crockford base32.
TOS_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
UNREACHABLE = (RetryableError, OutcomeUnknownError, MalformedResponseError)


class UnreadableAnswerError(Exception):
    """Ingrid answered the look-up, every time it was asked, with something that cannot be read."""

    def __init__(self, key: str, cause: SomError) -> None:
        super().__init__(f"could not read Ingrid's answer ({cause.one_line()})")
        self.key = key
        self.cause = cause

    def one_line(self) -> str:
        return str(self)


class PrefetchResult(msgspec.Struct, frozen=True):
    key: str
    status: str  # "cached" | "not found" | "error"
    detail: str = ""


class OrderLookup:
    def __init__(
        self,
        store: StationStore,
        client: OrderApi,
        *,
        create_from_tos: bool = True,
        unreadable_retries: int = 2,
        retry_delay_s: float = 0.3,
    ) -> None:
        self.store = store
        self.client = client
        self.create_from_tos = create_from_tos
        self.unreadable_retries = max(0, unreadable_retries)
        self.retry_delay_s = retry_delay_s
        self.notices: list[str] = []  # for the packer (the runtime takes them after each look-up)

    async def open_order(self, key: str) -> tuple[Shipment, str] | None:
        """The shipment for ``key`` and where it came from ("api" or "cache"), or None if unknown.
        Raises the client's error when the API refuses us (e.g. a bad token) and nothing is cached,
        ``UnreadableAnswerError`` when its answers could not be read and nothing is cached."""
        try:
            shipment = await self._readable_from_api(key)
        except UnreadableAnswerError as exc:
            cached = self.store.shipments.find(key)
            if cached is not None:
                log.info("Ingrid's answer for %s was unreadable (%s); served from the cache", key, exc)
                return cached, "cache"
            raise
        except UNREACHABLE as exc:
            cached = self.store.shipments.find(key)
            if cached is not None:
                log.info("API unreachable (%s); order %s served from the cache", type(exc).__name__, key)
                return cached, "cache"
            raise
        except Exception:
            cached = self.store.shipments.find(key)
            if cached is not None:
                log.info("API refused the look-up of %s; served from the cache", key)
                return cached, "cache"
            raise
        if shipment is None:
            return None
        self.store.shipments.put(shipment)
        return shipment, "api"

    async def _readable_from_api(self, key: str) -> Shipment | None:
        """``_from_api``, asked again (after a short pause) while the answer cannot be read."""
        for number in range(self.unreadable_retries + 1):
            try:
                shipment = await self._from_api(key)
                if shipment is not None and not shipment.parcels_known:
                    raise MalformedResponseError(
                        "the answer did not list the shipment's parcels", method="shipments.get"
                    )
                return shipment
            except MalformedResponseError as exc:
                if number == self.unreadable_retries:
                    raise UnreadableAnswerError(key, exc) from exc
                log.info("Unreadable answer looking up %s (%s); asking again", key, exc.one_line())
                await asyncio.sleep(self.retry_delay_s * (2**number))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _from_api(self, key: str) -> Shipment | None:
        shipment = await self.client.find_shipment(key)
        if shipment is not None:
            return await self._one_per_order(key, shipment)
        if not (self.create_from_tos and TOS_ID.match(key)):
            return None
        try:
            return await self.client.create_shipment({"tos_id": key})
        except OutcomeUnknownError:
            # The create may have happened: ask before trying anything else. If Ingrid still does not
            # know it, say "try again" (the error), not "no such order".
            created = await self.client.find_shipment(key)
            if created is None:
                raise
            return created
        except NotFoundError:
            return None  # Ingrid knows no checkout order with that tos_id either

    async def _one_per_order(self, key: str, found: Shipment) -> Shipment:
        """``found`` for a tos_id, when this station cached another live shipment for the same order:
        a duplicate. Keep one (``surplus_shipments``), cancel the other if that is safe."""
        if not found.tos_id or found.tos_id != key:
            return found
        known = self.store.shipments.find(key)
        if known is None or known.id == found.id:
            return found
        try:
            other = await self.client.get_shipment(id=known.id)
        except SomError as exc:
            log.info("Could not fetch shipment %s again to compare it with %s: %s", known.id, found.id, exc)
            return found
        if other.tos_id != found.tos_id or _cancelled(other):
            return found
        packed_here = next((s.id for s in (other, found) if self.store.boxes.for_shipment(s.id)), None)
        triage = surplus_shipments(
            [ShipmentFacts.from_shipment(s) for s in (found, other)], prefer=packed_here
        )
        keep = other if triage.keep is not None and triage.keep.id == other.id else found
        for surplus in triage.cancel:
            try:
                await self.client.cancel_shipment(surplus.id)
            except SomError as exc:
                self._notice(
                    f"Order {key} has two shipments in Ingrid; {surplus.id} (nothing booked) could not be "
                    f"cancelled ({exc.one_line()}): cancel it in Ingrid. Packing {keep.id}."
                )
            else:
                self._notice(
                    f"Order {key} had two shipments in Ingrid (a create that committed late): the spare "
                    f"one ({surplus.id}, nothing booked) was cancelled. Packing {keep.id}."
                )
        for odd in triage.attention:
            self._notice(
                f"Order {key} has two shipments in Ingrid and {odd.id} has booked parcels too: "
                f"check it in Ingrid. Packing {keep.id}."
            )
        return keep

    def _notice(self, message: str) -> None:
        log.warning("%s", message)
        self.notices.append(message)

    async def prefetch(self, keys: list[str]) -> list[PrefetchResult]:
        results = []
        for key in keys:
            try:
                shipment = await self.client.find_shipment(key)
            except Exception as exc:
                detail = exc.one_line() if hasattr(exc, "one_line") else str(exc)
                results.append(PrefetchResult(key, "error", detail))
                continue
            if shipment is None:
                results.append(PrefetchResult(key, "not found"))
            elif not shipment.parcels_known:  # not cached: an unknown must not be served offline later
                results.append(
                    PrefetchResult(key, "error", "could not read Ingrid's answer (no parcels list)")
                )
            else:
                self.store.shipments.put(shipment)
                results.append(PrefetchResult(key, "cached", f"{len(shipment.line_items)} lines"))
        return results


def _cancelled(shipment: Shipment) -> bool:
    """Every delivery cancelled (the reference documents no shipment status; this is what a
    cancelled shipment looks like in its deliveries)."""
    deliveries = [d for p in shipment.parcels for d in p.deliveries]
    return bool(deliveries) and all(d.delivery_status == "cancelled" for d in deliveries)
