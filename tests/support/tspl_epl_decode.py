"""Decode captured TSPL or EPL2 bytes back into page images, to check what a label head would print.

Written from the TSC TSPL and Zebra EPL2 manuals, not from our encoder: each page starts blank at the
size the ``SIZE`` (mm) or ``q``/``Q`` (dots) commands set, ``BITMAP``/``GW`` graphics are drawn into it
(0 bit = dot, 1 bit = white) at their x/y, and ``PRINT``/``P`` ends the page. Every command is listed;
an unknown command, a graphic outside the page or a truncated graphic raises, so stray bytes fail a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packstation.domain.raster import MonoImage, row_bytes_for


@dataclass
class DecodedLabels:
    pages: list[MonoImage] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


class _Page:
    def __init__(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"page size {width}x{height} is not positive")
        self.width, self.height = width, height
        self.rows = [bytearray(row_bytes_for(width)) for _ in range(height)]

    def draw(self, x: int, y: int, width_bytes: int, height: int, white_is_one: bytes) -> None:
        if x < 0 or y < 0 or x + width_bytes * 8 > row_bytes_for(self.width) * 8 or y + height > self.height:
            raise ValueError(f"graphic {width_bytes * 8}x{height} at {x},{y} is outside the page")
        if x % 8:
            raise ValueError("this decoder only draws graphics at byte-aligned x")
        for r in range(height):
            row = white_is_one[r * width_bytes : (r + 1) * width_bytes]
            for i, b in enumerate(row):
                self.rows[y + r][x // 8 + i] |= 255 - b

    def image(self) -> MonoImage:
        data = bytearray()
        pad = row_bytes_for(self.width) * 8 - self.width
        mask = (0xFF << pad) & 0xFF
        for row in self.rows:
            row[-1] &= mask  # a graphic wider than the page is cut at the page's edge
            data += row
        return MonoImage(self.width, self.height, bytes(data))


def _mm_to_dots(text: str, dpi: int) -> int:
    value = text.strip()
    if not value.endswith("mm"):
        raise ValueError(f"TSPL size {text!r} is not in mm")
    return round(float(value[:-2]) / 25.4 * dpi)


def decode_tspl(data: bytes, dpi: int) -> DecodedLabels:
    out = DecodedLabels()
    width = height = 0
    page: _Page | None = None
    i = 0
    while i < len(data):
        end = data.find(b"\r\n", i)
        head = data[i : end if end >= 0 else len(data)]
        if head.startswith(b"BITMAP "):
            args = head[len(b"BITMAP ") :].split(b",", 5)
            x, y, width_bytes, rows, mode = (int(a) for a in args[:5])
            if mode != 0 or page is None:
                raise ValueError(f"BITMAP mode {mode} or BITMAP before CLS at byte {i}")
            start = i + len(b"BITMAP ") + len(b",".join(args[:5])) + 1
            body = data[start : start + width_bytes * rows]
            if len(body) != width_bytes * rows:
                raise ValueError(f"truncated BITMAP at byte {i}")
            page.draw(x, y, width_bytes, rows, body)
            out.commands.append("BITMAP")
            i = start + len(body)
            if data[i : i + 2] != b"\r\n":
                raise ValueError(f"BITMAP data is not followed by CR LF at byte {i}")
            i += 2
            continue
        if end < 0:
            raise ValueError(f"TSPL command without CR LF at byte {i}: {head[:20]!r}")
        line = head.decode("ascii")
        name, _, rest = line.partition(" ")
        if name == "SIZE":
            w_text, h_text = rest.split(",")
            width, height = _mm_to_dots(w_text, dpi), _mm_to_dots(h_text, dpi)
        elif name in ("GAP", "BLINE"):
            distance, offset = (part.strip() for part in rest.split(","))
            _mm_to_dots(distance, dpi), _mm_to_dots(offset, dpi)
        elif name == "DENSITY":
            if not 0 <= int(rest) <= 15:
                raise ValueError(f"DENSITY {rest} is outside 0..15")
        elif name == "CLS":
            page = _Page(width, height)
        elif name == "PRINT":
            if page is None:
                raise ValueError("PRINT without CLS")
            out.pages.append(page.image())
            page = None
        else:
            raise ValueError(f"unknown TSPL command {line[:30]!r} at byte {i}")
        out.commands.append(name)
        i = end + 2
    return out


def decode_epl(data: bytes) -> DecodedLabels:
    out = DecodedLabels()
    width = length = 0
    page: _Page | None = None
    i = 0
    while i < len(data):
        if data[i : i + 1] == b"\n":  # empty line: ends a half-sent command, does nothing
            i += 1
            continue
        end = data.find(b"\n", i)
        head = data[i : end if end >= 0 else len(data)]
        if head.startswith(b"GW"):
            args = head[2:].split(b",", 4)
            x, y, width_bytes, rows = (int(a) for a in args[:4])
            if page is None:
                page = _Page(width, length)
            start = i + 2 + len(b",".join(args[:4])) + 1
            body = data[start : start + width_bytes * rows]
            if len(body) != width_bytes * rows:
                raise ValueError(f"truncated GW at byte {i}")
            page.draw(x, y, width_bytes, rows, body)
            out.commands.append("GW")
            i = start + len(body)
            if data[i : i + 1] != b"\n":
                raise ValueError(f"GW data is not followed by LF at byte {i}")
            i += 1
            continue
        if end < 0:
            raise ValueError(f"EPL command without LF at byte {i}: {head[:20]!r}")
        line = head.decode("ascii")
        if line == "N":
            page = None
            out.commands.append("N")
        elif line.startswith("q"):
            width = int(line[1:])
            out.commands.append("q")
        elif line.startswith("Q"):
            length_text, _, gap = line[1:].partition(",")
            length = int(length_text)
            int(gap[1:] if gap.startswith("B") else gap)
            out.commands.append("Q")
        elif line.startswith("D"):
            if not 0 <= int(line[1:]) <= 15:
                raise ValueError(f"density {line} is outside 0..15")
            out.commands.append("D")
        elif line.startswith("P"):
            copies = int(line[1:])
            if page is None:
                page = _Page(width, length)
            out.pages.extend([page.image()] * copies)
            page = None
            out.commands.append("P")
        else:
            raise ValueError(f"unknown EPL command {line[:30]!r} at byte {i}")
        i = end + 1
    return out
