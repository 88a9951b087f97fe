"""Product symbols for printed sheets, encoded by zxing-cpp: EAN-13, ITF-14, GS1-128 and GS1 DataMatrix.

The demo's scan sheet (``packstation print-commands --demo``) shows products as they are marked in a
warehouse, so a real scanner reads them as it would read a product: a GS1 element string becomes a
GS1-128 symbol (Code 128 with FNC1 first, AIM ``]C1``) or a GS1 DataMatrix (FNC1 first, ``]d2``), with
the FNC1/GS separator after a variable-length field; zxing-cpp's writer does that from the element
string with its AIs in brackets (``gs1=True``); what it encodes is checked with the station's own
scan parser, so the sheet never shows a code the station would refuse. ``symbol_modules`` gives the
symbol at one module per cell, without quiet zones or human-readable text, for the sheet's layout to
draw on whole dots.
"""

from __future__ import annotations

import msgspec

from packstation.domain.commands_sheet import Symbology


class SymbolError(ValueError):
    """The text cannot be encoded in that symbology (a wrong check digit, a bad AI, too long)."""


class SymbolModules(msgspec.Struct, frozen=True):
    """A symbol at one module per cell: ``rows[y][x]`` is True for a dark module."""

    width: int
    height: int
    rows: tuple[tuple[bool, ...], ...]
    linear: bool  # one row of bars (drawn as tall as wanted); otherwise square modules

    def runs(self, y: int) -> list[tuple[int, int]]:
        """(start, length) of each dark run in row ``y``."""
        out: list[tuple[int, int]] = []
        start = None
        for x, dark in enumerate((*self.rows[y], False)):
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                out.append((start, x - start))
                start = None
        return out


_FORMATS = {
    Symbology.CODE128: "Code128",
    Symbology.EAN13: "EAN13",
    Symbology.ITF14: "ITF",
    Symbology.GS1_128: "Code128",
    Symbology.GS1_DATAMATRIX: "DataMatrix",
}
# Quiet zones in modules, each side: what the symbology's specification asks for.
QUIET_ZONE_MODULES = {
    Symbology.CODE128: 10,
    Symbology.EAN13: 11,
    Symbology.ITF14: 10,
    Symbology.GS1_128: 10,
    Symbology.GS1_DATAMATRIX: 1,
}


def symbol_modules(text: str, symbology: Symbology) -> SymbolModules:
    """``text`` encoded as ``symbology``; raises SymbolError when it cannot be."""
    import zxingcpp

    fmt = getattr(zxingcpp.BarcodeFormat, _FORMATS[symbology])
    options = {"gs1": True} if symbology.gs1 else {}
    try:
        symbol = zxingcpp.create_barcode(text, fmt, **options)
    except ValueError as exc:
        raise SymbolError(f"{text!r} cannot be a {symbology.value} symbol: {exc}") from None
    if symbology.gs1:  # zxing-cpp does not check the data: the station's own parser does
        problem = _gs1_problem(bytes(symbol.bytes).decode("latin-1"), symbol.symbology_identifier)
        if problem:
            raise SymbolError(f"{text!r} cannot be a {symbology.value} symbol: {problem}")
    view = memoryview(symbol.to_image(scale=1, add_quiet_zones=False, add_hrt=False))  # type: ignore[arg-type]  # the stub has no __buffer__
    if view.shape is None or len(view.shape) < 2:
        raise SymbolError(f"zxing-cpp drew no {symbology.value} symbol for {text!r}")
    height, width = view.shape[0], view.shape[1]
    pixels = bytes(view)
    linear = symbology is not Symbology.GS1_DATAMATRIX
    used = 1 if linear else height  # a linear symbol's rows are all alike: one carries every bar
    rows = tuple(tuple(v < 128 for v in pixels[y * width : (y + 1) * width]) for y in range(used))
    return SymbolModules(width, used, rows, linear)


def _gs1_problem(data: str, aim: str) -> str:
    """Why the element string a scanner would read from the symbol is refused by the station, or ""."""
    from packstation.domain.item_codes import ItemCodeError, read_item_code

    read = read_item_code(data, aim)
    if isinstance(read, ItemCodeError):
        return read.problem.split(":")[0]  # the fact, without the advice to the packer
    return "" if read is not None and read.gs1 else "not a GS1 element string"
