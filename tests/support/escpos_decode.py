"""Decode captured ESC/POS bytes back into images, to check what a printer would have printed.

``GS v 0`` raster commands are turned back into 1-bit rows; consecutive raster commands (python-escpos
and our encoder send tall images in bands) are stacked into one page until a cut (``GS V``) ends the
page. Other known commands are skipped and listed; an unknown byte sequence raises, so a stray byte in
the stream fails the test instead of going unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from packstation.domain.raster import MonoImage

ESC, GS, DLE = 0x1B, 0x1D, 0x10


@dataclass
class DecodedStream:
    pages: list[MonoImage] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    @property
    def cuts(self) -> int:
        return self.commands.count("cut")


def decode_escpos(data: bytes) -> DecodedStream:
    out = DecodedStream()
    width: int | None = None
    rows: list[bytes] = []

    def end_page() -> None:
        nonlocal rows, width
        if rows:
            out.pages.append(MonoImage(width, len(rows), b"".join(rows)))
        rows, width = [], None

    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == GS and data[i + 1 : i + 3] == b"v0":
            x_bytes = data[i + 4] | data[i + 5] << 8
            height = data[i + 6] | data[i + 7] << 8
            body = data[i + 8 : i + 8 + x_bytes * height]
            if len(body) != x_bytes * height:
                raise ValueError(f"truncated GS v 0 at byte {i}")
            if width is not None and width != x_bytes * 8:
                end_page()
            width = x_bytes * 8
            rows.extend(body[r * x_bytes : (r + 1) * x_bytes] for r in range(height))
            out.commands.append("raster")
            i += 8 + x_bytes * height
        elif b == GS and data[i + 1 : i + 2] == b"V":
            mode = data[i + 2]
            end_page()
            out.commands.append("cut")
            i += 4 if mode in (65, 66) else 3
        elif b == ESC and data[i + 1 : i + 2] == b"@":
            out.commands.append("init")
            i += 2
        elif b == ESC and data[i + 1 : i + 2] in (b"d", b"J", b"a", b"2", b"3"):
            out.commands.append("ESC " + chr(data[i + 1]))
            i += 2 if data[i + 1 : i + 2] == b"2" else 3
        elif b == DLE and data[i + 1 : i + 2] == b"\x04":
            out.commands.append("status")
            i += 3
        elif b == 0x0A:
            out.commands.append("LF")
            i += 1
        else:
            raise ValueError(f"unknown ESC/POS byte 0x{b:02x} at offset {i}")
    end_page()
    return out


def to_pil(image: MonoImage) -> Image.Image:
    """A greyscale Pillow image (black on white) of a decoded page, for zxing-cpp."""
    return Image.frombytes("1", (image.width, image.height), image.data, "raw", "1;I").convert("L")


def read_barcodes(image: MonoImage) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(to_pil(image))]
