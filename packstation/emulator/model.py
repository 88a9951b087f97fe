"""Server-side state of the SOM emulator: shipments, parcels and deliveries, and their JSON shapes.

The JSON writers reproduce the quirks of Ingrid's answers in the reference documents: numbers as
strings (``"quantity": "1"``), ``0001-01-01T00:00:00Z`` for "no time", empty fields left out,
``customer_info`` without its name, parcels' line items without tags and weight.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ZERO_TIME = "0001-01-01T00:00:00Z"

CREATED = "created"
BOOKED = "booked"
PICKUP = "pickup"
CANCELLED = "cancelled"


# Where the server's timestamps come from: the soak benchmark runs the emulator on the same simulated
# clock as the station (the exactly-once rules compare the two), see ``set_clock``.
_clock: Callable[[], float] = time.time


def set_clock(clock: Callable[[], float]) -> None:
    """Take the server's time from ``clock`` (seconds since the epoch) instead of the wall clock."""
    global _clock
    _clock = clock


def now_text() -> str:
    return dt.datetime.fromtimestamp(_clock(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_time(value: Any) -> str | None:
    """An RFC 3339 time from a request, as the API answers it: UTC, whole seconds, "Z"."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("a time must be an RFC 3339 string")
    text = value.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an RFC 3339 time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_field(value: Any, name: str) -> int:
    """Requests send numbers; be as lenient as Ingrid is with numeric strings."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"{name} must be a whole number")


@dataclass
class Good:
    """One line of ``contents.goods``, stored with real numbers."""

    sku: str
    name: str
    quantity: int
    weight: int | None = None
    dimensions: dict[str, int] | None = None
    tags: list[str] = field(default_factory=list)

    @classmethod
    def from_request(cls, raw: Any) -> Good:
        if not isinstance(raw, dict):
            raise ValueError("each item of contents.goods must be an object")
        quantity = _int_field(raw.get("quantity", 1), "quantity")
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        dims = raw.get("dimensions")
        dimensions = None
        if isinstance(dims, dict):
            dimensions = {k: _int_field(dims[k], k) for k in ("length", "width", "height") if k in dims}
        weight = raw.get("weight")
        tags = raw.get("tags") or []
        if not isinstance(tags, list):
            raise ValueError("tags must be a list")
        return cls(
            sku=str(raw.get("sku") or ""),
            name=str(raw.get("name") or ""),
            quantity=quantity,
            weight=None if weight is None else _int_field(weight, "weight"),
            dimensions=dimensions or None,
            tags=[str(t) for t in tags],
        )

    def to_json(self, *, full: bool = True, quantity: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"sku": self.sku, "name": self.name, "quantity": str(quantity or self.quantity)}
        if self.dimensions:
            out["dimensions"] = _dims_json(self.dimensions)
        if full:
            if self.tags:
                out["tags"] = list(self.tags)
            if self.weight is not None:
                out["weight"] = str(self.weight)
        return out


def _dims_json(dims: dict[str, int]) -> dict[str, str]:
    return {k: str(dims[k]) for k in ("length", "height", "width") if k in dims}


@dataclass
class Delivery:
    id: str
    parcel_id: str
    created_at: str
    updated_at: str
    status: str = CREATED
    tracking_number: str | None = None
    label_url: str | None = None
    tracking_url: str | None = None

    def to_json(self, shipment: Shipment) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "parcel_id": self.parcel_id}
        if self.tracking_number:
            out["tracking_number"] = self.tracking_number
        if self.label_url:
            out["label_url"] = self.label_url
        out["address_from"] = copy.deepcopy(shipment.address_from)
        out["address_to"] = copy.deepcopy(shipment.address_to)
        out["shipping_method"] = shipment.shipping_method
        if shipment.location_ref:
            out["location_ref"] = shipment.location_ref
        out["delivery_status"] = self.status
        if shipment.address_return:
            out["address_return"] = copy.deepcopy(shipment.address_return)
        if self.tracking_url:
            out["tracking_url"] = self.tracking_url
        out["created_at"] = self.created_at
        out["updated_at"] = self.updated_at
        if self.tracking_number:
            out["delivery_time"] = {"start": ZERO_TIME, "end": shipment.shipping_date or ZERO_TIME}
        return {k: v for k, v in out.items() if v not in (None, {}, "")}


@dataclass
class Parcel:
    id: str
    shipment_id: str
    created_at: str
    updated_at: str
    lines: list[tuple[Good, int]] = field(default_factory=list)  # (good, quantity in this parcel)
    deliveries: list[Delivery] = field(default_factory=list)
    weight: int | None = None
    dimensions: dict[str, int] | None = None

    def to_json(self, shipment: Shipment) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "shipment_id": self.shipment_id}
        if self.lines:
            out["line_items"] = [good.to_json(full=False, quantity=qty) for good, qty in self.lines]
        out["deliveries"] = [d.to_json(shipment) for d in self.deliveries]
        out["created_at"] = self.created_at
        out["updated_at"] = self.updated_at
        if self.dimensions:
            out["dimensions"] = _dims_json(self.dimensions)
        if self.weight is not None:
            out["weight"] = str(self.weight)
        return out


@dataclass
class Shipment:
    id: str
    site_id: str
    created_at: str
    updated_at: str
    shipping_method: str = ""
    location_ref: str = ""
    external_id: str = ""
    tos_id: str = ""
    shipment_value: int | None = None
    shipping_date: str | None = None
    customer_info: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    address_from: dict[str, Any] = field(default_factory=dict)
    address_to: dict[str, Any] = field(default_factory=dict)
    address_return: dict[str, Any] | None = None
    goods: list[Good] = field(default_factory=list)
    description: str = ""
    direction_type: str = "OUTBOUND"
    parcels: list[Parcel] = field(default_factory=list)
    booked: bool = False  # bookParcels ran: parcels added later are booked at once
    cancelled: bool = False

    def deliveries(self) -> list[Delivery]:
        return [d for p in self.parcels for d in p.deliveries]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "site_id": self.site_id}
        customer = {k: copy.deepcopy(v) for k, v in self.customer_info.items() if k != "name" and v}
        if customer:
            out["customer_info"] = customer
        if self.meta:
            out["meta"] = dict(self.meta)
        out["shipping_date"] = self.shipping_date or ZERO_TIME
        out["address_from"] = copy.deepcopy(self.address_from)
        out["address_to"] = copy.deepcopy(self.address_to)
        if self.address_return:
            out["address_return"] = copy.deepcopy(self.address_return)
        if self.goods:
            out["line_items"] = [g.to_json() for g in self.goods]
        out["parcels"] = [p.to_json(self) for p in self.parcels]
        if self.external_id:
            out["external_id"] = self.external_id
        if self.shipment_value is not None:
            out["shipment_value"] = str(self.shipment_value)
        if self.tos_id:
            out["tos_id"] = self.tos_id
        contents: dict[str, Any] = {}
        if self.goods:
            contents["goods"] = [g.to_json() for g in self.goods]
        if self.description:
            contents["description"] = self.description
        if contents:
            out["contents"] = contents
        out["created_at"] = self.created_at
        out["updated_at"] = self.updated_at
        if self.direction_type:
            out["direction_type"] = self.direction_type
        return {k: v for k, v in out.items() if v not in ({},)}


def split_goods(goods: list[Good], parcels: int) -> list[list[tuple[Good, int]]]:
    """Spread the units over the parcels as evenly as possible, keeping each SKU's units together."""
    units = [good for good in goods for _ in range(good.quantity)]
    total = len(units)
    result: list[list[tuple[Good, int]]] = []
    start = 0
    for index in range(parcels):
        size = total // parcels + (1 if index < total % parcels else 0)
        chunk = units[start : start + size]
        start += size
        lines: list[tuple[Good, int]] = []
        for good in chunk:
            if lines and lines[-1][0] is good:
                lines[-1] = (good, lines[-1][1] + 1)
            else:
                lines.append((good, 1))
        result.append(lines)
    return result


def parcel_measures(lines: list[tuple[Good, int]]) -> tuple[int | None, dict[str, int] | None]:
    """A parcel's weight (sum of its units) and dimensions (those of its largest item)."""
    weights = [good.weight * qty for good, qty in lines if good.weight is not None]
    weight = sum(weights) if weights else None
    sized = [good.dimensions for good, _ in lines if good.dimensions]
    dims = None
    if sized:
        largest = max(sized, key=lambda d: d.get("length", 0) * d.get("width", 0) * d.get("height", 0))
        dims = dict(largest)
    return weight, dims
