"""Typed models of Ingrid SOM documents: Shipment, Parcel, Delivery and their parts.

Parsing (``from_api``) is tolerant the way the real API demands: numbers arrive as strings
(``"quantity": "1"``), ``0001-01-01T00:00:00Z`` means "no time", unknown fields are ignored and
optional fields may be missing. Input that cannot be understood at all (a list where an object
belongs, ``"quantity": "lots"``) raises one ``ModelError`` naming the field, never KeyError/TypeError.

``to_json()`` gives the document back in the API's shape with numbers as numbers,
datetimes as ISO 8601 and absent values left out, so ``X.from_api(x.to_json()) == x`` for caching.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

T = TypeVar("T")


class ModelError(ValueError):
    """An API document that cannot be read as the model it should be."""


# --- reading helpers -------------------------------------------------------------------------------


class _Reader:
    """Typed, path-aware access to one JSON object, so errors say exactly which field was wrong."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ModelError(f"{path}: expected an object, got {_kind(data)}")
        self.data = data
        self.path = path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}"

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)  # ids and refs sometimes arrive as numbers
        raise ModelError(f"{self._at(key)}: expected a string, got {_kind(value)}")

    def integer(self, key: str) -> int | None:
        return _to_int(self.data.get(key), self._at(key))

    def time(self, key: str) -> datetime | None:
        return _to_datetime(self.data.get(key), self._at(key))

    def obj(self, key: str, parse: Callable[[_Reader], T]) -> T | None:
        value = self.data.get(key)
        if value is None:
            return None
        return parse(_Reader(value, self._at(key)))

    def objs(self, key: str, parse: Callable[[_Reader], T]) -> tuple[T, ...]:
        return tuple(parse(_Reader(item, f"{self._at(key)}[{i}]")) for i, item in self._items(key))

    def strs(self, key: str) -> tuple[str, ...]:
        out = []
        for i, item in self._items(key):
            if not isinstance(item, str | int) or isinstance(item, bool):
                raise ModelError(f"{self._at(key)}[{i}]: expected a string, got {_kind(item)}")
            out.append(str(item))
        return tuple(out)

    def str_map(self, key: str) -> dict[str, str]:
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ModelError(f"{self._at(key)}: expected an object, got {_kind(value)}")
        out = {}
        for k, v in value.items():
            if isinstance(v, dict | list) or v is None:
                raise ModelError(f"{self._at(key)}.{k}: expected a string, got {_kind(v)}")
            out[str(k)] = v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
        return out

    def _items(self, key: str) -> Iterator[tuple[int, Any]]:
        value = self.data.get(key)
        if value is None:
            return iter(())
        if not isinstance(value, list):
            raise ModelError(f"{self._at(key)}: expected a list, got {_kind(value)}")
        return enumerate(value)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    return "null" if value is None else type(value).__name__


def _to_int(value: Any, path: str) -> int | None:
    """Integers, numeric strings ("19900", "720.0") and floats; fractions are rounded (mm, g, cents)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ModelError(f"{path}: expected a number, got {_kind(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ModelError(f"{path}: expected a number, got {value}")
        return round(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            raise ModelError(f"{path}: expected a number, got {_kind(value)}") from None
        return _to_int(number, path)
    raise ModelError(f"{path}: expected a number, got {_kind(value)}")


def _to_datetime(value: Any, path: str) -> datetime | None:
    """ISO 8601 to an aware datetime (naive means UTC); Go's zero time and "" mean None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ModelError(f"{path}: expected an ISO 8601 time, got {_kind(value)}") from None
    else:
        raise ModelError(f"{path}: expected an ISO 8601 time, got {_kind(value)}")
    if parsed.year <= 1:  # 0001-01-01T00:00:00Z, Go's zero time: "not set"
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def format_datetime(value: datetime) -> str:
    """ISO 8601 with ``Z`` for UTC, as Ingrid writes it. Naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _compact(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop absent values so a cached document reads back to the same model."""
    return {k: v for k, v in doc.items() if v is not None}


def _dt(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def _start(data: Any, path: str) -> _Reader:
    return _Reader(data, path)


class _Model:
    """Shared ``from_api``/``to_json`` plumbing; subclasses implement ``_parse`` and ``to_json``."""

    @classmethod
    def from_api(cls, data: Any) -> Self:
        return cls._parse(_start(data, cls.__name__))

    @classmethod
    def _parse(cls, r: _Reader) -> Self:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


# --- models ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimensions(_Model):
    """Outer size in millimetres."""

    length: int | None = None
    width: int | None = None
    height: int | None = None

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(length=r.integer("length"), width=r.integer("width"), height=r.integer("height"))

    def to_json(self) -> dict[str, Any]:
        return _compact({"length": self.length, "width": self.width, "height": self.height})


@dataclass(frozen=True)
class Address(_Model):
    """Ingrid's common address entity (checkout object reference)."""

    name: str | None = None
    care_of: str | None = None
    attn: str | None = None
    address_lines: tuple[str, ...] = ()
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    door_code: str | None = None

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(
            name=r.text("name"),
            care_of=r.text("care_of"),
            attn=r.text("attn"),
            address_lines=r.strs("address_lines"),
            city=r.text("city"),
            region=r.text("region"),
            postal_code=r.text("postal_code"),
            country=r.text("country"),
            door_code=r.text("door_code"),
        )

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "name": self.name,
                "care_of": self.care_of,
                "attn": self.attn,
                "address_lines": list(self.address_lines),
                "city": self.city,
                "region": self.region,
                "postal_code": self.postal_code,
                "country": self.country,
                "door_code": self.door_code,
            }
        )

    def one_line(self) -> str:
        """ "Name, street, 11556 Stockholm, SE" for screens and logs."""
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        parts = [self.name, *self.address_lines, place, self.country]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class CustomerInfo(_Model):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: Address | None = None

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(
            name=r.text("name"),
            email=r.text("email"),
            phone=r.text("phone"),
            address=r.obj("address", Address._parse),
        )

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "name": self.name,
                "email": self.email,
                "phone": self.phone,
                "address": self.address.to_json() if self.address else None,
            }
        )


@dataclass(frozen=True)
class LineItem(_Model):
    """One order line (``line_items`` / ``contents.goods``). Weight in grams."""

    sku: str | None = None
    name: str | None = None
    quantity: int = 1
    weight: int | None = None
    dimensions: Dimensions | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        quantity = r.integer("quantity")
        if quantity is not None and quantity < 0:
            raise ModelError(f"{r.path}.quantity: must not be negative, got {quantity}")
        return cls(
            sku=r.text("sku"),
            name=r.text("name"),
            quantity=1 if quantity is None else quantity,
            weight=r.integer("weight"),
            dimensions=r.obj("dimensions", Dimensions._parse),
            tags=r.strs("tags"),
        )

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "sku": self.sku,
                "name": self.name,
                "quantity": self.quantity,
                "weight": self.weight,
                "dimensions": self.dimensions.to_json() if self.dimensions else None,
                "tags": list(self.tags) if self.tags else None,
            }
        )


@dataclass(frozen=True)
class TimeWindow(_Model):
    """``delivery_time``: either end may be absent (the zero time)."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(start=r.time("start"), end=r.time("end"))

    def to_json(self) -> dict[str, Any]:
        return _compact({"start": _dt(self.start), "end": _dt(self.end)})


@dataclass(frozen=True)
class Delivery(_Model):
    """One carrier delivery of a parcel. ``tracking_number``/``label_url`` appear once booked."""

    id: str
    parcel_id: str | None = None
    tracking_number: str | None = None
    label_url: str | None = None
    tracking_url: str | None = None
    shipping_method: str | None = None
    location_ref: str | None = None
    delivery_status: str | None = None
    address_from: Address | None = None
    address_to: Address | None = None
    address_return: Address | None = None
    delivery_time: TimeWindow | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(
            id=_required(r, "id"),
            parcel_id=r.text("parcel_id"),
            tracking_number=r.text("tracking_number") or None,
            label_url=r.text("label_url") or None,
            tracking_url=r.text("tracking_url") or None,
            shipping_method=r.text("shipping_method"),
            location_ref=r.text("location_ref"),
            delivery_status=r.text("delivery_status"),
            address_from=r.obj("address_from", Address._parse),
            address_to=r.obj("address_to", Address._parse),
            address_return=r.obj("address_return", Address._parse),
            delivery_time=r.obj("delivery_time", TimeWindow._parse),
            created_at=r.time("created_at"),
            updated_at=r.time("updated_at"),
        )

    @property
    def is_booked(self) -> bool:
        return self.tracking_number is not None

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "id": self.id,
                "parcel_id": self.parcel_id,
                "tracking_number": self.tracking_number,
                "label_url": self.label_url,
                "tracking_url": self.tracking_url,
                "shipping_method": self.shipping_method,
                "location_ref": self.location_ref,
                "delivery_status": self.delivery_status,
                "address_from": self.address_from.to_json() if self.address_from else None,
                "address_to": self.address_to.to_json() if self.address_to else None,
                "address_return": self.address_return.to_json() if self.address_return else None,
                "delivery_time": self.delivery_time.to_json() if self.delivery_time else None,
                "created_at": _dt(self.created_at),
                "updated_at": _dt(self.updated_at),
            }
        )


@dataclass(frozen=True)
class Parcel(_Model):
    """One box. Its first delivery is the outbound one the station prints a label for."""

    id: str
    shipment_id: str | None = None
    line_items: tuple[LineItem, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    dimensions: Dimensions | None = None
    weight: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(
            id=_required(r, "id"),
            shipment_id=r.text("shipment_id"),
            line_items=r.objs("line_items", LineItem._parse),
            deliveries=r.objs("deliveries", Delivery._parse),
            dimensions=r.obj("dimensions", Dimensions._parse),
            weight=r.integer("weight"),
            created_at=r.time("created_at"),
            updated_at=r.time("updated_at"),
        )

    @property
    def delivery(self) -> Delivery | None:
        """The main (first) delivery, or None when the API sent none."""
        return self.deliveries[0] if self.deliveries else None

    @property
    def tracking_number(self) -> str | None:
        return self.delivery.tracking_number if self.delivery else None

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "id": self.id,
                "shipment_id": self.shipment_id,
                "line_items": [li.to_json() for li in self.line_items],
                "deliveries": [d.to_json() for d in self.deliveries],
                "dimensions": self.dimensions.to_json() if self.dimensions else None,
                "weight": self.weight,
                "created_at": _dt(self.created_at),
                "updated_at": _dt(self.updated_at),
            }
        )


@dataclass(frozen=True)
class Contents(_Model):
    description: str | None = None
    goods: tuple[LineItem, ...] = ()

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(description=r.text("description"), goods=r.objs("goods", LineItem._parse))

    def to_json(self) -> dict[str, Any]:
        return _compact({"description": self.description, "goods": [g.to_json() for g in self.goods]})


@dataclass(frozen=True)
class Shipment(_Model):
    """A SOM shipment with its parcels (boxes) in the order the API listed them.

    ``shipment_value`` is in minor units (19900 = 199.00). ``meta`` holds string values only.

    ``parcels_known`` is False when the answer did not list the parcels at all (``"parcels": null``
    or no ``parcels`` key): that says nothing about how many parcels exist, so ``parcels`` is then
    empty but must not be read as "no parcels". Whatever acts on parcels (booking) checks it first.
    """

    id: str
    site_id: str | None = None
    external_id: str | None = None
    tos_id: str | None = None
    shipment_value: int | None = None
    shipping_date: datetime | None = None
    direction_type: str | None = None
    customer_info: CustomerInfo | None = None
    address_from: Address | None = None
    address_to: Address | None = None
    address_return: Address | None = None
    line_items: tuple[LineItem, ...] = ()
    parcels: tuple[Parcel, ...] = ()
    parcels_known: bool = True
    contents: Contents | None = None
    meta: dict[str, str] = field(default_factory=dict, hash=False)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def _parse(cls, r: _Reader) -> Self:
        return cls(
            id=_required(r, "id"),
            site_id=r.text("site_id"),
            external_id=r.text("external_id") or None,
            tos_id=r.text("tos_id") or None,
            shipment_value=r.integer("shipment_value"),
            shipping_date=r.time("shipping_date"),
            direction_type=r.text("direction_type"),
            customer_info=r.obj("customer_info", CustomerInfo._parse),
            address_from=r.obj("address_from", Address._parse),
            address_to=r.obj("address_to", Address._parse),
            address_return=r.obj("address_return", Address._parse),
            line_items=r.objs("line_items", LineItem._parse),
            parcels=r.objs("parcels", Parcel._parse),
            parcels_known=r.data.get("parcels") is not None,
            contents=r.obj("contents", Contents._parse),
            meta=r.str_map("meta"),
            created_at=r.time("created_at"),
            updated_at=r.time("updated_at"),
        )

    @property
    def deliveries(self) -> tuple[Delivery, ...]:
        """Every delivery of every parcel, in parcel order."""
        return tuple(d for p in self.parcels for d in p.deliveries)

    @property
    def shipping_method(self) -> str | None:
        """The carrier product of the first delivery (the request's ``shipping_method``)."""
        return next((d.shipping_method for d in self.deliveries if d.shipping_method), None)

    @property
    def is_booked(self) -> bool:
        """True once every parcel's main delivery has a tracking number (bookParcels done)."""
        return bool(self.parcels) and all(p.tracking_number is not None for p in self.parcels)

    def parcels_in_order(self) -> list[Parcel]:
        """Parcels by ``created_at`` (missing times last), list order kept among equals (stable).

        The station maps box k to parcel k in this order.
        """
        far_future = datetime.max.replace(tzinfo=UTC)
        return sorted(self.parcels, key=lambda p: p.created_at or far_future)

    def parcel(self, parcel_id: str) -> Parcel | None:
        return next((p for p in self.parcels if p.id == parcel_id), None)

    def delivery_by_tracking_number(self, tracking_number: str) -> Delivery | None:
        return next((d for d in self.deliveries if d.tracking_number == tracking_number), None)

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "id": self.id,
                "site_id": self.site_id,
                "external_id": self.external_id,
                "tos_id": self.tos_id,
                "shipment_value": self.shipment_value,
                "shipping_date": _dt(self.shipping_date),
                "direction_type": self.direction_type,
                "customer_info": self.customer_info.to_json() if self.customer_info else None,
                "address_from": self.address_from.to_json() if self.address_from else None,
                "address_to": self.address_to.to_json() if self.address_to else None,
                "address_return": self.address_return.to_json() if self.address_return else None,
                "line_items": [li.to_json() for li in self.line_items],
                # Left out when unknown, so that the cached document reads back as unknown too.
                "parcels": [p.to_json() for p in self.parcels] if self.parcels_known else None,
                "contents": self.contents.to_json() if self.contents else None,
                "meta": dict(self.meta),
                "created_at": _dt(self.created_at),
                "updated_at": _dt(self.updated_at),
            }
        )


def _required(r: _Reader, key: str) -> str:
    value = r.text(key)
    if not value:
        raise ModelError(f"{r.path}.{key}: missing")
    return value
