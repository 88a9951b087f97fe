"""The SOM models read the exact response documents of the API reference (tests/fixtures/som)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from packstation.domain.models import (
    Address,
    Delivery,
    Dimensions,
    LineItem,
    ModelError,
    Parcel,
    Shipment,
    format_datetime,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "som"
SHIPMENT_DOCS = [
    "shipments.create",
    "shipments.bookParcels",
    "shipments.createAndBook",
    "shipments.get",
    "shipments.update",
    "shipments.add_parcel",
]
DELIVERY_DOCS = ["deliveries.bookPickup", "deliveries.get"]


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", SHIPMENT_DOCS)
def test_every_shipment_document_parses_and_round_trips(name):
    shipment = Shipment.from_api(load(name)["shipment"])
    assert shipment.id and shipment.site_id == "11756e4a98c64fa9a9c5d627fd88a236"
    assert shipment.external_id == "ACME12345"
    assert isinstance(shipment.shipment_value, int)
    assert all(isinstance(li.quantity, int) for li in shipment.line_items)
    assert shipment.shipping_method == "pnl-mpc"
    assert Shipment.from_api(shipment.to_json()) == shipment
    assert Shipment.from_api(json.loads(json.dumps(shipment.to_json()))) == shipment


@pytest.mark.parametrize("name", DELIVERY_DOCS)
def test_delivery_documents(name):
    delivery = Delivery.from_api(load(name)["delivery"])
    assert delivery.tracking_number == "00033333333000139047"
    assert delivery.label_url == "https://api.ingrid.com/v1/labels/path-to-generated-label.svg"
    assert delivery.tracking_url == "https://tracking.postnord.com/NO?id=00033333333000139047"
    assert delivery.delivery_status == "pickup"
    assert delivery.delivery_time is not None
    assert delivery.delivery_time.start is None  # 0001-01-01T00:00:00Z
    assert delivery.delivery_time.end == datetime(2024, 5, 15, 11, 47, 57, tzinfo=UTC)
    assert delivery.is_booked
    assert Delivery.from_api(delivery.to_json()) == delivery


def test_create_response_values_and_types():
    s = Shipment.from_api(load("shipments.create")["shipment"])
    assert s.shipment_value == 19900
    assert s.tos_id == "01HXXXXKCC2WP4BF400CT56HW7"
    assert s.direction_type == "OUTBOUND"
    assert s.shipping_date == datetime(2024, 5, 15, 11, 48, 1, tzinfo=UTC)
    assert s.meta == {"is_fragile": "true"}
    assert s.customer_info is not None and s.customer_info.email == "erik@example.com"
    assert s.customer_info.address == Address(
        care_of="Anders Ekman",
        address_lines=("Elvegata 12",),
        city="Sandnes",
        postal_code="4306",
        country="NO",
    )
    assert s.address_return is not None and s.address_return.address_lines == ("Bestumåsen 190",)
    item = s.line_items[0]
    assert item == LineItem(
        sku="SKU12345",
        name="Saucony Shadow 6000",
        quantity=1,
        weight=720,
        dimensions=Dimensions(length=600, width=300, height=250),
        tags=("shoes", "indigo", "class_one"),
    )
    assert s.contents is not None and s.contents.description == "Shoes inside"
    assert s.contents.goods == (item,)
    (parcel,) = s.parcels
    assert parcel.weight == 720 and parcel.dimensions == Dimensions(600, 300, 250)
    assert parcel.delivery is not None and parcel.delivery.delivery_status == "created"
    # Before bookParcels: no tracking number, no label
    assert parcel.tracking_number is None and parcel.delivery.label_url is None
    assert not s.is_booked
    assert s.created_at is not None and s.created_at.tzinfo is not None


def test_book_parcels_response_is_booked_with_tracking_and_label():
    s = Shipment.from_api(load("shipments.bookParcels")["shipment"])
    assert s.is_booked
    (delivery,) = s.deliveries
    assert delivery.tracking_number == "00033333333000139061"
    assert delivery.label_url == "https://api.ingrid.com/v1/labels/path-to-generated-label.svg"
    assert delivery.delivery_status == "booked"
    assert s.delivery_by_tracking_number("00033333333000139061") == delivery
    assert s.parcel(delivery.parcel_id or "") is s.parcels[0]


def test_update_response_has_label_url_but_no_tracking_number():
    s = Shipment.from_api(load("shipments.update")["shipment"])
    assert s.shipment_value == 27800
    assert s.meta == {"is_fragile": "true", "spring_promo": "true"}
    assert s.parcels[0].delivery is not None
    assert s.parcels[0].delivery.label_url is not None and s.parcels[0].tracking_number is None


def test_add_parcel_response_lists_two_parcels_in_order():
    s = Shipment.from_api(load("shipments.add_parcel")["shipment"])
    assert [p.id for p in s.parcels] == [
        "316b6769-b537-4dd9-96f1-a824e747f8bb",
        "ddee0942-e5d8-4a9b-a2d0-69c256e66d60",
    ]
    assert s.parcels_in_order() == list(s.parcels)
    assert all(p.line_items == () for p in s.parcels)  # parcels without line_items are fine
    assert s.contents is not None and s.contents.description is None
    assert s.direction_type is None and s.address_return is None


def test_parcels_in_order_sorts_by_created_at_stably():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    parcels = (
        Parcel(id="late", created_at=t0 + timedelta(minutes=5)),
        Parcel(id="none"),
        Parcel(id="a", created_at=t0),
        Parcel(id="b", created_at=t0),
    )
    assert [p.id for p in Shipment(id="s", parcels=parcels).parcels_in_order()] == ["a", "b", "late", "none"]


def test_tolerance_unknown_fields_missing_fields_numbers_both_ways():
    s = Shipment.from_api(
        {
            "id": "s1",
            "brand_new_field": {"nested": [1, 2]},
            "shipment_value": 100,
            "external_id": 12345,
            "parcels": [{"id": "p1", "weight": "1.5e3", "deliveries": [{"id": "d1", "tracking_number": ""}]}],
            "line_items": [{"quantity": "3", "weight": 10.4}],
            "meta": {"count": 2, "flag": True},
            "shipping_date": "2024-05-15T11:48:01.866Z",
        }
    )
    assert s.external_id == "12345"
    assert s.shipment_value == 100
    assert s.parcels[0].weight == 1500
    assert s.parcels[0].tracking_number is None  # "" before booking is the same as absent
    assert s.line_items[0].quantity == 3 and s.line_items[0].weight == 10
    assert s.meta == {"count": "2", "flag": "true"}
    assert s.shipping_date == datetime(2024, 5, 15, 11, 48, 1, 866000, tzinfo=UTC)
    assert s.customer_info is None and s.parcels_in_order()[0].id == "p1"
    # A shipment with nothing but its id parses; its parcels are unknown, not "none" (issue 12, item 5).
    assert Shipment.from_api({"id": "x"}) == Shipment(id="x", parcels_known=False)
    assert Shipment.from_api({"id": "x", "parcels": []}) == Shipment(id="x")


def test_times_zero_naive_and_offsets():
    window = Delivery.from_api(
        {"id": "d", "created_at": "2006-01-02T15:04:05+07:00", "updated_at": "2024-01-01T00:00:00"}
    )
    assert window.created_at == datetime(2006, 1, 2, 8, 4, 5, tzinfo=UTC)
    assert window.created_at.utcoffset() == timedelta(hours=7)
    assert window.updated_at == datetime(2024, 1, 1, tzinfo=UTC)  # naive is taken as UTC
    assert Delivery.from_api({"id": "d", "created_at": "0001-01-01T00:00:00Z"}).created_at is None
    assert format_datetime(datetime(2024, 5, 15, 11, 48, 1, tzinfo=UTC)) == "2024-05-15T11:48:01Z"
    plus7 = datetime(2006, 1, 2, 15, 4, 5, tzinfo=timezone(timedelta(hours=7)))
    assert format_datetime(plus7) == "2006-01-02T15:04:05+07:00"


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ([], "Shipment: expected an object, got list"),
        ({"site_id": "x"}, "Shipment.id: missing"),
        ({"id": "s", "parcels": {"id": "p"}}, "Shipment.parcels: expected a list"),
        (
            {"id": "s", "parcels": [{"id": "p", "weight": "heavy"}]},
            "Shipment.parcels[0].weight: expected a number",
        ),
        ({"id": "s", "line_items": [{"quantity": True}]}, "Shipment.line_items[0].quantity"),
        ({"id": "s", "line_items": [{"quantity": -1}]}, "must not be negative"),
        ({"id": "s", "shipping_date": "yesterday"}, "Shipment.shipping_date: expected an ISO 8601 time"),
        ({"id": "s", "shipping_date": 1715773681}, "Shipment.shipping_date"),
        ({"id": "s", "address_to": "Elvegata 11"}, "Shipment.address_to: expected an object"),
        ({"id": "s", "address_to": {"address_lines": "Elvegata 11"}}, "address_lines: expected a list"),
        ({"id": "s", "customer_info": {"email": ["a"]}}, "Shipment.customer_info.email: expected a string"),
        ({"id": "s", "meta": {"a": {"b": 1}}}, "Shipment.meta.a"),
        ({"id": "s", "shipment_value": float("nan")}, "shipment_value"),
        ({"id": ["s"]}, "Shipment.id: expected a string"),
    ],
)
def test_garbage_raises_one_model_error_naming_the_field(doc, fragment):
    with pytest.raises(ModelError) as info:
        Shipment.from_api(doc)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_models_are_frozen_and_hashable():
    s = Shipment.from_api(load("shipments.get")["shipment"])
    with pytest.raises(AttributeError):
        s.id = "other"  # type: ignore[misc]
    assert hash(s) == hash(Shipment.from_api(s.to_json()))
