"""Graphic commands: boxes, circles, ellipses, diagonals (``^GB ^GC ^GE ^GD``) and bitmaps (``^GF``, ``~DG``).

Shapes are drawn at the target scale; bitmaps are decoded at their own resolution (they are dots, not
geometry) and scaled by the renderer. ``^GF``/``~DG`` data in every encoding: ASCII hex with the
run-length letters (``G``-``Y`` = 1-19, ``g``-``z`` = 20-400), ``,`` (rest of the row white), ``!``
(rest of the row black) and ``:`` (repeat the previous row); raw binary; and ``:B64:``/``:Z64:`` base64
(zlib-deflated for Z64) with its CRC-16 checked.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from PIL import Image, ImageDraw

from packstation.adapters.labels.zpl.errors import ZplError, check_size

MAX_GRAPHIC_BYTES = 8 * 1024 * 1024  # one ^GF larger than 8 MB (a 64-inch 832-dot label) is refused


def _dots(value: int, scale: float) -> int:
    return max(1, round(value * scale))


def box(width: int, height: int, thickness: int, rounding: int, scale: float) -> Image.Image:
    thickness = max(1, thickness)
    width, height = max(width, thickness), max(height, thickness)
    w, h, t = _dots(width, scale), _dots(height, scale), _dots(thickness, scale)
    check_size(w, h, "a box")
    image = Image.new("1", (w, h), 0)
    draw = ImageDraw.Draw(image)
    rounding = max(0, min(8, rounding))
    radius = round(rounding * min(w, h) / 16)
    if 2 * t >= min(w, h) - 1:  # a rounding leftover must not leave a hairline of white inside
        if radius:
            draw.rounded_rectangle((0, 0, w - 1, h - 1), radius, fill=1)
        else:
            image.paste(1, (0, 0, w, h))
    elif radius:
        draw.rounded_rectangle((0, 0, w - 1, h - 1), radius, outline=1, width=t)
    else:
        draw.rectangle((0, 0, w - 1, h - 1), outline=1, width=t)
    return image


def ellipse(width: int, height: int, thickness: int, scale: float) -> Image.Image:
    w, h, t = _dots(width, scale), _dots(height, scale), _dots(max(1, thickness), scale)
    check_size(w, h, "an ellipse")
    image = Image.new("1", (w, h), 0)
    draw = ImageDraw.Draw(image)
    if 2 * t >= min(w, h) - 1:  # a rounding leftover must not leave a hairline of white inside
        draw.ellipse((0, 0, w - 1, h - 1), fill=1)
    else:
        draw.ellipse((0, 0, w - 1, h - 1), outline=1, width=t)
    return image


def diagonal(width: int, height: int, thickness: int, leaning: str, scale: float) -> Image.Image:
    """^GD: a line across the box; ``R``/``/`` leans right (bottom-left to top-right), ``L``/``\\`` left."""
    thickness = max(1, thickness)
    w, h, t = (
        _dots(max(width, thickness), scale),
        _dots(max(height, thickness), scale),
        _dots(thickness, scale),
    )
    check_size(w, h, "a diagonal line")
    image = Image.new("1", (w, h), 0)
    draw = ImageDraw.Draw(image)
    half = t // 2
    if leaning in ("L", "\\"):
        line = [(half, half), (w - 1 - half, h - 1 - half)]
    else:
        line = [(half, h - 1 - half), (w - 1 - half, half)]
    draw.line(line, fill=1, width=t)
    return image


def bitmap(data: bytes, bytes_per_row: int) -> Image.Image:
    """A decoded bitmap (MSB first, 1 = black) as an ink mask."""
    if bytes_per_row <= 0:
        raise ZplError("graphic has no bytes per row")
    rows = len(data) // bytes_per_row
    if rows <= 0:
        raise ZplError("graphic has no data")
    return Image.frombytes("1", (bytes_per_row * 8, rows), data[: rows * bytes_per_row])


def decode_graphic(kind: str, total: int, bytes_per_row: int, payload: str, warnings: list[str]) -> bytes:
    """The raw bitmap bytes of a ^GF/~DG payload (``kind`` A, B or C), ``total`` bytes long."""
    if total <= 0 or bytes_per_row <= 0:
        raise ZplError(f"graphic size {total} bytes, {bytes_per_row} per row is not valid")
    if total > MAX_GRAPHIC_BYTES:
        raise ZplError(f"a graphic of {total} bytes is too large")
    kind = (kind or "A").upper()
    stripped = payload.strip()
    if stripped[:5].upper() in (":Z64:", ":B64:"):
        raw = _decode_base64(stripped, warnings)
    elif kind == "B":
        raw = payload.encode("latin-1")
    elif kind == "A":
        raw = decode_ascii_hex(stripped, bytes_per_row, total)
    else:
        raise ZplError(f"graphic compression type {kind!r} is not supported")
    if len(raw) < total:
        raw = raw + bytes(total - len(raw))
    return raw[:total]


def _decode_base64(text: str, warnings: list[str]) -> bytes:
    scheme = text[1:4].upper()
    body = text[5:]
    crc = ""
    if ":" in body:
        body, crc = body.split(":", 1)
    body = "".join(body.split())
    try:
        packed = base64.b64decode(body + "=" * (-len(body) % 4), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ZplError(f"the {scheme} graphic data is not valid base64 ({exc})") from None
    crc = crc.strip()[:4]
    if crc and crc.upper() != crc16(body):
        warnings.append(f"{scheme} graphic: CRC {crc} does not match the data ({crc16(body)}); drawn anyway")
    if scheme == "Z64":
        try:
            decompressor = zlib.decompressobj()
            raw = decompressor.decompress(packed, MAX_GRAPHIC_BYTES + 1)
        except zlib.error as exc:
            raise ZplError(f"the Z64 graphic data is corrupt ({exc})") from None
        if len(raw) > MAX_GRAPHIC_BYTES:
            raise ZplError("the Z64 graphic is too large")
        return raw
    return packed


def crc16(base64_text: str) -> str:
    """The CRC-16/CCITT (XModem) of the base64 text, as four upper-case hex digits (Zebra's Z64/B64 check)."""
    return f"{binascii.crc_hqx(base64_text.encode('ascii', 'replace'), 0):04X}"


_HEX = set("0123456789ABCDEFabcdef")
_PLAIN_HEX = re.compile(r"[0-9A-Fa-f]*")


def _repeat_count(ch: str) -> int:
    if "G" <= ch <= "Y":
        return ord(ch) - ord("G") + 1
    if "g" <= ch <= "z":
        return (ord(ch) - ord("g") + 1) * 20
    return 0


def decode_ascii_hex(text: str, bytes_per_row: int, total: int) -> bytes:
    """ASCII hex with Zebra's run-length compression, to raw bytes."""
    row_chars = bytes_per_row * 2
    plain = "".join(text.split())
    if _PLAIN_HEX.fullmatch(plain):  # uncompressed: the common case, decoded in C
        return bytes.fromhex(plain[: total * 2] if len(plain) % 2 == 0 else plain[: total * 2] + "0")[:total]
    out = bytearray()
    row: list[str] = []
    previous = "0" * row_chars
    count = 0
    limit = total * 2

    def end_row() -> None:
        nonlocal row, previous
        line = "".join(row)[:row_chars].ljust(row_chars, "0")
        out.extend(bytes.fromhex(line))
        previous = line
        row = []

    for ch in text:
        if len(out) * 2 >= limit:
            break
        if ch in _HEX:
            row.extend(ch * (count or 1))
            count = 0
            while len(row) >= row_chars:
                rest = row[row_chars:]
                row = row[:row_chars]
                end_row()
                row = rest
        elif _repeat_count(ch):
            count += _repeat_count(ch)
        elif ch == ",":
            row.extend("0" * (row_chars - len(row)))
            end_row()
            count = 0
        elif ch == "!":
            row.extend("F" * (row_chars - len(row)))
            end_row()
            count = 0
        elif ch == ":":
            if row:
                end_row()
            row = list(previous)
            end_row()
            count = 0
        # whitespace and anything else is skipped, as printers do
    if row:
        end_row()
    return bytes(out)
