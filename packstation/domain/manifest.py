"""The end-of-day manifest: every parcel handed to the carriers, grouped by carrier and shipping method.

``build_manifest`` takes the station's booked deliveries (``ManifestEntry`` or plain dicts, as the store
gives them), the station's name and the day, and groups them by carrier and shipping method with parcel
counts and total weight. ``manifest_lines`` lays it out for a receipt printer (48 or 42 characters per
line), ``manifest_csv`` as CSV text for a spreadsheet or the carrier. Pure: the ESC/POS bytes and the PDF
are made in ``adapters.manifest_output``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import msgspec

from packstation.domain.receipt import WIDTH_80MM, PrintLine, fit, rule, two_columns
from packstation.domain.scale import format_grams

# Ingrid shipping methods are "<carrier>-<product>" ("pnl-mpc"); the prefix names the carrier.
CARRIER_PREFIXES = {
    "pnl": "PostNord",
    "postnord": "PostNord",
    "dhl": "DHL",
    "dhlexp": "DHL Express",
    "bring": "Bring",
    "budbee": "Budbee",
    "instabox": "Instabox",
    "airmee": "Airmee",
    "ups": "UPS",
    "fedex": "FedEx",
    "dbs": "DB Schenker",
    "schenker": "DB Schenker",
    "gls": "GLS",
    "dao": "DAO",
    "posti": "Posti",
    "matkahuolto": "Matkahuolto",
    "helthjem": "Helthjem",
    "porterbuddy": "Porterbuddy",
    "earlybird": "Early Bird",
    "citymail": "Citymail",
    "bpost": "bpost",
    "dpd": "DPD",
}
UNKNOWN_METHOD = "(no shipping method)"
CSV_COLUMNS = (
    "date",
    "station",
    "carrier",
    "shipping_method",
    "tracking_number",
    "order_id",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "lots_serials",  # the box's lots, serials and expiry dates (TrackedUnit.describe, "; " between)
)


class ManifestError(ValueError):
    """A delivery that cannot go on the manifest (no tracking number, unreadable weight)."""


class ManifestEntry(msgspec.Struct, frozen=True):
    """One booked parcel. ``dimensions`` are length, width, height in millimetres."""

    tracking_number: str
    shipping_method: str | None = None
    carrier: str | None = None
    order_id: str | None = None
    weight_g: int | None = None
    dimensions: tuple[int, int, int] | None = None
    shipment_id: str | None = None
    lots_serials: str = ""

    @property
    def carrier_name(self) -> str:
        return self.carrier or carrier_name(self.shipping_method)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ManifestEntry:
        """Read a dict as the store or an API document gives it; missing optional fields are fine."""
        if not isinstance(data, Mapping):
            raise ManifestError(f"a manifest entry must be a mapping, got {type(data).__name__}")
        tracking = _text(data.get("tracking_number"))
        if not tracking:
            raise ManifestError(
                f"delivery without a tracking number cannot go on the manifest: {_brief(data)}"
            )
        order = next(
            (_text(data.get(k)) for k in ("order_id", "external_id", "order") if _text(data.get(k))), None
        )
        weight = data.get("weight_g", data.get("weight"))
        return cls(
            tracking_number=tracking,
            shipping_method=_text(data.get("shipping_method")),
            carrier=_text(data.get("carrier")),
            order_id=order,
            weight_g=_grams(weight, tracking),
            dimensions=_dimensions(data.get("dimensions", data.get("box_dimensions")), tracking),
            shipment_id=_text(data.get("shipment_id")),
        )


class ManifestGroup(msgspec.Struct, frozen=True):
    carrier: str
    shipping_method: str
    entries: tuple[ManifestEntry, ...]

    @property
    def parcel_count(self) -> int:
        return len(self.entries)

    @property
    def total_weight_g(self) -> int:
        return sum(e.weight_g or 0 for e in self.entries)

    @property
    def unweighed_count(self) -> int:
        return sum(1 for e in self.entries if e.weight_g is None)


class Manifest(msgspec.Struct, frozen=True):
    station: str
    day: date
    groups: tuple[ManifestGroup, ...]
    created_at: datetime | None = None
    duplicates_dropped: tuple[str, ...] = ()

    @property
    def entries(self) -> tuple[ManifestEntry, ...]:
        return tuple(e for g in self.groups for e in g.entries)

    @property
    def parcel_count(self) -> int:
        return sum(g.parcel_count for g in self.groups)

    @property
    def total_weight_g(self) -> int:
        return sum(g.total_weight_g for g in self.groups)

    @property
    def unweighed_count(self) -> int:
        return sum(g.unweighed_count for g in self.groups)

    def carrier_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for group in self.groups:
            counts[group.carrier] = counts.get(group.carrier, 0) + group.parcel_count
        return counts


def carrier_name(shipping_method: str | None) -> str:
    """ "pnl-mpc" → "PostNord"; an unknown prefix is shown as written, upper-cased."""
    if not shipping_method:
        return "Unknown carrier"
    prefix = shipping_method.strip().split("-", 1)[0].lower()
    return CARRIER_PREFIXES.get(prefix, prefix.upper() or "Unknown carrier")


def build_manifest(
    deliveries: Iterable[ManifestEntry | Mapping[str, Any]],
    station: str,
    day: date,
    *,
    created_at: datetime | None = None,
) -> Manifest:
    """Group the deliveries by carrier and method (sorted), each parcel once (by tracking number)."""
    seen: set[str] = set()
    duplicates: list[str] = []
    grouped: dict[tuple[str, str], list[ManifestEntry]] = {}
    for item in deliveries:
        entry = item if isinstance(item, ManifestEntry) else ManifestEntry.from_mapping(item)
        if not entry.tracking_number:
            raise ManifestError("delivery without a tracking number cannot go on the manifest")
        if entry.tracking_number in seen:
            duplicates.append(entry.tracking_number)
            continue
        seen.add(entry.tracking_number)
        key = (entry.carrier_name, entry.shipping_method or UNKNOWN_METHOD)
        grouped.setdefault(key, []).append(entry)
    groups = tuple(
        ManifestGroup(
            carrier, method, tuple(sorted(items, key=lambda e: (e.order_id or "", e.tracking_number)))
        )
        for (carrier, method), items in sorted(grouped.items(), key=lambda kv: (kv[0][0].lower(), kv[0][1]))
    )
    return Manifest(clean_station(station), day, groups, created_at, tuple(duplicates))


def clean_station(station: str) -> str:
    return " ".join(str(station or "").split()) or "packstation"


# --- layouts ---------------------------------------------------------------------------------------


def _parcels(n: int) -> str:
    return f"{n} parcel" if n == 1 else f"{n} parcels"


def manifest_lines(manifest: Manifest, width: int = WIDTH_80MM, *, barcodes: bool = False) -> list[PrintLine]:
    """The manifest for a receipt printer: header, one block per group, totals, signature lines."""
    lines = [
        PrintLine(fit("PICKUP MANIFEST", width // 2), bold=True, large=True, center=True),
        PrintLine(fit(f"Station: {manifest.station}", width)),
        PrintLine(
            two_columns(
                f"Date: {manifest.day.isoformat()}",
                f"Printed {manifest.created_at:%H:%M}" if manifest.created_at else "",
                width,
            )
        ),
        rule(width, "="),
    ]
    if not manifest.groups:
        lines.append(PrintLine("No parcels to hand over.", bold=True))
    for group in manifest.groups:
        lines.append(PrintLine(fit(f"{group.carrier} - {group.shipping_method}", width), bold=True))
        lines.append(
            PrintLine(two_columns(_parcels(group.parcel_count), _group_weight(group), width), bold=True)
        )
        for entry in group.entries:
            lines.append(PrintLine(two_columns(entry.tracking_number, _entry_weight(entry), width)))
            detail = "  ".join(
                part for part in (f"Order {entry.order_id}" if entry.order_id else "", _dims(entry)) if part
            )
            if detail:
                lines.append(PrintLine("  " + fit(detail, width - 2)))
            if barcodes:
                lines.append(PrintLine(barcode=entry.tracking_number))
        lines.append(rule(width))
    lines.append(
        PrintLine(
            two_columns(
                f"TOTAL {_parcels(manifest.parcel_count)}", _weight_text(manifest.total_weight_g), width
            ),
            bold=True,
        )
    )
    for carrier, count in manifest.carrier_counts().items():
        lines.append(PrintLine("  " + two_columns(carrier, _parcels(count), width - 2)))
    if manifest.unweighed_count:
        lines.append(PrintLine(fit(f"{_parcels(manifest.unweighed_count)} without weight", width)))
    lines += [
        PrintLine(),
        PrintLine("Driver: " + "_" * (width - 8)),
        PrintLine(),
        PrintLine("Packer: " + "_" * (width - 8)),
    ]
    return lines


def manifest_csv(manifest: Manifest) -> str:
    """One row per parcel with a header row (RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for group in manifest.groups:
        for entry in group.entries:
            dims = entry.dimensions or (None, None, None)
            writer.writerow(
                [
                    manifest.day.isoformat(),
                    manifest.station,
                    group.carrier,
                    group.shipping_method,
                    entry.tracking_number,
                    entry.order_id or "",
                    "" if entry.weight_g is None else entry.weight_g,
                    *("" if d is None else d for d in dims),
                    entry.lots_serials,
                ]
            )
    return buffer.getvalue()


def _weight_text(grams: int) -> str:
    return format_grams(grams)


def _group_weight(group: ManifestGroup) -> str:
    if group.unweighed_count == group.parcel_count:
        return "no weight"
    return format_grams(group.total_weight_g)


def _entry_weight(entry: ManifestEntry) -> str:
    return "no weight" if entry.weight_g is None else format_grams(entry.weight_g)


def _dims(entry: ManifestEntry) -> str:
    if not entry.dimensions:
        return ""
    length, width, height = entry.dimensions
    return f"{length}x{width}x{height} mm"


# --- tolerant field readers --------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _brief(data: Mapping[str, Any]) -> str:
    keys = ("order_id", "external_id", "shipment_id", "id")
    shown = {k: data.get(k) for k in keys if data.get(k)}
    return str(shown) if shown else "(no identifiers)"


def _grams(value: Any, tracking: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        grams = int(str(value).strip())
    except ValueError:
        raise ManifestError(f"{tracking}: weight {value!r} is not a number of grams") from None
    if grams < 0:
        raise ManifestError(f"{tracking}: weight must not be negative, got {grams}")
    return grams or None


def _dimensions(value: Any, tracking: str) -> tuple[int, int, int] | None:
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        parts = [value.get("length"), value.get("width"), value.get("height")]
    elif hasattr(value, "length") and hasattr(value, "width") and hasattr(value, "height"):
        parts = [value.length, value.width, value.height]
    elif isinstance(value, list | tuple) and len(value) == 3:
        parts = list(value)
    else:
        raise ManifestError(f"{tracking}: box dimensions {value!r} are not length, width, height")
    if any(p is None or p == "" for p in parts):
        return None
    try:
        length, width, height = (int(str(p).strip()) for p in parts)
    except ValueError:
        raise ManifestError(f"{tracking}: box dimensions {value!r} are not whole millimetres") from None
    return (length, width, height)
