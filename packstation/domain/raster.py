"""1-bit label images as the printers see them, and the contract for the SVG rasteriser.

``MonoImage`` is the one image type passed between the label pipeline (adapters), the SVG rasteriser
(GUI package, because it uses Qt) and the on-screen preview: packed rows, most significant bit = leftmost
dot, bit 1 = black dot. That is exactly the ESC/POS ``GS v 0`` and ZPL ``^GF`` layout, so encoding
needs no bit twiddling. Pure Python: no Qt, no Pillow, no I/O.
"""

from __future__ import annotations

from typing import Protocol

import msgspec


def row_bytes_for(width: int) -> int:
    """Bytes per packed row of ``width`` dots (rows are padded to a whole byte with white)."""
    return (width + 7) // 8


class MonoImage(msgspec.Struct, frozen=True):
    """A black-and-white raster: ``height`` rows of ``row_bytes`` bytes, MSB first, 1 = black."""

    width: int
    height: int
    data: bytes

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")
        expected = row_bytes_for(self.width) * self.height
        if len(self.data) != expected:
            raise ValueError(f"{self.width}x{self.height} needs {expected} bytes, got {len(self.data)}")

    @property
    def row_bytes(self) -> int:
        return row_bytes_for(self.width)

    def is_black(self, x: int, y: int) -> bool:
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"({x}, {y}) is outside {self.width}x{self.height}")
        byte = self.data[y * self.row_bytes + x // 8]
        return bool(byte & (0x80 >> (x % 8)))

    def row(self, y: int) -> bytes:
        start = y * self.row_bytes
        return self.data[start : start + self.row_bytes]

    def black_dots(self) -> int:
        return sum(bin(b).count("1") for b in self.data)

    @classmethod
    def blank(cls, width: int, height: int) -> MonoImage:
        return cls(width, height, bytes(row_bytes_for(width) * height))


class LabelPreview(msgspec.Struct, frozen=True):
    """What the ``preview`` printer hands to the screen: the rendered pages, or ZPL text it cannot draw."""

    images: tuple[MonoImage, ...] = ()
    zpl: str | None = None
    label_format: str = ""
    tracking_number: str | None = None
    box_id: int | None = None  # the station's box this label (or box tag) belongs to, when known


class SvgRasterizer(Protocol):
    """Renders SVG bytes, stretched to exactly ``width`` x ``height`` dots, to a thresholded 1-bit image.

    Implementations must not dither nor antialias (bars must keep whole-dot widths), must never fetch
    anything the SVG references, must be callable from a worker thread, and raise ``ValueError`` for an
    SVG they cannot render.
    """

    def __call__(self, svg: bytes, width: int, height: int) -> MonoImage: ...
