"""What a scanned barcode is: a command, a box type, a badge, a label, a box tag, a code, or garbage.

Scanners (keyboard wedge or serial) deliver text with stray endings (CR, LF, TAB) and sometimes an AIM
symbology identifier (``]C0``, ``]E0``, ``]Q3`` ...). ``classify`` normalises that text and says what
kind of scan it is; deciding what a plain ``CODE`` means (an item or an order id) is the station's job,
because only it knows which order is open.

Barcode forms the station prints and reads:

* ``CMD:CLOSE-BOX`` ``CMD:NEW-BOX`` ``CMD:REPRINT`` ``CMD:VOID-BOX`` ``CMD:PARK`` ``CMD:CANCEL``
  (case-insensitive; ``_`` works like ``-``)
* ``BOX:<code>``: close the open box as that box type (a preset with dimensions)
* ``USER:<name>``: a packer's badge
* ``WEIGHT:<weight>`` (or ``W:<weight>``): the open box's weight typed by hand or printed on a weight
  sheet, e.g. ``WEIGHT:850`` (grams), ``W:1.25kg``, ``W:2 lb`` (for benches without a working scale)
* ``BOX-000042``: a temporary box tag (``format_box_tag``), printed for a box closed offline
* 20 digits ``00`` + SSCC with a valid check digit: a carrier tracking number (a shipping label)
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum

from packstation.domain.gs1 import is_valid_sscc_tracking

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
    GARBAGE = "garbage"


class Command(StrEnum):
    """The command barcodes; the value is what follows ``CMD:``."""

    CLOSE_BOX = "CLOSE-BOX"
    NEW_BOX = "NEW-BOX"
    REPRINT = "REPRINT"
    VOID_BOX = "VOID-BOX"
    PARK = "PARK"
    CANCEL = "CANCEL"

    @property
    def barcode(self) -> str:
        return f"CMD:{self.value}"


@dataclass(frozen=True)
class ScanContext:
    """What the station knows that helps classify: tracking numbers of its own boxes that are not SSCCs
    (many carriers use other formats) so a scanned label is recognised as a label."""

    known_tracking_numbers: Container[str] = frozenset()


@dataclass(frozen=True)
class Scan:
    """One classified scan. ``value`` is the normalised meaning (a ``Command`` value for commands, the
    upper-cased box type code, the packer's name, the tracking number, the canonical box tag, the code);
    ``raw`` is exactly what the scanner sent; ``problem`` says in words why a scan is garbage."""

    kind: ScanKind
    value: str
    raw: str
    problem: str = ""

    @property
    def command(self) -> Command | None:
        return Command(self.value) if self.kind is ScanKind.COMMAND else None


def normalise(raw: str) -> str:
    """Strip whitespace and line endings around the scan, and an AIM symbology identifier in front."""
    text = raw.strip(" \t\r\n\x00")
    if _AIM_PREFIX.match(text):
        text = text[3:].strip(" \t\r\n")
    return text


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
        if char == "\ufffd" or (char != " " and not char.isprintable()):
            return (
                "Unreadable scan (control characters). Scan the barcode again; "
                "if it repeats, check the scanner."
            )
    return ""


def classify(raw: str, *, context: ScanContext | None = None) -> Scan:
    """Normalise and classify one scan. Never raises; junk comes back as ``GARBAGE`` with a reason."""
    if not isinstance(raw, str):
        return _garbage(repr(raw), "Unreadable scan. Scan the barcode again.")
    text = normalise(raw)
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
    return Scan(ScanKind.CODE, text, raw)


def format_box_tag(box_id: int) -> str:
    """The text of a temporary box tag barcode for the store's box id: ``BOX-000042``."""
    if box_id < 0:
        raise ValueError("box ids are not negative")
    return f"{BOX_TAG_PREFIX}{box_id:06d}"


def box_id_from_tag(tag: str) -> int | None:
    """The box id in a box tag (``BOX-000042`` -> 42), or None when ``tag`` is not one."""
    match = _BOX_TAG.match(normalise(tag))
    return int(match.group(1)) if match else None
