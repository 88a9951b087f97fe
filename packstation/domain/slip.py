"""Packing slips: what is in the order, for the customer, in the customer's language where known.

``slip_from_shipment`` reads a SOM ``Shipment`` (order id = ``external_id``, else ``tos_id``, else the
shipment id; the customer and country from ``customer_info``/``address_to``; lines from ``line_items`` or
``contents.goods``); ``PackingSlip`` can also be built directly. The language follows the delivery country
(SE sv, NO nb, DK da, FI fi, AX sv, anything else en), unless given. ``slip_lines`` lays the slip out for a
receipt printer, with a QR code of the order id so returns desks can scan it. Pure: no printing here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import msgspec

from packstation.domain.receipt import WIDTH_80MM, PrintLine, clean, fit, rule, two_columns, wrap

COUNTRY_LANGUAGES = {"SE": "sv", "NO": "nb", "DK": "da", "FI": "fi", "AX": "sv"}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "PACKING SLIP",
        "order": "Order",
        "date": "Date",
        "customer": "Customer",
        "ship_to": "Ship to",
        "qty": "Qty",
        "item": "Item",
        "items": "Items",
        "boxes": "Boxes",
        "tracking": "Tracking",
        "thanks": "Thank you for your order!",
        "returns": "Keep this slip for returns.",
    },
    "sv": {
        "title": "FÖLJESEDEL",
        "order": "Order",
        "date": "Datum",
        "customer": "Kund",
        "ship_to": "Leveransadress",
        "qty": "Antal",
        "item": "Artikel",
        "items": "Artiklar",
        "boxes": "Kolli",
        "tracking": "Spårning",
        "thanks": "Tack för din beställning!",
        "returns": "Spara följesedeln vid retur.",
    },
    "nb": {
        "title": "PAKKSEDDEL",
        "order": "Ordre",
        "date": "Dato",
        "customer": "Kunde",
        "ship_to": "Leveringsadresse",
        "qty": "Antall",
        "item": "Vare",
        "items": "Varer",
        "boxes": "Kolli",
        "tracking": "Sporing",
        "thanks": "Takk for din bestilling!",
        "returns": "Ta vare på pakkseddelen ved retur.",
    },
    "da": {
        "title": "FØLGESEDDEL",
        "order": "Ordre",
        "date": "Dato",
        "customer": "Kunde",
        "ship_to": "Leveringsadresse",
        "qty": "Antal",
        "item": "Vare",
        "items": "Varer",
        "boxes": "Kolli",
        "tracking": "Sporing",
        "thanks": "Tak for din bestilling!",
        "returns": "Gem følgesedlen ved returnering.",
    },
    "fi": {
        "title": "LÄHETYSLISTA",
        "order": "Tilaus",
        "date": "Päivämäärä",
        "customer": "Asiakas",
        "ship_to": "Toimitusosoite",
        "qty": "Määrä",
        "item": "Tuote",
        "items": "Tuotteet",
        "boxes": "Kollit",
        "tracking": "Seuranta",
        "thanks": "Kiitos tilauksestasi!",
        "returns": "Säilytä lähetyslista palautusta varten.",
    },
}


def language_for_country(country: str | None) -> str:
    """The slip language for an ISO 3166 country code ("SE" → "sv"); English when unknown."""
    return COUNTRY_LANGUAGES.get((country or "").strip().upper(), "en")


class SlipLine(msgspec.Struct, frozen=True):
    name: str
    quantity: int = 1
    sku: str | None = None


class PackingSlip(msgspec.Struct, frozen=True):
    order_id: str
    lines: tuple[SlipLine, ...] = ()
    customer: str | None = None
    address: tuple[str, ...] = ()
    country: str | None = None
    boxes: int = 1
    tracking_numbers: tuple[str, ...] = ()
    day: date | None = None
    language: str | None = None  # None: from the country
    tracked: tuple[str, ...] = ()  # lots, serials, expiry dates of the packed units (TrackedUnit.describe)

    @property
    def lang(self) -> str:
        if self.language in TEXTS:
            return self.language
        return language_for_country(self.country)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def slip_from_shipment(
    shipment: Any,
    *,
    boxes: int | None = None,
    day: date | None = None,
    language: str | None = None,
    tracked: tuple[str, ...] = (),
) -> PackingSlip:
    """A slip for a SOM ``Shipment`` (``domain.models``); ``boxes`` defaults to its parcel count."""
    order_id = shipment.external_id or shipment.tos_id or shipment.id
    info = shipment.customer_info
    address = shipment.address_to or (info.address if info else None)
    customer = (info.name if info else None) or (address.name if address else None)
    items = shipment.line_items or (shipment.contents.goods if shipment.contents else ())
    lines = tuple(
        SlipLine(name=item.name or item.sku or "?", quantity=item.quantity, sku=item.sku)
        for item in items
        if item.quantity > 0
    )
    return PackingSlip(
        order_id=str(order_id),
        lines=lines,
        customer=customer,
        address=_address_lines(address),
        country=address.country if address else None,
        boxes=boxes if boxes is not None else max(1, len(shipment.parcels)),
        tracking_numbers=tuple(p.tracking_number for p in shipment.parcels_in_order() if p.tracking_number),
        day=day,
        language=language,
        tracked=tracked,
    )


def _address_lines(address: Any) -> tuple[str, ...]:
    if address is None:
        return ()
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    parts: Iterable[str | None] = (*address.address_lines, place, address.country)
    return tuple(clean(p) for p in parts if p and clean(p))


def slip_lines(slip: PackingSlip, width: int = WIDTH_80MM, *, qr: bool = True) -> list[PrintLine]:
    """The slip for a receipt printer, in the slip's language."""
    t = TEXTS[slip.lang]
    lines = [
        PrintLine(fit(t["title"], width // 2), bold=True, large=True, center=True),
        PrintLine(),
        PrintLine(
            two_columns(f"{t['order']}: {slip.order_id}", slip.day.isoformat() if slip.day else "", width),
            bold=True,
        ),
    ]
    if slip.customer:
        lines.append(PrintLine(fit(f"{t['customer']}: {slip.customer}", width)))
    if slip.address:
        lines.append(PrintLine(fit(f"{t['ship_to']}:", width)))
        lines += [PrintLine("  " + fit(part, width - 2)) for part in slip.address]
    lines.append(rule(width))
    qty_width = max(len(t["qty"]), 3)
    lines.append(PrintLine(f"{t['qty']:>{qty_width}}  {fit(t['item'], width - qty_width - 2)}", bold=True))
    name_width = width - qty_width - 2
    for line in slip.lines:
        name_parts = wrap(line.name, name_width)
        lines.append(PrintLine(f"{line.quantity:>{qty_width}}  {name_parts[0]}"))
        lines += [PrintLine(" " * (qty_width + 2) + part) for part in name_parts[1:]]
        if line.sku and line.sku != line.name:
            lines.append(PrintLine(" " * (qty_width + 2) + fit(line.sku, name_width)))
    if slip.tracked:
        lines.append(PrintLine(fit(t.get("tracked", "Lots and serials") + ":", width), bold=True))
        for described in slip.tracked:
            lines += [PrintLine("  " + part) for part in wrap(described, width - 2)]
    lines.append(rule(width))
    lines.append(PrintLine(two_columns(f"{t['items']}:", str(slip.item_count), width)))
    lines.append(PrintLine(two_columns(f"{t['boxes']}:", str(slip.boxes), width)))
    for number in slip.tracking_numbers:
        lines.append(PrintLine(two_columns(f"{t['tracking']}:", number, width)))
    lines.append(PrintLine())
    if qr and slip.order_id:
        lines.append(PrintLine(qr=slip.order_id, center=True))
        lines.append(PrintLine(fit(slip.order_id, width), center=True))
    lines.append(PrintLine())
    lines.append(PrintLine(fit(t["thanks"], width), bold=True, center=True))
    lines += [PrintLine(part, center=True) for part in wrap(t["returns"], width)]
    return lines
