"""``^GF`` graphic fields for sending raster labels to ZPL printers, compressed.

Two encodings every ZPL II printer reads: ``:Z64:`` (zlib-deflated, base64, with Zebra's CRC-16) and
ASCII hex with Zebra's run-length compression (repeat letters ``G``-``Y``/``g``-``z``, ``,`` for a row
that ends white, ``!`` for a row that ends black, ``:`` for a row equal to the one above). Both render
back to the very same dots (tests render them with our ZPL renderer and compare).
"""

from __future__ import annotations

import base64
import zlib
from enum import StrEnum

from packstation.adapters.labels.zpl.graphics import crc16
from packstation.domain.raster import MonoImage


class Compression(StrEnum):
    Z64 = "z64"
    ASCII_RLE = "rle"
    NONE = "none"


def z64(data: bytes) -> str:
    """``:Z64:<base64 of deflated data>:<CRC>``."""
    text = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    return f":Z64:{text}:{crc16(text)}"


def _count_letters(n: int) -> str:
    out = []
    while n >= 400:
        out.append("z")
        n -= 400
    if n >= 20:
        out.append(chr(ord("g") + n // 20 - 1))
        n %= 20
    if n:
        out.append(chr(ord("G") + n - 1))
    return "".join(out)


def ascii_rle(data: bytes, row_bytes: int) -> str:
    """Zebra's ASCII run-length compression of packed rows."""
    out: list[str] = []
    previous: bytes | None = None
    for start in range(0, len(data), row_bytes):
        row = data[start : start + row_bytes]
        if row == previous:
            out.append(":")
            continue
        previous = row
        hexrow = row.hex().upper()
        tail = ""
        stripped = hexrow.rstrip("0")
        if len(stripped) < len(hexrow):
            hexrow, tail = stripped, ","
        else:
            stripped = hexrow.rstrip("F")
            if len(stripped) < len(hexrow) - 1:
                hexrow, tail = stripped, "!"
        i = 0
        while i < len(hexrow):
            j = i
            while j < len(hexrow) and hexrow[j] == hexrow[i]:
                j += 1
            run = j - i
            out.append((_count_letters(run) if run > 1 else "") + hexrow[i])
            i = j
        out.append(tail)
    return "".join(out)


def graphic_field(image: MonoImage, compression: Compression = Compression.Z64) -> str:
    """``^GFA,total,total,row_bytes,data`` for one image."""
    total = len(image.data)
    if compression is Compression.Z64:
        body = z64(image.data)
    elif compression is Compression.ASCII_RLE:
        body = ascii_rle(image.data, image.row_bytes)
    else:
        body = image.data.hex().upper()
    return f"^GFA,{total},{total},{image.row_bytes},{body}"


def encode_labels(images: list[MonoImage], width: int, compression: Compression = Compression.Z64) -> bytes:
    """One ZPL label per page, each a single compressed graphic field at the top-left corner."""
    labels = [
        f"^XA^PW{width}^LL{image.height}^LH0,0^FO0,0{graphic_field(image, compression)}^FS^XZ\n"
        for image in images
    ]
    return "".join(labels).encode("ascii")
