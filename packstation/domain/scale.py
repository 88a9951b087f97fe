"""Weights for boxes: USB HID point-of-sale scale reports decoded, the close-box gate, manual entry.

A USB HID scale (usage page 0x8D "Scale") sends a six-byte data report, the layout that Dymo, Stamps.com,
Mettler Toledo and Fairbanks postal scales share::

    byte 0   report id (3 = scale data report)
    byte 1   status   (1 fault, 2 stable at zero, 3 in motion, 4 stable, 5 under zero, 6 over weight,
                       7 requires calibration, 8 requires re-zeroing)
    byte 2   unit     (HID "weight unit" selector: 1 mg, 2 g, 3 kg, 4 ct, 5 tael, 6 grain, 7 dwt,
                       8 metric ton, 9 avoir ton, 10 troy oz, 11 oz, 12 lb)
    byte 3   exponent (signed: the weight is ``data × 10^exponent`` units)
    byte 4-5 weight data, little-endian, unsigned

Some scales leave the report id out (five bytes); both are read. ``WeightGate`` decides whether a box may
close on a reading (stable and above zero only), and ``parse_manual_weight`` reads what a packer types
when there is no scale ("1.25 kg", "850 g", "850"). Pure: no USB here (that is ``adapters.scale``).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import IntEnum

import msgspec

from packstation.domain.i18n import t

DATA_REPORT_ID = 3


class ScaleStatus(IntEnum):
    FAULT = 1
    STABLE_ZERO = 2
    IN_MOTION = 3
    STABLE = 4
    UNDER_ZERO = 5
    OVER_WEIGHT = 6
    NEEDS_CALIBRATION = 7
    NEEDS_REZEROING = 8


STABLE_STATUSES = frozenset({ScaleStatus.STABLE_ZERO, ScaleStatus.STABLE})

# HID scale unit selector → (symbol, grams per unit). Exact factors from the units' definitions.
UNITS: dict[int, tuple[str, Decimal]] = {
    1: ("mg", Decimal("0.001")),
    2: ("g", Decimal(1)),
    3: ("kg", Decimal(1000)),
    4: ("ct", Decimal("0.2")),
    5: ("tael", Decimal("37.799364167")),  # Hong Kong tael (the postal scales' choice)
    6: ("gr", Decimal("0.06479891")),
    7: ("dwt", Decimal("1.55517384")),
    8: ("t", Decimal(1_000_000)),
    9: ("ton", Decimal("907184.74")),
    10: ("ozt", Decimal("31.1034768")),
    11: ("oz", Decimal("28.349523125")),
    12: ("lb", Decimal("453.59237")),
}

# Units a packer may type, with grams per unit.
MANUAL_UNITS: dict[str, Decimal] = {
    "g": Decimal(1),
    "gram": Decimal(1),
    "grams": Decimal(1),
    "kg": Decimal(1000),
    "kilo": Decimal(1000),
    "kilos": Decimal(1000),
    "oz": UNITS[11][1],
    "lb": UNITS[12][1],
    "lbs": UNITS[12][1],
}


class ScaleReportError(ValueError):
    """Bytes that are not a scale data report (another report, too short, unknown unit)."""


class ManualWeightError(ValueError):
    """What the packer typed is not a usable weight; the message says what to type instead."""


class Reading(msgspec.Struct, frozen=True):
    """One scale reading. ``weight_g`` is negative under zero; ``value``/``unit`` are what the scale shows."""

    status: ScaleStatus
    weight_g: float
    stable: bool
    unit: str
    raw: bytes = b""
    value: Decimal | None = None
    source: str = "usb"  # "usb" or "manual"

    @property
    def grams(self) -> int:
        """Whole grams, rounded half up (the API takes parcel weight in grams)."""
        return int(Decimal(repr(self.weight_g)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def display(self) -> str:
        """The weight as the scale shows it ("1.250 kg"), or in grams when the native value is unknown."""
        if self.value is None:
            return format_grams(self.grams)
        return f"{self.value} {self.unit}"


def decode_report(data: bytes | bytearray | memoryview) -> Reading:
    """Decode one HID scale data report. Raises ``ScaleReportError`` for anything else."""
    raw = bytes(data)
    if len(raw) >= 6 and raw[0] == DATA_REPORT_ID:
        body = raw[1:6]
    elif len(raw) == 5:
        body = raw
    elif len(raw) >= 6:
        raise ScaleReportError(f"not a scale data report (report id {raw[0]}, expected {DATA_REPORT_ID})")
    else:
        raise ScaleReportError(f"scale report too short ({len(raw)} bytes, expected 6)")
    status_code, unit_code, exponent_byte = body[0], body[1], body[2]
    try:
        status = ScaleStatus(status_code)
    except ValueError:
        raise ScaleReportError(f"unknown scale status {status_code}") from None
    if unit_code not in UNITS:
        raise ScaleReportError(f"unknown weight unit {unit_code}")
    unit, grams_per_unit = UNITS[unit_code]
    exponent = exponent_byte - 256 if exponent_byte > 127 else exponent_byte
    magnitude = int.from_bytes(body[3:5], "little")
    value = Decimal(magnitude).scaleb(exponent)
    if status is ScaleStatus.UNDER_ZERO:
        value = -value
    grams = value * grams_per_unit
    return Reading(
        status=status,
        weight_g=float(grams.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)),
        stable=status in STABLE_STATUSES,
        unit=unit,
        raw=raw,
        value=value,
    )


def encode_report(status: int, unit: int, exponent: int, weight: int, *, report_id: bool = True) -> bytes:
    """The six-byte report a scale would send (used by fakes and tests; inverse of ``decode_report``)."""
    body = bytes([status, unit, exponent & 0xFF]) + int(weight).to_bytes(2, "little")
    return (bytes([DATA_REPORT_ID]) if report_id else b"") + body


def format_grams(grams: int) -> str:
    """ "850 g" below a kilo, "1.250 kg" from a kilo up."""
    if abs(grams) < 1000:
        return f"{grams} g"
    return f"{Decimal(grams) / 1000:.3f} kg"


# --- the close-box gate ----------------------------------------------------------------------------

# Functions, not strings: the sentence is looked up in the packer's language when it is shown.
_REFUSALS = {
    ScaleStatus.FAULT: lambda: t(
        "The scale reports a fault. Switch it off and on; if that does not help, type the weight."
    ),
    ScaleStatus.STABLE_ZERO: lambda: t("The scale shows zero. Put the box on the scale."),
    ScaleStatus.IN_MOTION: lambda: t("The weight is still moving. Let the box settle on the scale."),
    ScaleStatus.UNDER_ZERO: lambda: t("The scale reads below zero. Empty it and press ZERO (tare)."),
    ScaleStatus.OVER_WEIGHT: lambda: t(
        "The box is heavier than the scale can weigh. Weigh it on a bigger scale and type the weight."
    ),
    ScaleStatus.NEEDS_CALIBRATION: lambda: t(
        "The scale needs calibrating. Ask a supervisor, or type the weight."
    ),
    ScaleStatus.NEEDS_REZEROING: lambda: t("The scale needs re-zeroing. Empty it and press ZERO."),
}


class WeightDecision(msgspec.Struct, frozen=True):
    """``allowed`` with whole grams, or not allowed with a message a packer can act on."""

    allowed: bool
    weight_g: int | None
    message: str


class WeightGate(msgspec.Struct, frozen=True):
    """Whether a box may close on a reading. ``max_g`` is the heaviest parcel accepted (None: no limit)."""

    min_g: int = 1
    max_g: int | None = None

    def decide(self, reading: Reading) -> WeightDecision:
        if reading.status is not ScaleStatus.STABLE:
            refusal = _REFUSALS.get(reading.status)
            return WeightDecision(False, None, refusal() if refusal else t("The scale is not ready."))
        return self._check_grams(reading.grams)

    def decide_manual(self, text: str) -> WeightDecision:
        """The same decision for a typed weight; parse errors become refusals with their message."""
        try:
            grams = parse_manual_weight(text)
        except ManualWeightError as exc:
            return WeightDecision(False, None, str(exc))
        return self._check_grams(grams)

    def _check_grams(self, grams: int) -> WeightDecision:
        if grams < self.min_g:
            return WeightDecision(False, None, t("The scale shows almost nothing. Put the box on the scale."))
        if self.max_g is not None and grams > self.max_g:
            return WeightDecision(
                False,
                None,
                t(
                    "{weight} is over the {limit} limit for one parcel. Split the box.",
                    weight=format_grams(grams),
                    limit=format_grams(self.max_g),
                ),
            )
        return WeightDecision(True, grams, format_grams(grams))


# --- manual entry ------------------------------------------------------------------------------------

_MANUAL = re.compile(r"^\s*(?P<number>[+-]?\d+(?:[.,]\d+)?)\s*(?P<unit>[a-zA-Z]*)\s*\.?\s*$")
_MAX_MANUAL_G = 10_000_000  # ten tonnes: anything above is a slip of the finger


def parse_manual_weight(text: str) -> int:
    """Grams from a typed weight: "1.25 kg", "1,25 kg", "850 g", "850" (grams), "2 lb", "12 oz"."""
    if text is None or not str(text).strip():
        raise ManualWeightError(t("Type the weight, for example 850 g or 1.25 kg."))
    match = _MANUAL.match(str(text))
    if not match:
        raise ManualWeightError(t("'{text}' is not a weight. Type it like 850 g or 1.25 kg.", text=text))
    number_text = match["number"].replace(",", ".")
    unit = match["unit"].lower()
    if not unit:
        if "." in number_text:
            raise ManualWeightError(
                t(
                    "Say the unit for '{text}': for example {number} kg, or the grams without a point.",
                    text=text.strip(),
                    number=number_text,
                )
            )
        unit = "g"
    if unit not in MANUAL_UNITS:
        raise ManualWeightError(t("Unknown unit '{unit}'. Use g or kg (or oz, lb).", unit=match["unit"]))
    try:
        number = Decimal(number_text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise ManualWeightError(t("'{text}' is not a weight.", text=text)) from None
    if number <= 0:
        raise ManualWeightError(t("The weight must be more than zero."))
    grams = int((number * MANUAL_UNITS[unit]).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if grams < 1:
        raise ManualWeightError(t("The weight is less than one gram. Type the box's weight in g or kg."))
    if grams > _MAX_MANUAL_G:
        raise ManualWeightError(
            t("{weight} is not a parcel weight. Check what you typed.", weight=format_grams(grams))
        )
    return grams


def manual_reading(text: str) -> Reading:
    """A stable reading for a typed weight (raises ``ManualWeightError`` with a message to show)."""
    grams = parse_manual_weight(text)
    return Reading(
        status=ScaleStatus.STABLE,
        weight_g=float(grams),
        stable=True,
        unit="g",
        raw=b"",
        value=Decimal(grams),
        source="manual",
    )


# --- finding scales among HID devices -----------------------------------------------------------------

SCALE_USAGE_PAGE = 0x8D


def declares_scale_usage_page(report_descriptor: bytes) -> bool:
    """Whether a HID report descriptor declares the Scale usage page (0x8D) in a Usage Page item."""
    data = bytes(report_descriptor)
    i = 0
    while i < len(data):
        prefix = data[i]
        if prefix == 0xFE:  # long item: size byte, tag byte, data
            if i + 1 >= len(data):
                return False
            i += 3 + data[i + 1]
            continue
        size = (0, 1, 2, 4)[prefix & 0x03]
        value = int.from_bytes(data[i + 1 : i + 1 + size], "little")
        if prefix & 0xFC == 0x04 and value == SCALE_USAGE_PAGE:  # global item "Usage Page"
            return True
        i += 1 + size
    return False


# -- serial (RS-232) scale heads ----------------------------------------------------------------------
# One weight line as the common heads send it, answering a poll or continuously:
#   Mettler Toledo SICS  "S S      1.250 kg" (S D = moving, S I = busy, S + / S - = over / under range)
#   CAS / many Chinese   "ST,GS,   1.250kg"  (US = unstable, OL = overload; GS gross, NT net)
#   NCI / Avery / CAS W  "  1.250kg" then a status line "S00" ('M' = in motion, 'O'/'U' = over/under)
# The weight and its unit are the number before kg/g/lb/oz; the words around it say whether it is stable.
_SERIAL_WEIGHT = re.compile(r"([-+]?)\s*(\d+(?:\.\d+)?)\s*(kg|g|lb|lbs|oz)\b", re.IGNORECASE)
_SERIAL_UNITS = {"g": 2, "kg": 3, "oz": 11, "lb": 12, "lbs": 12}


def decode_serial_weight(line: str, status_line: str = "") -> Reading:
    """Decode one weight line from a serial scale head (``status_line``: the NCI status that follows
    a weight). Raises ``ScaleReportError`` for lines without a weight (prompts, echoes, noise)."""
    text = line.strip()
    words = text.upper().replace(",", " ").split()
    status_text = status_line.strip().upper()
    if words[:2] in (["S", "+"], ["S", "-"]) or "OL" in words[:2] or "O" in status_text[1:]:
        return Reading(ScaleStatus.OVER_WEIGHT, 0.0, False, "g", raw=line.encode("latin-1", "replace"))
    if words[:2] == ["S", "I"]:
        raise ScaleReportError("the scale is busy (S I)")
    match = _SERIAL_WEIGHT.search(text)
    if match is None:
        raise ScaleReportError(f"no weight in the scale's line {text[:40]!r}")
    sign, number, unit_text = match.groups()
    unit = unit_text.lower()
    unit_code = _SERIAL_UNITS[unit]
    symbol, grams_per_unit = UNITS[unit_code]
    value = Decimal(number) * (-1 if sign == "-" else 1)
    moving = words[:2] == ["S", "D"] or "US" in words[:1] or "M" in status_text[1:]
    if value < 0:
        status = ScaleStatus.UNDER_ZERO
    elif moving:
        status = ScaleStatus.IN_MOTION
    elif value == 0:
        status = ScaleStatus.STABLE_ZERO
    else:
        status = ScaleStatus.STABLE
    grams = value * grams_per_unit
    return Reading(
        status=status,
        weight_g=float(grams.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)),
        stable=status in STABLE_STATUSES,
        unit=symbol,
        raw=line.encode("latin-1", "replace"),
        value=value,
        source="serial",
    )
