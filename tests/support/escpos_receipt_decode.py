"""Read ESC/POS *receipt* bytes back: text lines with their style, raster images, barcodes, QR data, cuts.

Enough of ESC/POS for what python-escpos emits for receipts (ESC @ t E ! a d, GS ! V h w f H k v0, GS ( k).
An unknown command raises, so a test notices bytes it does not understand instead of reading them as text.
(``escpos_decode`` next to it decodes raster labels into pages; this one is about text.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

CODE_PAGES = {0: "cp437", 2: "cp850", 5: "cp865", 16: "cp1252", 19: "cp858"}


@dataclass
class TextLine:
    text: str
    bold: bool
    large: bool
    center: bool


@dataclass
class DecodedReceipt:
    lines: list[TextLine] = field(default_factory=list)
    images: list = field(default_factory=list)  # PIL "L" images, black = 0
    barcodes: list[tuple[int, bytes]] = field(default_factory=list)
    qr_data: list[bytes] = field(default_factory=list)
    cuts: int = 0
    code_pages: list[int] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def decode_receipt(data: bytes) -> DecodedReceipt:
    out = DecodedReceipt()
    codec = "cp437"
    bold = large = center = False
    pending = bytearray()
    i = 0

    def flush_line():
        out.lines.append(TextLine(pending.decode(codec), bold, large, center))
        pending.clear()

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            flush_line()
            i += 1
        elif b == 0x1B:
            cmd = data[i + 1]
            if cmd == 0x40:  # ESC @
                bold = large = center = False
                i += 2
            elif cmd in (0x74, 0x45, 0x21, 0x61, 0x64, 0x2D, 0x47, 0x4D):
                arg = data[i + 2]
                if cmd == 0x74:
                    codec = CODE_PAGES[arg]
                    out.code_pages.append(arg)
                elif cmd == 0x45:
                    bold = bool(arg & 1)
                elif cmd == 0x21:
                    large = bool(arg & 0x30)
                elif cmd == 0x61:
                    center = arg in (1, 0x31)
                elif cmd == 0x64:
                    for _ in range(arg):
                        flush_line()
                i += 3
            else:
                raise ValueError(f"unknown ESC command 0x{cmd:02x} at {i}")
        elif b == 0x1D:
            cmd = data[i + 1]
            if cmd == 0x21:  # GS ! n
                large = bool(data[i + 2] & 0x11)
                i += 3
            elif cmd == 0x56:  # GS V m [n]
                out.cuts += 1
                i += 4 if data[i + 2] in (65, 66) else 3
            elif cmd in (0x68, 0x77, 0x66, 0x48):  # barcode height, width, font, text position
                i += 3
            elif cmd == 0x6B:  # GS k m ...
                m = data[i + 2]
                if m <= 6:
                    end = data.index(0, i + 3)
                    out.barcodes.append((m, data[i + 3 : end]))
                    i = end + 1
                else:
                    n = data[i + 3]
                    out.barcodes.append((m, data[i + 4 : i + 4 + n]))
                    i += 4 + n
            elif cmd == 0x28 and data[i + 2] == 0x6B:  # GS ( k pL pH cn fn ...
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                if body[0] == 49 and body[1] == 80:  # QR: store data (fn 80), after m = 48
                    out.qr_data.append(bytes(body[3:]))
                i += 5 + length
            elif cmd == 0x76 and data[i + 2] == 0x30:  # GS v 0 m xL xH yL yH data
                width_bytes = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                start = i + 8
                raster = data[start : start + width_bytes * height]
                if len(raster) != width_bytes * height:
                    raise ValueError(f"truncated GS v 0 at {i}")
                out.images.append(_raster_image(raster, width_bytes, height))
                i = start + width_bytes * height
            else:
                raise ValueError(f"unknown GS command 0x{cmd:02x} at {i}")
        else:
            pending.append(b)
            i += 1
    if pending:
        flush_line()
    return out


def _raster_image(raster: bytes, width_bytes: int, height: int):
    from PIL import Image, ImageOps

    # GS v 0: bit set = black dot; PIL "1" mode: bit set = white. Invert.
    image = Image.frombytes("1", (width_bytes * 8, height), bytes(raster))
    return ImageOps.invert(image.convert("L"))
