"""Product barcodes read as GS1 data: GTIN-8/12/13/14 and GS1 element strings (GS1-128, DataMatrix, QR).

The reading itself is biip's (a kept GS1 library): this module decides *when* a scan is GS1 data and
turns biip's answer into the little the bench needs (``ItemCode``: the GTIN normalised to 14 digits, lot,
serial, expiry and best-before dates, count, SSCC), or into a sentence saying why the scan is refused
(``ItemCodeError``: a wrong check digit, an unknown application identifier, a date that is no date).

When a scan is GS1 data:

* its AIM symbology identifier says so (``]C1`` GS1-128, ``]d2`` GS1 DataMatrix, ``]Q3`` GS1 QR, ``]e0``
  GS1 DataBar, ``]J1`` GS1 DotCode), or it holds a GS separator (FNC1 as ``\\x1d``) between fields;
* or it starts with AI ``01`` or ``02`` and is longer than that field: all digits, or a valid GTIN-14
  in the field (a DataMatrix or GS1-128 read by a scanner that sends no AIM prefix).

A scan of 8, 12, 13 or 14 digits is a GTIN when its check digit is right. With a wrong check digit it is
refused only when the scanner said it is an EAN/UPC/ITF (``]E0``, ``]E4``, ``]I1`` ...); bare digits with
a wrong check digit may be an order number or a warehouse code and are left to the station.

``barcode_key`` is the one normalisation every lookup uses: a valid GTIN in any length becomes its
GTIN-14, so the EAN-13 on a box and the GTIN-14 inside its DataMatrix find the same catalogue row.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

import msgspec

from packstation.domain.gs1 import gs1_check_digit

if TYPE_CHECKING:
    from biip import ParseConfig

GS = "\x1d"
GTIN_LENGTHS = (8, 12, 13, 14)

# AIM symbology identifiers (ISO/IEC 15424) that mean "GS1 element string follows".
GS1_AIMS = frozenset({"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1"})
# ... and those of symbologies that carry a bare GTIN (EAN/UPC, ITF-14 with check digit).
GTIN_AIMS = frozenset({"]E0", "]E1", "]E2", "]E3", "]E4", "]I1", "]X0"})


@cache
def _config() -> ParseConfig:
    # biip is imported at the first GS1 scan, not at start-up: loading its AI tables takes ~0.3-0.6 s.
    from biip import ParseConfig

    return ParseConfig(separator_chars=[GS])


class ItemCode(msgspec.Struct, frozen=True):
    """A product barcode: ``gtin`` is the GTIN-14 ("" for a GS1 scan without one, e.g. an SSCC)."""

    gtin: str = ""
    lot: str = ""  # AI 10
    serial: str = ""  # AI 21
    expiry: date | None = None  # AI 17
    best_before: date | None = None  # AI 15
    count: int | None = None  # AI 37 (units of the trade item in a logistic unit, with AI 02)
    sscc: str = ""  # AI 00
    gs1: bool = False  # read from a GS1 element string (not a bare GTIN)

    @property
    def packaging_indicator(self) -> int:
        """The GTIN-14's first digit: 0 a unit, 1-8 a case or other packaging level, 9 variable measure."""
        return int(self.gtin[0]) if self.gtin else 0

    @property
    def tracked(self) -> bool:
        """True when the scan carries a lot, serial or date the box must keep."""
        return bool(self.lot or self.serial or self.expiry or self.best_before)


class ItemCodeError(msgspec.Struct, frozen=True):
    """A GS1 scan that cannot be used, and why (a sentence for the packer)."""

    problem: str


def is_gtin(code: str) -> bool:
    """True when ``code`` is a GTIN-8/12/13/14 with a right check digit."""
    return (
        code.isascii()
        and code.isdigit()
        and len(code) in GTIN_LENGTHS
        and gs1_check_digit(code[:-1]) == int(code[-1])
    )


def barcode_key(code: str) -> str:
    """How a barcode is looked up: a valid GTIN as its GTIN-14, anything else as it is."""
    code = code.strip()
    return code.zfill(14) if is_gtin(code) else code


def _wrong_check_digit(code: str) -> ItemCodeError:
    expected = gs1_check_digit(code[:-1])
    return ItemCodeError(
        f"Barcode {code} has a wrong check digit (should end in {expected}): it was misread or misprinted. "
        "Scan it again; if it repeats, type the SKU or put the item aside."
    )


def looks_like_gs1(text: str, aim: str = "") -> bool:
    """True when the scan should be read as a GS1 element string (see the module docstring)."""
    if aim in GS1_AIMS or GS in text:
        return True
    if not text.isascii() or len(text) <= 16 or text[:2] not in ("01", "02"):
        return False
    return text.isdigit() or is_gtin(text[2:16])  # a valid GTIN-14 after AI 01/02, then more AIs


def read_item_code(text: str, aim: str = "") -> ItemCode | ItemCodeError | None:
    """Read ``text`` (AIM prefix removed and given as ``aim``; GS as ``\\x1d``) as a product barcode.

    None: not GS1 data (a SKU, an order number, a command ...). Never raises."""
    if looks_like_gs1(text, aim):
        return _read_element_string(text)
    if text.isascii() and text.isdigit() and len(text) in GTIN_LENGTHS:
        if is_gtin(text):
            return ItemCode(gtin=text.zfill(14))
        if aim in GTIN_AIMS:
            return _wrong_check_digit(text)
    return None


def _read_element_string(text: str) -> ItemCode | ItemCodeError:
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    body = text.strip(GS)  # a leading FNC1 or a trailing GS carries no data
    try:
        message = GS1Message.parse(body, config=_config())
    except ParseError as exc:
        return ItemCodeError(
            f"Unreadable GS1 barcode ({exc}). Scan it again; if it repeats, check the label."
        )
    fields: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai in ("01", "02", "00") and not _check_digit_ok(element.value):
            return _wrong_check_digit(element.value)
        fields.setdefault(ai, element.value)
        dates.setdefault(ai, element.date)
    gtin = fields.get("01") or fields.get("02") or ""
    count = fields.get("37")
    item = ItemCode(
        gtin=gtin,
        lot=fields.get("10", ""),
        serial=fields.get("21", ""),
        expiry=dates.get("17"),
        best_before=dates.get("15"),
        count=int(count) if count and count.isdigit() else None,
        sscc=fields.get("00", ""),
        gs1=True,
    )
    if not item.gtin and not item.sscc:
        return ItemCodeError(
            "This GS1 barcode names no product (no GTIN in it). Scan the product's own barcode."
        )
    return item


def _check_digit_ok(digits: str) -> bool:
    return digits.isascii() and digits.isdigit() and gs1_check_digit(digits[:-1]) == int(digits[-1])
