"""Finding the order a packer scanned: the API when it answers, the station's cache when it does not.

* Online: ``find_shipment`` (by id, external_id or tos_id), and the answer is cached for offline use.
* A ``tos_id`` that has no shipment yet: the station creates one with ``shipments.create {"tos_id"}``
  and Ingrid fills in the rest from the checkout order. That write is not idempotent, so it is guarded:
  we look the tos_id up first, and if the create's outcome is unknown we look it up again before any
  second attempt, never creating blindly twice.
* Offline (network errors, 5xx, lost answers): the cache answers, marked ``source="cache"``.
* ``prefetch`` warms the cache for a wave of orders while the network is good.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packstation.adapters.som.errors import (
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    RetryableError,
)
from packstation.domain.models import Shipment
from packstation.domain.ports import OrderApi

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore

log = logging.getLogger(__name__)

# Delivery Checkout's tos_id is a ULID: 26 characters of Crockford base32.
TOS_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
UNREACHABLE = (RetryableError, OutcomeUnknownError, MalformedResponseError)


@dataclass(frozen=True)
class PrefetchResult:
    key: str
    status: str  # "cached" | "not found" | "error"
    detail: str = ""


class OrderLookup:
    def __init__(self, store: StationStore, client: OrderApi, *, create_from_tos: bool = True) -> None:
        self.store = store
        self.client = client
        self.create_from_tos = create_from_tos

    async def open_order(self, key: str) -> tuple[Shipment, str] | None:
        """The shipment for ``key`` and where it came from ("api" or "cache"), or None if unknown.
        Raises the client's error when the API refuses us (e.g. a bad token) and nothing is cached."""
        try:
            shipment = await self._from_api(key)
        except UNREACHABLE as exc:
            cached = self.store.cached_shipment(key)
            if cached is not None:
                log.info("API unreachable (%s); order %s served from the cache", type(exc).__name__, key)
                return cached, "cache"
            raise
        except Exception:
            cached = self.store.cached_shipment(key)
            if cached is not None:
                log.info("API refused the look-up of %s; served from the cache", key)
                return cached, "cache"
            raise
        if shipment is None:
            return None
        self.store.cache_shipment(shipment)
        return shipment, "api"

    async def _from_api(self, key: str) -> Shipment | None:
        shipment = await self.client.find_shipment(key)
        if shipment is not None or not (self.create_from_tos and TOS_ID.match(key)):
            return shipment
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
            else:
                self.store.cache_shipment(shipment)
                results.append(PrefetchResult(key, "cached", f"{len(shipment.line_items)} lines"))
        return results
