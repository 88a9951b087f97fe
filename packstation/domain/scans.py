"""What a scanned barcode is: a command, a box type, a badge, a label, a box tag, a code, or garbage.

Scanners (keyboard wedge or serial) deliver text with stray endings (CR, LF, TAB) and sometimes an AIM
symbology identifier (``]C0``, ``]E0``, ``]Q3`` ...). ``classify`` normalises that text and says what
kind of scan it is; deciding what a plain ``CODE`` means (an item or an order id) is the station's job,
because only it knows which order is open.

Barcode forms the station prints and reads:

* ``CMD:CLOSE-BOX`` ``CMD:NEW-BOX`` ``CMD:REPRINT`` ``CMD:VOID-BOX`` ``CMD:PARK`` ``CMD:CANCEL`` ``CMD:LEARN``
  (case-insensitive; ``_`` works like ``-``)
* ``BOX:<code>``: close the open box as that box type (a preset with dimensions)
* ``USER:<name>``: a packer's badge
* ``WEIGHT:<weight>`` (or ``W:<weight>``): the open box's weight typed by hand or printed on a weight
  sheet, e.g. ``WEIGHT:850`` (grams), ``W:1.25kg``, ``W:2 lb`` (for benches without a working scale)
* ``BOX-000042``: a temporary box tag (``format_box_tag``), printed for a box closed offline
* 20 digits ``00`` + SSCC with a valid check digit: a carrier tracking number (a shipping label)
* a GS1 element string (``]d2`` DataMatrix, ``]C1`` GS1-128, ... or digits with GS separators): a product
  with its GTIN, lot, serial and dates (``ITEM``, read by ``item_codes.py``); a bare GTIN-8/12/13/14 stays
  a ``CODE`` (it may be an order number too) but carries its reading in ``Scan.item``

Keyboard-wedge scanners cannot type the GS separator (FNC1) as such: they send Ctrl+] (``\x1d``, taken as
it is) or a replacement text configured on the scanner (``^]``, ``<GS>``, ``~`` ...), which the station's
``gs_replacement`` setting names; ``ScanContext.gs_forms`` turns it back into GS before reading.
"""

from __future__ import annotations

import re
from collections.abc import Container
from enum import StrEnum

import msgspec

from packstation.domain.gs1 import is_valid_sscc_tracking
from packstation.domain.item_codes import GS, ItemCode, ItemCodeError, read_item_code

MAX_SCAN_LENGTH = 128
BOX_TAG_PREFIX = "BOX-"

_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_BOX_TAG = re.compile(r"^BOX-(\d{1,12})$", re.IGNORECASE)


class ScanKind(StrEnum):
    COMMAND = "command"
    BOX_TYPE = "box_type"
    USER = "user"
    WEIGHT = "weight"
    TRACKING = "tracking"
    BOX_TAG = "box_tag"
    CODE = "code"
    ITEM = "item"  # a GS1 element string naming a product (value: its GTIN-14)
    GARBAGE = "garbage"


class Command(StrEnum):
    """The command barcodes; the value is what follows ``CMD:``."""

    CLOSE_BOX = "CLOSE-BOX"
    NEW_BOX = "NEW-BOX"
    REPRINT = "REPRINT"
    VOID_BOX = "VOID-BOX"
    PARK = "PARK"
    CANCEL = "CANCEL"
    ACCEPT_WEIGHT = "ACCEPT-WEIGHT"  # a supervisor accepts a box whose weight is off its expected weight
    LEARN = "LEARN"  # a supervisor teaches the bench a barcode: CMD:LEARN, the barcode, the SKU label
    # An order already has parcels booked elsewhere: pack more boxes, each with a new parcel.
    PACK_EXTRA = "PACK-EXTRA"

    @property
    def barcode(self) -> str:
        return f"CMD:{self.value}"


class ScanContext(msgspec.Struct, frozen=True):
    """What the station knows that helps classify: tracking numbers of its own boxes that are not SSCCs
    (many carriers use other formats) so a scanned label is recognised as a label."""

    known_tracking_numbers: Container[str] = frozenset()
    gs_forms: tuple[str, ...] = ()  # texts a scanner sends for the GS separator (besides GS itself)


class Scan(msgspec.Struct, frozen=True):
    """One classified scan. ``value`` is the normalised meaning (a ``Command`` value for commands, the
    upper-cased box type code, the packer's name, the tracking number, the canonical box tag, the code);
    ``raw`` is exactly what the scanner sent; ``problem`` says in words why a scan is garbage."""

    kind: ScanKind
    value: str
    raw: str
    problem: str = ""
    item: ItemCode | None = None  # the product barcode's GS1 reading (ITEM, and CODE that is a GTIN)

    @property
    def command(self) -> Command | None:
        return Command(self.value) if self.kind is ScanKind.COMMAND else None


def normalise(raw: str) -> str:
    """Strip whitespace and line endings around the scan, and an AIM symbology identifier in front."""
    return split_aim(raw)[1]


def split_aim(raw: str, gs_forms: tuple[str, ...] = ()) -> tuple[str, str]:
    """(AIM symbology identifier or "", the scan's text without it), the GS forms turned into GS."""
    text = raw.strip(" \t\r\n\x00")
    for form in gs_forms:
        if form:
            text = text.replace(form, GS)
    aim = ""
    if _AIM_PREFIX.match(text):
        aim, text = text[:3], text[3:].strip(" \t\r\n")
    return aim, text


def _garbage(raw: str, problem: str) -> Scan:
    return Scan(ScanKind.GARBAGE, "", raw, problem)


def _unreadable(text: str) -> str:
    """Why ``text`` cannot be a real barcode, or "" when it can."""
    if not text:
        return "Empty scan. Scan the barcode again."
    if len(text) > MAX_SCAN_LENGTH:
        return f"Scan too long ({len(text)} characters). Scan one barcode at a time."
    for char in text:
        # Control and format characters, odd separators, the replacement character (a decoding failure)
        # come from a misconfigured scanner or line noise, never from a barcode we print or stock.
        if char == "\ufffd" or (char not in (" ", GS) and not char.isprintable()):
            return (
                "Unreadable scan (control characters). Scan the barcode again; "
                "if it repeats, check the scanner."
            )
    return ""


def classify(raw: str, *, context: ScanContext | None = None) -> Scan:
    """Normalise and classify one scan. Never raises; junk comes back as ``GARBAGE`` with a reason."""
    if not isinstance(raw, str):
        return _garbage(repr(raw), "Unreadable scan. Scan the barcode again.")
    aim, text = split_aim(raw, context.gs_forms if context is not None else ())
    problem = _unreadable(text)
    if problem:
        return _garbage(raw, problem)

    prefix, colon, rest = text.partition(":")
    if colon:
        upper = prefix.upper()
        rest = rest.strip()
        if upper == "CMD":
            name = rest.upper().replace("_", "-").replace(" ", "-")
            try:
                return Scan(ScanKind.COMMAND, Command(name).value, raw)
            except ValueError:
                known = ", ".join(c.barcode for c in Command)
                return _garbage(
                    raw, f"Unknown command {text!r}. Use a barcode from the command sheet ({known})."
                )
        if upper == "BOX":
            if not rest:
                return _garbage(raw, "Box type barcode without a box type. Use one from the command sheet.")
            return Scan(ScanKind.BOX_TYPE, rest.upper(), raw)
        if upper in ("WEIGHT", "W"):
            if not rest:
                return _garbage(raw, "Weight without a number. Type it like WEIGHT:850 or W:1.25kg.")
            return Scan(ScanKind.WEIGHT, rest, raw)
        if upper == "USER":
            if not rest:
                return _garbage(raw, "Badge without a name. Scan your own badge again.")
            return Scan(ScanKind.USER, rest, raw)

    tag = _BOX_TAG.match(text)
    if tag:
        return Scan(ScanKind.BOX_TAG, format_box_tag(int(tag.group(1))), raw)
    if is_valid_sscc_tracking(text):
        return Scan(ScanKind.TRACKING, text, raw)
    if context is not None and text in context.known_tracking_numbers:
        return Scan(ScanKind.TRACKING, text, raw)
    item = read_item_code(text, aim)
    if isinstance(item, ItemCodeError):
        return _garbage(raw, item.problem)
    if item is not None and item.gs1:
        if not item.gtin:  # an SSCC alone: a logistic unit's label (a carrier's or a pallet's)
            return Scan(ScanKind.TRACKING, "00" + item.sscc, raw, item=item)
        return Scan(ScanKind.ITEM, item.gtin, raw, item=item)
    if GS in text:
        return _garbage(raw, "Unreadable scan (a GS separator in a barcode that is not GS1). Scan it again.")
    return Scan(ScanKind.CODE, text, raw, item=item)


def format_box_tag(box_id: int) -> str:
    """The text of a temporary box tag barcode for the store's box id: ``BOX-000042``."""
    if box_id < 0:
        raise ValueError("box ids are not negative")
    return f"{BOX_TAG_PREFIX}{box_id:06d}"


def box_id_from_tag(tag: str) -> int | None:
    """The box id in a box tag (``BOX-000042`` -> 42), or None when ``tag`` is not one."""
    match = _BOX_TAG.match(normalise(tag))
    return int(match.group(1)) if match else None
