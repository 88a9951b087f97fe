"""The order as the packing bench needs it, box-type presets, and the barcode alias table.

``PackingOrder`` is a flat, JSON-safe summary of a SOM shipment: the ids the order answers to, the
lines to pack (SKU, name, expected units), and header text for the screen. ``order_from_shipment``
builds it from ``models.Shipment``. The alias table maps item barcodes (EAN and the like) to SKUs; it
is imported from a CSV file ``barcode,sku`` whose text ``parse_alias_csv`` checks line by line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from packstation.domain.models import Shipment


@dataclass(frozen=True)
class OrderLine:
    sku: str
    name: str
    expected: int
    weight_g: int | None = None  # one unit's weight from the order's goods (None: not given)


@dataclass(frozen=True)
class PackingOrder:
    order_id: str  # what the packer sees and scans: external_id, else tos_id, else the shipment id
    shipment_id: str
    lines: tuple[OrderLine, ...]
    keys: tuple[str, ...] = ()  # every id the order answers to when scanned
    customer: str = ""
    shipping_method: str = ""
    destination: str = ""
    parcels_on_shipment: int = 0  # parcels already created on the shipment (box k takes parcel k)
    booked_parcels: int = 0  # of those, how many already have a tracking number (packed before?)

    def answers_to(self, key: str) -> bool:
        return key == self.order_id or key in self.keys

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "shipment_id": self.shipment_id,
            "lines": [[line.sku, line.name, line.expected, line.weight_g] for line in self.lines],
            "keys": list(self.keys),
            "customer": self.customer,
            "shipping_method": self.shipping_method,
            "destination": self.destination,
            "parcels_on_shipment": self.parcels_on_shipment,
            "booked_parcels": self.booked_parcels,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PackingOrder:
        return cls(
            order_id=str(data["order_id"]),
            shipment_id=str(data["shipment_id"]),
            lines=tuple(_line_from_json(line) for line in data["lines"]),
            keys=tuple(str(k) for k in data.get("keys", ())),
            customer=str(data.get("customer", "")),
            shipping_method=str(data.get("shipping_method", "")),
            destination=str(data.get("destination", "")),
            parcels_on_shipment=int(data.get("parcels_on_shipment", 0)),
            booked_parcels=int(data.get("booked_parcels", 0)),
        )


def _line_from_json(data: list[Any]) -> OrderLine:
    sku, name, expected = data[0], data[1], data[2]
    weight = data[3] if len(data) > 3 else None  # snapshots before weights had three cells
    return OrderLine(str(sku), str(name), int(expected), None if weight is None else int(weight))


def order_from_shipment(shipment: Shipment) -> PackingOrder:
    """The packing view of a shipment. Lines with the same SKU are merged; zero-quantity lines are
    dropped; a line without a SKU is packed by its name (a person can type it) so no unit is lost."""
    items = shipment.line_items or (shipment.contents.goods if shipment.contents else ())
    merged: dict[str, list[Any]] = {}
    for index, item in enumerate(items):
        if item.quantity <= 0:
            continue
        sku = (item.sku or item.name or f"LINE-{index + 1}").strip()
        weight = getattr(item, "weight", None)
        if sku in merged:
            merged[sku][1] += item.quantity
            merged[sku][2] = merged[sku][2] or weight
        else:
            merged[sku] = [item.name or "", item.quantity, weight]
    lines = tuple(
        OrderLine(sku, name, qty, weight if isinstance(weight, int) and weight > 0 else None)
        for sku, (name, qty, weight) in merged.items()
    )

    keys = tuple(dict.fromkeys(k for k in (shipment.external_id, shipment.tos_id, shipment.id) if k))
    address = shipment.address_to or (shipment.customer_info.address if shipment.customer_info else None)
    customer = (shipment.customer_info.name if shipment.customer_info else None) or (
        address.name if address else None
    )
    destination = ""
    if address is not None:
        place = " ".join(p for p in (address.postal_code, address.city) if p)
        destination = ", ".join(p for p in (place, address.country) if p)
    booked = sum(1 for p in shipment.parcels if p.tracking_number)
    return PackingOrder(
        order_id=shipment.external_id or shipment.tos_id or shipment.id,
        shipment_id=shipment.id,
        lines=lines,
        keys=keys,
        customer=customer or "",
        shipping_method=shipment.shipping_method or "",
        destination=destination,
        parcels_on_shipment=len(shipment.parcels),
        booked_parcels=booked,
    )


@dataclass(frozen=True)
class BoxType:
    """A box-type preset, scanned as ``BOX:<code>``. Outer dimensions in millimetres."""

    code: str
    name: str
    length_mm: int
    width_mm: int
    height_mm: int

    @property
    def barcode(self) -> str:
        return f"BOX:{self.code}"

    @property
    def dims_mm(self) -> tuple[int, int, int]:
        return (self.length_mm, self.width_mm, self.height_mm)


DEFAULT_BOX_TYPES: tuple[BoxType, ...] = (
    BoxType("S", "Small box", 250, 175, 100),
    BoxType("M", "Medium box", 350, 250, 150),
    BoxType("L", "Large box", 450, 350, 250),
)


class AliasCsvError(ValueError):
    """The alias CSV cannot be imported; ``problems`` lists every bad line ("line 3: ...")."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:10]
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__("barcode alias file: " + "; ".join(shown) + more)
        self.problems = problems


def parse_alias_csv(text: str) -> dict[str, str]:
    """Parse ``barcode,sku`` lines into {barcode: sku}.

    Accepted: an optional header row ``barcode,sku``, blank lines and ``#`` comments, a UTF-8 BOM, ``;``
    instead of ``,`` (spreadsheets in many locales), trailing empty cells. Refused, with line numbers:
    missing cells, extra filled cells, and one barcode mapped to two different SKUs.
    """
    text = text.lstrip("\ufeff")
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    delimiter = ";" if ";" in first and "," not in first else ","
    aliases: dict[str, str] = {}
    where: dict[str, int] = {}
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. an unclosed quote
            problems.append(f"line {reader.line_num}: {exc}")
            break
        number = reader.line_num
        cells = [c.strip() for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells or cells[0].startswith("#"):
            continue
        if [c.lower() for c in cells] == ["barcode", "sku"]:
            continue
        if len(cells) != 2 or not cells[0] or not cells[1]:
            problems.append(f"line {number}: expected 'barcode,sku', got {delimiter.join(row)!r}")
            continue
        barcode, sku = cells
        if barcode in aliases and aliases[barcode] != sku:
            problems.append(
                f"line {number}: barcode {barcode} is already mapped to {aliases[barcode]} "
                f"(line {where[barcode]}), not {sku}"
            )
            continue
        aliases[barcode] = sku
        where.setdefault(barcode, number)
    if problems:
        raise AliasCsvError(problems)
    return aliases
