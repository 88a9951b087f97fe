"""What a ZPL interpreter remembers: printer settings that last across labels, and the field being built.

All sizes here are in the label's own dots (as written in the file); the renderer multiplies by its
scale only when drawing, so barcode modules can be rounded to whole dots of the target head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Orientation(StrEnum):
    NORMAL = "N"
    ROTATED = "R"  # 90 degrees clockwise
    INVERTED = "I"  # 180 degrees
    BOTTOM_UP = "B"  # 270 degrees (reads from bottom to top)

    @classmethod
    def parse(cls, value: str, default: Orientation) -> Orientation:
        value = value.strip().upper()[:1]
        try:
            return cls(value) if value else default
        except ValueError:
            return default


class Justify(StrEnum):
    LEFT = "L"
    CENTER = "C"
    RIGHT = "R"
    JUSTIFIED = "J"


@dataclass
class Font:
    name: str = "0"  # font letter/digit, or "@" for a named font
    height: int = 9  # dots
    width: int = 5
    orientation: Orientation | None = None  # None: the ^FW default


@dataclass
class PrinterState:
    """Settings that persist from one ^XA..^XZ format to the next (as on a real printer)."""

    home_x: int = 0
    home_y: int = 0
    shift: int = 0  # ^LS, dots to the left
    top: int = 0  # ^LT, dots down
    print_width: int | None = None
    label_length: int | None = None
    inverted: bool = False  # ^POI
    default_font: Font = field(default_factory=lambda: Font("A", 9, 5))
    orientation: Orientation = Orientation.NORMAL  # ^FW
    justification: int = 0  # ^FW's z: 0 left, 1 right, 2 auto
    module_width: int = 2  # ^BY
    ratio: float = 3.0
    bar_height: int = 10
    encoding: str = "cp850"  # ^CI
    reverse_all: bool = False  # ^LR
    font_aliases: dict[str, str] = field(default_factory=dict)  # ^CW letter -> font name


@dataclass
class FieldState:
    """The field between ^FO/^FT and ^FS."""

    x: int = 0
    y: int = 0
    typeset: bool = False  # ^FT: (x, y) is the text baseline / the barcode's bottom-left
    justification: int | None = None
    font: Font | None = None
    barcode: tuple[str, list[str]] | None = None  # command code and its parameters
    data: str | None = None
    hex_indicator: str | None = None  # ^FH
    reverse: bool = False  # ^FR
    block: tuple[int, int, int, Justify, int] | None = None  # ^FB width, lines, spacing, justify, indent
    text_box: tuple[str, int, int] | None = None  # ^TB orientation, width, height
    number: int | None = None  # ^FN
    graphics: list[tuple[str, list[str]]] = field(default_factory=list)
    positioned: bool = False
