"""The printed sheet of command and box-type barcodes the packer scans instead of touching the screen.

``command_sheet`` lists (barcode text, caption) rows: every ``CMD:`` command, then ``BOX:<code>`` for
each box-type preset, then an optional badge. Rendering and printing them is ``packstation
print-commands``'s job; this module only decides what is on the sheet and in which order.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import msgspec

from packstation.domain.packing_order import DEFAULT_BOX_TYPES, BoxType
from packstation.domain.scans import Command


class Symbology(StrEnum):
    """How a sheet entry is drawn: commands as Code 128, products as the symbols products carry."""

    CODE128 = "code128"
    EAN13 = "ean13"
    ITF14 = "itf14"
    GS1_128 = "gs1-128"  # Code 128 with FNC1: a GS1 element string, AIs in brackets, "(01)...(10)..."
    GS1_DATAMATRIX = "gs1-datamatrix"

    @property
    def gs1(self) -> bool:
        """The barcode text is a GS1 element string in brackets ("(01)07350...(17)271231")."""
        return self in (Symbology.GS1_128, Symbology.GS1_DATAMATRIX)


class SheetEntry(msgspec.Struct, frozen=True):
    barcode: str  # the exact text to encode (GS1 symbols: the element string with AIs in brackets)
    caption: str  # large text under the barcode
    hint: str = ""  # one short line on when to use it
    symbology: Symbology = Symbology.CODE128
    sku: str = ""  # a product's code: the catalogue item it stands for


COMMAND_CAPTIONS: dict[Command, tuple[str, str]] = {
    Command.CLOSE_BOX: ("Close box", "Close the open box (default box type)"),
    Command.NEW_BOX: ("New box", "Close the open box and start another"),
    Command.REPRINT: ("Reprint label", "Then scan a label or box tag; twice: last label"),
    Command.VOID_BOX: ("Void last box", "Scan twice to cancel the last closed box and its label"),
    Command.PARK: ("Park order", "Set this order aside; scan it again to go on"),
    Command.CANCEL: ("Cancel order", "Scan twice to abandon this order"),
    Command.PACK_EXTRA: ("Pack extra boxes", "Order packed elsewhere: new boxes get new parcels"),
}
# Supervisor commands stay off the packers' sheet (``command_sheet(supervisor=True)`` prints them).
SUPERVISOR_CAPTIONS: dict[Command, tuple[str, str]] = {
    Command.ACCEPT_WEIGHT: ("Accept weight", "Supervisor: close a box held for its weight"),
    Command.LEARN: ("Learn barcode", "Supervisor: then the product's barcode, then its SKU label"),
}


def _mm(box: BoxType) -> str:
    return f"{box.length_mm} x {box.width_mm} x {box.height_mm} mm"


def command_sheet(
    box_types: Sequence[BoxType] = DEFAULT_BOX_TYPES, *, packer: str = "", supervisor: bool = False
) -> list[SheetEntry]:
    """The rows of the command sheet, commands first in the order a packer meets them (the supervisor's
    commands only with ``supervisor``)."""
    entries = [SheetEntry(command.barcode, *COMMAND_CAPTIONS[command]) for command in COMMAND_CAPTIONS]
    if supervisor:
        entries += [
            SheetEntry(command.barcode, *SUPERVISOR_CAPTIONS[command]) for command in SUPERVISOR_CAPTIONS
        ]
    for box in box_types:
        entries.append(SheetEntry(box.barcode, f"Close as {box.name} ({box.code})", _mm(box)))
    if packer.strip():
        entries.append(SheetEntry(f"USER:{packer.strip()}", f"Badge: {packer.strip()}", "Sign in"))
    return entries
