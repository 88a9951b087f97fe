"""Request bodies: only the fields Ingrid documents are sent, and None values are dropped.

The schemas below mirror the request examples of the SOM reference (and the checkout reference's
Address). Undocumented keys are dropped (and logged at INFO) rather than sent: Ingrid may reject or,
worse, silently interpret them. Datetimes become ISO 8601 strings.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from packstation.domain.models import format_datetime

log = logging.getLogger(__name__)

# A schema maps a key to None (plain value), to a nested schema (object), or to a one-element
# list holding the schema of its items (list of objects).
Schema = dict[str, Any]

ADDRESS: Schema = dict.fromkeys(
    ("name", "care_of", "attn", "address_lines", "city", "region", "postal_code", "country", "door_code")
)
CUSTOMER_INFO: Schema = {"name": None, "email": None, "phone": None, "address": ADDRESS}
DIMENSIONS: Schema = dict.fromkeys(("length", "width", "height"))
GOOD: Schema = {
    "sku": None,
    "name": None,
    "quantity": None,
    "weight": None,
    "dimensions": DIMENSIONS,
    "tags": None,
}
CONTENTS: Schema = {"description": None, "goods": [GOOD]}

_SHIPMENT_COMMON: Schema = {
    "shipping_method": None,
    "shipment_value": None,
    "shipping_date": None,
    "external_id": None,
    "location_ref": None,
    "customer_info": CUSTOMER_INFO,
    "address_to": ADDRESS,
    "address_from": ADDRESS,
    "address_return": ADDRESS,
    "meta": None,  # free-form string map
}
CREATE: Schema = {
    **_SHIPMENT_COMMON,
    "tos_id": None,
    "number_of_parcels": None,
    "contents": CONTENTS,
    "direction_type": None,
}
UPDATE: Schema = {"shipment_id": None, **_SHIPMENT_COMMON}

SCHEMAS: dict[str, Schema] = {
    "shipments.create": CREATE,
    "shipments.createAndBook": CREATE,
    "shipments.update": UPDATE,
}


def clean_request(method: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` reduced to the documented fields of ``method`` (others unchanged but for None/datetimes)."""
    if not isinstance(body, dict):
        raise TypeError(f"{method}: the request must be a dict, not {type(body).__name__}")
    schema = SCHEMAS.get(method)
    dropped: list[str] = []
    cleaned = _clean(body, schema, "", dropped)
    if dropped:
        log.info("%s: not sending undocumented fields %s", method, ", ".join(dropped))
    return cleaned


def _clean(value: Any, schema: Any, path: str, dropped: list[str]) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(schema, dict):
                if key not in schema:
                    dropped.append(f"{path}{key}")
                    continue
                out[key] = _clean(item, schema[key], f"{path}{key}.", dropped)
            else:
                out[key] = _clean(item, None, f"{path}{key}.", dropped)
        return out
    if isinstance(value, list | tuple):
        item_schema = schema[0] if isinstance(schema, list) and schema else None
        return [_clean(item, item_schema, f"{path}[].", dropped) for item in value if item is not None]
    return value
