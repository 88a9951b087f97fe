"""The SOM emulator's state machine: what each API method does to shipments, parcels and deliveries.

No HTTP here: each method takes the parsed request body (or query) and returns the answer document,
or raises ``ApiError`` with the HTTP status and gRPC code Ingrid would use. Callers hold ``lock``.

States of a delivery: created -> booked (bookParcels, or add_parcel on a booked shipment) -> pickup
(bookPickup); created/booked -> cancelled (deliveries.cancel, shipments.cancel). Anything else is a
409 with gRPC code 9 (failed precondition).
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from typing import Any

from packstation.domain import gs1
from packstation.emulator import model
from packstation.emulator.model import BOOKED, CANCELLED, CREATED, PICKUP, Good, Parcel, Shipment

# gRPC status numbers used in error bodies.
INVALID_ARGUMENT = 3
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
FAILED_PRECONDITION = 9
UNAUTHENTICATED = 16

DEFAULT_SITE_ID = "11756e4a98c64fa9a9c5d627fd88a236"  # the reference documents' site
COMPANY_PREFIX = "7350000"  # a Swedish-looking GS1 prefix for the emulator's SSCCs
MAX_PARCELS = 99


class ApiError(Exception):
    """An answer that is an error: HTTP status, gRPC code and a message for people."""

    def __init__(self, http_status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message


def bad_request(message: str) -> ApiError:
    return ApiError(400, INVALID_ARGUMENT, message)


def tracking_url_for(shipping_method: str, country: str, tracking_number: str) -> str:
    carrier = shipping_method.split("-")[0].lower()
    if carrier in ("pnl", "postnord"):
        return f"https://tracking.postnord.com/{country or 'SE'}?id={tracking_number}"
    if carrier == "budbee":
        return f"https://budbee.com/tracking/{tracking_number}"
    if carrier == "bring":
        return f"https://tracking.bring.com/tracking/{tracking_number}"
    if carrier == "dhl":
        return f"https://www.dhl.com/se-en/home/tracking.html?tracking-id={tracking_number}"
    return f"https://track.ingrid.com/{tracking_number}"


def _require_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{name} is required")
    return value.strip()


def _address(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(f"{name} must be an object")
    lines = value.get("address_lines", [])
    if not isinstance(lines, list):
        raise bad_request(f"{name}.address_lines must be a list")
    order = ("name", "care_of", "address_lines", "city", "postal_code", "country")
    out = {k: copy.deepcopy(value[k]) for k in order if value.get(k)}
    out.update({k: copy.deepcopy(v) for k, v in value.items() if k not in order and v})
    return out


class SomService:
    """All SOM state of one emulator. Thread-safety: callers hold ``self.lock`` around every call."""

    def __init__(
        self, site_id: str = DEFAULT_SITE_ID, label_url_for: Callable[[str], str | None] | None = None
    ):
        self.lock = threading.RLock()
        self.site_id = site_id
        self.shipments: dict[str, Shipment] = {}
        self.tos_orders: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        # The reference does not say whether Ingrid refuses a second live shipment for one
        # external_id/tos_id. This emulator does (409) unless told not to: an independent stand-in of
        # the API did not, and a create committed late then leaves two shipments for one order.
        self.unique_order_ids = True
        self._next_serial = 1
        self.label_url_for = label_url_for or (lambda delivery_id: f"/v1/labels/{delivery_id}.svg")

    # ------------------------------------------------------------------------------------ lookups

    def _shipment(self, shipment_id: Any) -> Shipment:
        if not isinstance(shipment_id, str) or not shipment_id:
            raise bad_request("shipment_id is required")
        shipment = self.shipments.get(shipment_id)
        if shipment is None:
            raise ApiError(404, NOT_FOUND, f"shipment {shipment_id} not found")
        return shipment

    def find_shipment(self, *, external_id: str | None = None, tos_id: str | None = None) -> Shipment | None:
        """The newest live shipment with that external_id / tos_id (a cancelled one if no live one)."""
        matches = [
            s
            for s in self.shipments.values()
            if (external_id is None or s.external_id == external_id)
            and (tos_id is None or s.tos_id == tos_id)
        ]
        if not matches:
            return None
        live = [s for s in matches if not s.cancelled]
        return (live or matches)[-1]

    def find_delivery(self, tracking_number: Any) -> tuple[Shipment, model.Delivery]:
        if not isinstance(tracking_number, str) or not tracking_number:
            raise bad_request("tracking_number is required")
        for shipment in self.shipments.values():
            for delivery in shipment.deliveries():
                if delivery.tracking_number == tracking_number:
                    return shipment, delivery
        raise ApiError(404, NOT_FOUND, f"delivery with tracking number {tracking_number} not found")

    def find_delivery_by_id(self, delivery_id: str) -> tuple[Shipment, Parcel, model.Delivery] | None:
        for shipment in self.shipments.values():
            for parcel in shipment.parcels:
                for delivery in parcel.deliveries:
                    if delivery.id == delivery_id:
                        return shipment, parcel, delivery
        return None

    # ------------------------------------------------------------------------------------ helpers

    def _new_parcel(self, shipment: Shipment, lines: list[tuple[Good, int]], now: str) -> Parcel:
        parcel = Parcel(id=str(uuid.uuid4()), shipment_id=shipment.id, created_at=now, updated_at=now)
        parcel.lines = lines
        parcel.weight, parcel.dimensions = model.parcel_measures(lines)
        parcel.deliveries.append(
            model.Delivery(id=str(uuid.uuid4()), parcel_id=parcel.id, created_at=now, updated_at=now)
        )
        shipment.parcels.append(parcel)
        return parcel

    def _book(self, shipment: Shipment, delivery: model.Delivery, now: str) -> None:
        delivery.tracking_number = gs1.make_tracking_number(COMPANY_PREFIX, self._next_serial)
        self._next_serial += 1
        delivery.label_url = self.label_url_for(delivery.id)
        country = str(shipment.address_to.get("country") or "")
        delivery.tracking_url = tracking_url_for(shipment.shipping_method, country, delivery.tracking_number)
        delivery.status = BOOKED
        delivery.updated_at = now

    def _apply_fields(self, shipment: Shipment, body: dict[str, Any]) -> None:
        """Copy the documented shipment fields present in a create/update request."""
        for name in ("shipping_method", "location_ref", "external_id", "direction_type"):
            if name in body and body[name] is not None:
                if not isinstance(body[name], str):
                    raise bad_request(f"{name} must be a string")
                setattr(shipment, name, body[name])
        try:
            if body.get("shipment_value") is not None:
                shipment.shipment_value = model._int_field(body["shipment_value"], "shipment_value")
            if body.get("shipping_date"):
                shipment.shipping_date = model.normalize_time(body["shipping_date"])
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        for name in ("address_from", "address_to", "address_return"):
            if body.get(name) is not None:
                setattr(shipment, name, _address(body[name], name))
        if body.get("customer_info") is not None:
            info = body["customer_info"]
            if not isinstance(info, dict):
                raise bad_request("customer_info must be an object")
            ordered = {"address": info.get("address"), "phone": info.get("phone"), "email": info.get("email")}
            ordered.update({k: v for k, v in info.items() if k not in ordered})
            shipment.customer_info = {k: copy.deepcopy(v) for k, v in ordered.items() if v}
        if body.get("meta") is not None:
            if not isinstance(body["meta"], dict):
                raise bad_request("meta must be an object")
            shipment.meta = {str(k): str(v) for k, v in body["meta"].items()}
        contents = body.get("contents")
        if contents is not None:
            if not isinstance(contents, dict):
                raise bad_request("contents must be an object")
            goods = contents.get("goods") or []
            if not isinstance(goods, list):
                raise bad_request("contents.goods must be a list")
            try:
                shipment.goods = [Good.from_request(g) for g in goods]
            except ValueError as exc:
                raise bad_request(f"contents.goods: {exc}") from exc
            shipment.description = str(contents.get("description") or "")

    # ------------------------------------------------------------------------------------ methods

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"shipment": self._create(body).to_json()}

    def _create(self, body: dict[str, Any]) -> Shipment:
        tos_id = body.get("tos_id") or ""
        if not isinstance(tos_id, str):
            raise bad_request("tos_id must be a string")
        parcels = body.get("number_of_parcels", 1)
        try:
            parcels = 1 if parcels in (None, 0, "0") else model._int_field(parcels, "number_of_parcels")
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        if not 1 <= parcels <= MAX_PARCELS:
            raise bad_request(f"number_of_parcels must be 1..{MAX_PARCELS}")
        merged: dict[str, Any] = {}
        if tos_id:
            order = self.tos_orders.get(tos_id)
            if order is None and not body.get("address_to"):
                raise ApiError(404, NOT_FOUND, f"order {tos_id} not found")
            # Ingrid fills the shipment from the Delivery Checkout order; the request overrides it.
            merged.update(copy.deepcopy(order or {}))
        merged.update({k: v for k, v in body.items() if v is not None})
        if "number_of_parcels" not in body and merged.get("number_of_parcels"):
            parcels = int(merged["number_of_parcels"])
        for name in ("external_id", "tos_id"):
            value = merged.get(name)
            if value and self.unique_order_ids and self._live_with(name, value):
                raise ApiError(409, ALREADY_EXISTS, f"a shipment with {name} {value} already exists")
        now = model.now_text()
        shipment = Shipment(id=str(uuid.uuid4()), site_id=self.site_id, created_at=now, updated_at=now)
        self._apply_fields(shipment, merged)
        shipment.tos_id = tos_id
        if not shipment.address_to:
            raise bad_request("address_to is required (or a known tos_id)")
        if not shipment.shipping_method:
            raise bad_request("shipping_method is required")
        if not shipment.address_from:
            raise bad_request("address_from is required")
        shipment.shipping_date = shipment.shipping_date or now
        for lines in model.split_goods(shipment.goods, parcels):
            self._new_parcel(shipment, lines, now)
        self.shipments[shipment.id] = shipment
        return shipment

    def _live_with(self, name: str, value: str) -> bool:
        return any(getattr(s, name) == value and not s.cancelled for s in self.shipments.values())

    def book_parcels(self, body: dict[str, Any]) -> dict[str, Any]:
        shipment = self._shipment(body.get("shipment_id"))
        if shipment.cancelled:
            raise ApiError(409, FAILED_PRECONDITION, "shipment is cancelled")
        to_book = [d for d in shipment.deliveries() if d.status == CREATED]
        if not to_book:
            raise ApiError(409, FAILED_PRECONDITION, "all parcels of this shipment are already booked")
        now = model.now_text()
        for delivery in to_book:
            self._book(shipment, delivery, now)
        shipment.booked = True
        shipment.updated_at = now
        return {"shipment": shipment.to_json()}

    def create_and_book(self, body: dict[str, Any]) -> dict[str, Any]:
        shipment = self._create(body)
        now = model.now_text()
        for delivery in shipment.deliveries():
            self._book(shipment, delivery, now)
            delivery.status = PICKUP
        shipment.booked = True
        return {"shipment": shipment.to_json()}

    def get_shipment(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("id"):
            return {"shipment": self._shipment(query["id"]).to_json()}
        for name in ("external_id", "tos_id"):
            if query.get(name):
                shipment = self.find_shipment(**{name: query[name]})
                if shipment is None:
                    raise ApiError(404, NOT_FOUND, f"shipment with {name} {query[name]} not found")
                return {"shipment": shipment.to_json()}
        raise bad_request("one of id, external_id or tos_id is required")

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        shipment = self._shipment(body.get("shipment_id"))
        if shipment.cancelled:
            raise ApiError(409, FAILED_PRECONDITION, "shipment is cancelled")
        if any(d.status == PICKUP for d in shipment.deliveries()):
            raise ApiError(409, FAILED_PRECONDITION, "shipment is already handed over for pickup")
        fields = {k: v for k, v in body.items() if k not in ("shipment_id", "tos_id", "number_of_parcels")}
        self._apply_fields(shipment, fields)
        shipment.updated_at = model.now_text()
        return {"shipment": shipment.to_json()}

    def cancel_shipment(self, body: dict[str, Any]) -> dict[str, Any]:
        shipment = self._shipment(body.get("shipment_id"))
        if any(d.status == PICKUP for d in shipment.deliveries()):
            raise ApiError(409, FAILED_PRECONDITION, "cannot cancel: a delivery is already booked for pickup")
        now = model.now_text()
        for delivery in shipment.deliveries():
            if delivery.status != CANCELLED:
                delivery.status = CANCELLED
                delivery.updated_at = now
        shipment.cancelled = True
        shipment.updated_at = now
        return {"shipment": shipment.to_json()}

    def add_parcel(self, body: dict[str, Any]) -> dict[str, Any]:
        # The reference's own example sends a site_id other than the shipment's: it is not checked.
        shipment = self._shipment(body.get("shipment_id"))
        if shipment.cancelled:
            raise ApiError(409, FAILED_PRECONDITION, "shipment is cancelled")
        now = model.now_text()
        template = shipment.parcels[0] if shipment.parcels else None
        parcel = self._new_parcel(shipment, [], now)
        if template is not None:
            parcel.weight = template.weight
            parcel.dimensions = dict(template.dimensions) if template.dimensions else None
        if shipment.booked:
            for delivery in parcel.deliveries:
                self._book(shipment, delivery, now)
        shipment.updated_at = now
        return {"shipment": shipment.to_json()}

    def book_pickup(self, body: dict[str, Any]) -> dict[str, Any]:
        shipment, delivery = self.find_delivery(body.get("tracking_number"))
        if delivery.status == CANCELLED:
            raise ApiError(409, FAILED_PRECONDITION, "delivery is cancelled")
        if delivery.status == BOOKED:
            delivery.status = PICKUP
            delivery.updated_at = model.now_text()
        return {"delivery": delivery.to_json(shipment)}

    def get_delivery(self, query: dict[str, str]) -> dict[str, Any]:
        shipment, delivery = self.find_delivery(query.get("tracking_number"))
        return {"delivery": delivery.to_json(shipment)}

    def cancel_delivery(self, body: dict[str, Any]) -> dict[str, Any]:
        shipment, delivery = self.find_delivery(body.get("tracking_number"))
        if delivery.status == PICKUP:
            raise ApiError(409, FAILED_PRECONDITION, "cannot cancel a delivery after pickup was booked")
        if delivery.status != CANCELLED:
            delivery.status = CANCELLED
            delivery.updated_at = model.now_text()
        return {"delivery": delivery.to_json(shipment)}

    def register_tracking_number(self, body: dict[str, Any]) -> dict[str, Any]:
        _require_str(body, "tracking_number")
        _require_str(body, "carrier_product_ref")
        if not body.get("external_id") and not body.get("tos_id"):
            raise bad_request("external_id or tos_id is required")
        self.events.append({"method": "events.registerTrackingNumber", **copy.deepcopy(body)})
        return {}

    def publish_tracking_event(self, body: dict[str, Any]) -> dict[str, Any]:
        _require_str(body, "tracking_number")
        _require_str(body, "tracking_status")
        if body.get("occurred_at"):
            try:
                model.normalize_time(body["occurred_at"])
            except ValueError as exc:
                raise bad_request(str(exc)) from exc
        self.events.append({"method": "events.publishTrackingEvent", **copy.deepcopy(body)})
        return {}


# (path, HTTP method) -> (method name, handler name). GET handlers get the query, POST ones the body.
ROUTES: dict[str, tuple[str, str]] = {
    "/v1/som/shipments.create": ("POST", "create"),
    "/v1/som/shipments.bookParcels": ("POST", "book_parcels"),
    "/v1/som/shipments.createAndBook": ("POST", "create_and_book"),
    "/v1/som/shipments.update": ("POST", "update"),
    "/v1/som/shipments.cancel": ("POST", "cancel_shipment"),
    "/v1/som/shipments.add_parcel": ("POST", "add_parcel"),
    "/v1/som/shipments.get": ("GET", "get_shipment"),
    "/v1/som/deliveries.bookPickup": ("POST", "book_pickup"),
    "/v1/som/deliveries.get": ("GET", "get_delivery"),
    "/v1/som/deliveries.cancel": ("POST", "cancel_delivery"),
    "/v1/events_gateway/events.registerTrackingNumber": ("POST", "register_tracking_number"),
    "/v1/events_gateway/events.publishTrackingEvent": ("POST", "publish_tracking_event"),
}
