"""Demo data: a small Nordic web shop's catalogue and orders, as a merchant backend would have sent them.

``DEMO_ORDERS`` (24 orders already created as SOM shipments, external ids ACME10001..., plus 4 orders
only known to Delivery Checkout by their ``tos_id``) and ``DEMO_CATALOGUE`` (SKU -> name, EAN-13,
weight, dimensions) are fixed: the same on every run, so demos and tests can name them.
The station uses ``barcode_aliases()`` to map the EAN-13 printed on each product to its SKU, and
``demo_catalogue()`` (those EANs with weights, plus an ITF-14 case of 4 candles) as its product catalogue;
``demo_sheet()`` lists what ``packstation print-commands --demo`` prints so a person can scan through the
demo with a real scanner: pick lists, product EAN-13s, the ITF-14 case code, and GS1-128 and GS1
DataMatrix symbols with expiry, lot and serial.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from packstation.domain import gs1
from packstation.domain.commands_sheet import SheetEntry, Symbology

WAREHOUSE = {
    "name": "Acme, Main Warehouse",
    "address_lines": ["Frihamnsgatan 56"],
    "postal_code": "11556",
    "city": "Stockholm",
    "country": "SE",
}

# sku, name, weight (g), (length, width, height) in mm, price (öre), tags
_PRODUCTS = [
    ("ACME-TEE-BLK-M", "Organic Tee, black, M", 180, (300, 250, 20), 24900, ["apparel"]),
    ("ACME-TEE-WHT-L", "Organic Tee, white, L", 190, (300, 250, 20), 24900, ["apparel"]),
    ("ACME-HOOD-GRY-M", "Hoodie, grey melange, M", 620, (350, 300, 60), 69900, ["apparel"]),
    ("ACME-JEANS-32-32", "Slim Jeans, indigo, 32/32", 680, (350, 300, 50), 89900, ["apparel"]),
    ("ACME-SOCK-3PK", "Wool Socks, 3-pack", 150, (200, 120, 40), 14900, ["apparel"]),
    ("ACME-CAP-NVY", "Cap, navy", 110, (250, 200, 120), 19900, ["accessories"]),
    ("ACME-BEANIE-RED", "Merino Beanie, red", 90, (220, 180, 30), 29900, ["accessories"]),
    ("ACME-SCARF-OAT", "Lambswool Scarf, oat", 210, (300, 200, 50), 49900, ["accessories"]),
    ("SKU12345", "Saucony Shadow 6000", 720, (600, 300, 250), 19900, ["shoes", "indigo", "class_one"]),
    ("ACME-RUN-42", "Trail Runner, size 42", 790, (330, 210, 120), 129900, ["shoes"]),
    ("ACME-BOOT-40", "Winter Boot, size 40", 1350, (360, 250, 150), 179900, ["shoes"]),
    ("ACME-SANDAL-38", "Sandal, size 38", 420, (300, 180, 100), 59900, ["shoes"]),
    ("ACME-BOTTLE-750", "Steel Bottle, 750 ml", 340, (280, 80, 80), 29900, ["outdoor"]),
    ("ACME-MUG-ENAMEL", "Enamel Mug", 220, (120, 120, 100), 14900, ["outdoor", "fragile"]),
    ("ACME-LAMP-HEAD", "Head Lamp, 400 lm", 160, (150, 100, 70), 39900, ["outdoor"]),
    ("ACME-SEAT-PAD", "Sit Pad, foam", 70, (400, 300, 20), 9900, ["outdoor"]),
    ("ACME-BAG-24L", "Day Pack, 24 l", 880, (450, 300, 150), 99900, ["bags"]),
    ("ACME-TOTE-CANVAS", "Canvas Tote", 260, (400, 350, 20), 19900, ["bags"]),
    ("ACME-WALLET-BRN", "Leather Wallet, brown", 95, (120, 100, 20), 39900, ["accessories"]),
    ("ACME-BELT-90", "Leather Belt, 90 cm", 240, (300, 120, 40), 44900, ["accessories"]),
    ("ACME-CANDLE-SOY", "Soy Candle, birch", 380, (100, 100, 110), 19900, ["home", "fragile"]),
    ("ACME-THROW-WOOL", "Wool Throw", 1200, (400, 300, 120), 119900, ["home"]),
    ("ACME-CUSHION-45", "Linen Cushion Cover, 45 cm", 230, (300, 250, 30), 29900, ["home"]),
    ("ACME-BOOK-FIKA", "Book: The Art of Fika", 520, (240, 170, 25), 24900, ["books"]),
]

DEMO_CATALOGUE: dict[str, dict[str, Any]] = {
    sku: {
        "name": name,
        "ean": gs1.make_ean13(f"735000{index + 1:06d}"),
        "weight": weight,
        "dimensions": {"length": dims[0], "width": dims[1], "height": dims[2]},
        "price": price,
        "tags": list(tags),
    }
    for index, (sku, name, weight, dims, price, tags) in enumerate(_PRODUCTS)
}

_CUSTOMERS = [
    ("Erik Johansson", "SE", "0761234561"),
    ("Ingrid Hansen", "NO", "+4791234567"),
    ("Mette Jensen", "DK", "+4522334455"),
    ("Aino Virtanen", "FI", "+358401234567"),
    ("Sofia Lindqvist", "SE", "0709876543"),
    ("Ole Nordmann", "NO", "+4740012345"),
    ("Rasmus Nielsen", "DK", "+4530112233"),
    ("Mikko Korhonen", "FI", "+358501112233"),
    ("Maja Karlsson", "SE", "0734455667"),
    ("Kari Olsen", "NO", "+4799887766"),
    ("Freja Pedersen", "DK", "+4540506070"),
    ("Laura Mäkinen", "FI", "+358445566778"),
    ("Oskar Nilsson", "SE", "0722233445"),
    ("Silje Haugen", "NO", "+4746123456"),
    ("Mads Christensen", "DK", "+4528765432"),
    ("Juha Nieminen", "FI", "+358407654321"),
    ("Elin Bergström", "SE", "0768899001"),
    ("Jonas Berg", "NO", "+4793344556"),
    ("Ida Sørensen", "DK", "+4561234567"),
    ("Venla Laine", "FI", "+358451234567"),
]
_PLACES = {
    "SE": [
        ("Industrigatan 5", "11239", "Stockholm"),
        ("Storgatan 12 B", "41118", "Göteborg"),
        ("Södra Förstadsgatan 28", "21143", "Malmö"),
        ("Kungsgatan 47", "75321", "Uppsala"),
        ("Rådhusesplanaden 14", "90326", "Umeå"),
    ],
    "NO": [
        ("Karl Johans gate 22", "0159", "Oslo"),
        ("Torgallmenningen 8", "5014", "Bergen"),
        ("Olav Tryggvasons gate 18", "7011", "Trondheim"),
        ("Elvegata 12", "4306", "Sandnes"),
        ("Storgata 94", "9008", "Tromsø"),
    ],
    "DK": [
        ("Vestergade 17", "1456", "København K"),
        ("Søndergade 40", "8000", "Aarhus C"),
        ("Kongensgade 33", "5000", "Odense C"),
        ("Bispensgade 21", "9000", "Aalborg"),
    ],
    "FI": [
        ("Mannerheimintie 12", "00100", "Helsinki"),
        ("Hämeenkatu 9", "33100", "Tampere"),
        ("Aurakatu 6", "20100", "Turku"),
        ("Kirkkokatu 15", "90100", "Oulu"),
    ],
}
_METHODS = {
    "SE": ["pnl-mpc", "budbee-home", "dhl-servicepoint"],
    "NO": ["bring-servicepoint", "pnl-mpc", "bring-home"],
    "DK": ["pnl-mpc", "dhl-parcel"],
    "FI": ["pnl-mpc", "budbee-home"],
}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_COUNT = 24
TOS_ONLY_COUNT = 4


def _make_orders() -> list[dict[str, Any]]:
    rng = random.Random(20240515)
    skus = list(DEMO_CATALOGUE)
    orders = []
    for index in range(ORDER_COUNT + TOS_ONLY_COUNT):
        name, country, phone = _CUSTOMERS[index % len(_CUSTOMERS)]
        street, postal_code, city = rng.choice(_PLACES[country])
        if index == 0:
            picked, quantities = ["SKU12345"], [1]  # the reference documents' order, for a first demo
        else:
            count = rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8])
            picked = rng.sample(skus, count)
            quantities = [rng.choice([1, 1, 1, 2, 2, 3, 4]) for _ in picked]
        units = sum(quantities)
        parcels = 3 if units >= 14 else 2 if units >= 7 else 1
        if index in (2, 7):
            parcels = max(parcels, 2)
        lines = [
            {
                "sku": sku,
                "name": DEMO_CATALOGUE[sku]["name"],
                "quantity": qty,
                "ean": DEMO_CATALOGUE[sku]["ean"],
                "weight": DEMO_CATALOGUE[sku]["weight"],
                "dimensions": dict(DEMO_CATALOGUE[sku]["dimensions"]),
                "tags": list(DEMO_CATALOGUE[sku]["tags"]),
            }
            for sku, qty in zip(picked, quantities, strict=True)
        ]
        address = {"address_lines": [street], "city": city, "postal_code": postal_code, "country": country}
        tos_only = index >= ORDER_COUNT
        external_id = f"ACME{10001 + index}"
        tos_id = "01HZ" + "".join(rng.choice(_CROCKFORD) for _ in range(22))
        orders.append(
            {
                "external_id": external_id,
                "tos_id": tos_id,
                "tos_only": tos_only,
                # What the pick list's barcode carries: the order number, or for orders the merchant
                # has not turned into shipments yet, the Delivery Checkout id.
                "pick_list": tos_id if tos_only else external_id,
                "shipping_method": rng.choice(_METHODS[country]),
                "number_of_parcels": parcels,
                "shipment_value": sum(DEMO_CATALOGUE[ln["sku"]]["price"] * ln["quantity"] for ln in lines),
                "customer_info": {
                    "name": name,
                    "email": name.split()[0].lower().replace("ä", "a").replace("ø", "o") + "@example.com",
                    "phone": phone,
                    "address": dict(address),
                },
                "address_to": {"name": name, **copy.deepcopy(address)},
                "address_from": dict(WAREHOUSE),
                "lines": lines,
            }
        )
    return orders


DEMO_ORDERS: list[dict[str, Any]] = _make_orders()


def barcode_aliases() -> dict[str, str]:
    """EAN-13 printed on each demo product -> its SKU."""
    return {item["ean"]: sku for sku, item in DEMO_CATALOGUE.items()}


# Case packs in the demo: (SKU, units); the case's ITF-14 is packaging indicator 1 + the unit's EAN body.
DEMO_CASE_PACKS = (("ACME-CANDLE-SOY", 4),)
SHEET_ORDERS = ("ACME10001", "ACME10002", "ACME10003", "ACME10004", "ACME10005", "ACME10006")


def case_code(sku: str) -> str:
    """The demo's ITF-14 (GTIN-14) for a case of ``sku``."""
    body = "1" + DEMO_CATALOGUE[sku]["ean"][:12]
    return body + str(gs1.gs1_check_digit(body))


def demo_catalogue() -> list[dict[str, Any]]:
    """Catalogue rows (``barcode, sku, name, units, weight_g``) as a merchant's export would give them."""
    rows = [
        {"barcode": item["ean"], "sku": sku, "name": item["name"], "units": 1, "weight_g": item["weight"]}
        for sku, item in DEMO_CATALOGUE.items()
    ]
    for sku, units in DEMO_CASE_PACKS:
        item = DEMO_CATALOGUE[sku]
        rows.append(
            {
                "barcode": case_code(sku),
                "sku": sku,
                "name": f"{item['name']} (case of {units})",
                "units": units,
                "weight_g": item["weight"] * units,
            }
        )
    return rows


def demo_sheet() -> list[SheetEntry]:
    """The demo's scan sheet: each sheet order's pick list (Code 128), then its products as real
    products carry them: EAN-13s, the case's ITF-14, and GS1 element strings (AI 01 GTIN, 17 expiry,
    10 lot, 21 serial) as GS1-128 and GS1 DataMatrix symbols (FNC1 first, GS between a variable-length
    field and the next). Each product code names the SKU it stands for in ``demo_catalogue()``."""
    orders = {order["external_id"]: order for order in DEMO_ORDERS}
    rows: list[SheetEntry] = []
    skus: dict[str, None] = {}
    for key in SHEET_ORDERS:
        order = orders[key]
        lines = ", ".join(f"{line['quantity']} x {line['sku']}" for line in order["lines"])
        rows.append(SheetEntry(order["pick_list"], f"Order {key}", lines))
        skus.update(dict.fromkeys(line["sku"] for line in order["lines"]))
    for sku in skus:
        item = DEMO_CATALOGUE[sku]
        rows.append(SheetEntry(item["ean"], item["name"], f"{sku} (EAN-13)", Symbology.EAN13, sku))
    for sku, units in DEMO_CASE_PACKS:
        name = f"Case of {units}: {DEMO_CATALOGUE[sku]['name']}"
        rows.append(SheetEntry(case_code(sku), name, f"{sku} (ITF-14)", Symbology.ITF14, sku))
    wallet_sku, candle_sku = "ACME-WALLET-BRN", "ACME-CANDLE-SOY"
    wallet = "0" + DEMO_CATALOGUE[wallet_sku]["ean"]
    rows.append(
        SheetEntry(
            f"(01){wallet}(17)271231(10)L4711",
            "Wallet, lot L4711",
            "GS1-128: GTIN, expiry 2027-12-31, lot",
            Symbology.GS1_128,
            wallet_sku,
        )
    )
    for serial in ("W0001", "W0002", "W0003"):
        rows.append(
            SheetEntry(
                f"(01){wallet}(17)271231(10)L4711(21){serial}",
                f"Wallet, serial {serial}",
                "GS1 DataMatrix: GTIN, expiry, lot, serial",
                Symbology.GS1_DATAMATRIX,
                wallet_sku,
            )
        )
    candle = "0" + DEMO_CATALOGUE[candle_sku]["ean"]
    rows.append(
        SheetEntry(
            f"(01){candle}(17)240101(10)L0042",
            "Candle, EXPIRED lot L0042",
            "GS1-128: expired 2024-01-01 (warns)",
            Symbology.GS1_128,
            candle_sku,
        )
    )
    return rows


def goods_from_lines(lines: list[Any]) -> list[dict[str, Any]]:
    """``contents.goods`` from (sku, name, qty) tuples or dicts; known SKUs get weight and size."""
    goods = []
    for line in lines:
        if isinstance(line, dict):
            sku, name, qty = line["sku"], line.get("name", ""), line.get("quantity", 1)
        else:
            sku, name, qty = line[0], line[1], line[2]
        good: dict[str, Any] = {"sku": sku, "name": name, "quantity": qty}
        known = DEMO_CATALOGUE.get(sku)
        if known:
            good.update(
                weight=known["weight"], dimensions=dict(known["dimensions"]), tags=list(known["tags"])
            )
        if isinstance(line, dict):
            good.update({k: v for k, v in line.items() if k in ("weight", "dimensions", "tags")})
        goods.append(good)
    return goods


def order_request(order: dict[str, Any]) -> dict[str, Any]:
    """The shipments.create body the merchant backend sends for a demo order."""
    return {
        "tos_id": order["tos_id"],
        "shipping_method": order["shipping_method"],
        "shipment_value": order["shipment_value"],
        "number_of_parcels": order["number_of_parcels"],
        "external_id": order["external_id"],
        "customer_info": copy.deepcopy(order["customer_info"]),
        "address_to": copy.deepcopy(order["address_to"]),
        "address_from": copy.deepcopy(order["address_from"]),
        "contents": {"description": "Acme web shop order", "goods": goods_from_lines(order["lines"])},
        "direction_type": "OUTBOUND",
    }
