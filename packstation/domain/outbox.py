"""The outbox as the domain sees it: kinds of API operations, their states, the retry policy, and the
connectivity the station shows to the packer. Pure data and arithmetic; the worker lives in
``packstation.adapters.outbox``.

An operation is ``pending`` until sent, ``in_flight`` while a request is out, then ``done``,
``needs_attention`` (the server refused it; a person must look) or ``cancelled`` (its box was voided
before it went out). ``outcome_unknown`` marks an operation whose last attempt may or may not have
reached the server (answer lost, app killed mid-call): it is reconciled with ``shipments.get`` before
anything is sent again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import msgspec

from packstation.domain.i18n import t
from packstation.domain.view import Connectivity

__all__ = [
    "BackoffPolicy",
    "Connectivity",
    "ConnectivityTracker",
    "OpKind",
    "OpState",
    "OutboxOp",
    "OutboxStatus",
]


class OpKind(StrEnum):
    BOOK_BOX = "book_box"  # give the box a booked parcel of its own (parcel_claims.plan_box_booking)
    BOOK_PICKUP = "book_pickup"
    CANCEL_DELIVERY = "cancel_delivery"
    PUBLISH_TRACKING_EVENT = "publish_tracking_event"
    CREATE_SHIPMENT_FROM_TOS = "create_shipment_from_tos"
    # An order completed: cancel the deliveries of parcels no box holds (presets, late commits) and
    # release the "being packed" marker (parcel_claims.surplus_parcels). Queued with the completion.
    SETTLE_ORDER = "settle_order"
    # The packer left an order: release the marker and the claims made at open for boxes never
    # closed (parcel_claims.preclaims_at_open), so another bench's bookParcels cannot book them boxless.
    LEAVE_ORDER = "leave_order"


class OpState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class OutboxOp:
    id: int
    shipment_id: str  # the ordering key: one shipment's operations go out strictly in id order
    kind: OpKind
    payload: dict[str, Any] = field(default_factory=dict, hash=False)
    box_id: int | None = None
    state: OpState = OpState.PENDING
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None
    outcome_unknown: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0


class BackoffPolicy(msgspec.Struct, frozen=True):
    """Exponential back-off with full jitter in [delay/2, delay], capped; Retry-After wins when longer."""

    base_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 60.0

    def delay(
        self, attempts: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before attempt number ``attempts + 1`` (``attempts`` >= 1 failed so far)."""
        exponent = max(0, attempts - 1)
        ceiling = min(self.cap_s, self.base_s * (self.factor ** min(exponent, 64)))
        jittered = ceiling * (0.5 + 0.5 * (rng or random).random())
        if retry_after is not None and retry_after > 0:
            # The server said when; never earlier, but do not let a silly value park the queue for hours.
            return max(jittered, min(retry_after, max(self.cap_s, 300.0)))
        return jittered


class OutboxStatus(msgspec.Struct, frozen=True):
    connectivity: Connectivity = Connectivity.ONLINE
    reason: str = ""
    depth: int = 0  # operations still to send (pending + in flight)
    needs_attention: int = 0


class ConnectivityTracker:
    """Folds the outcomes of API calls into the connectivity the packer sees.

    online: the last call was answered. degraded: the server answers but with retryable errors or
    lost answers. offline: the server could not be reached at all. paused: stopped on purpose
    (token refused); only ``resume`` leaves it.
    """

    def __init__(self) -> None:
        self.state = Connectivity.ONLINE
        self.reason = ""

    @property
    def paused(self) -> bool:
        return self.state is Connectivity.PAUSED

    def _set(self, state: Connectivity, reason: str) -> bool:
        if self.paused and state is not Connectivity.PAUSED:
            return False
        changed = (state, reason) != (self.state, self.reason)
        self.state, self.reason = state, reason
        return changed

    def success(self) -> bool:
        return self._set(Connectivity.ONLINE, "")

    def unreachable(self, detail: str) -> bool:
        return self._set(
            Connectivity.OFFLINE,
            t(
                "Ingrid cannot be reached ({detail}). Packing continues; "
                "labels print when the connection is back.",
                detail=detail,
            ),
        )

    def struggling(self, detail: str) -> bool:
        return self._set(
            Connectivity.DEGRADED,
            t("Ingrid answers slowly or with errors ({detail}); retrying.", detail=detail),
        )

    def pause(self, reason: str) -> bool:
        return self._set(Connectivity.PAUSED, reason)

    def resume(self) -> bool:
        if not self.paused:
            return False
        self.state, self.reason = Connectivity.ONLINE, ""
        return True
